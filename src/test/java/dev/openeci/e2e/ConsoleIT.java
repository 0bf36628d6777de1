package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.testing.TestEngine;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console (docs/console.md) in real headless Chromium (Debian's chromium and
 * chromium-driver, installed by scripts/setup-engine.sh --with-registry-tools) against a real
 * server: every request the page makes is signed in the browser, so this is also the proof that
 * the browser signs like the SDKs. Screenshots of each page go to target/console-screenshots/.
 */
class ConsoleIT {
  static final Path SHOTS = Path.of("target", "console-screenshots");
  static final String CHROMIUM = "/usr/bin/chromium";
  static final String CHROMEDRIVER = "/usr/bin/chromedriver";

  @TempDir
  static Path dataDir;
  @TempDir
  static Path profile;
  static ServerProcess server;
  static ChromeDriver driver;
  static String base;

  @BeforeAll
  static void start() throws Exception {
    assertThat(Path.of(CHROMIUM)).as("chromium (apt-get install chromium chromium-driver, or"
        + " scripts/setup-engine.sh --with-registry-tools)").exists();
    assertThat(Path.of(CHROMEDRIVER)).as("chromedriver (apt-get install chromium-driver)").exists();
    TestEngine.busyboxImage();
    server = new ServerProcess(dataDir, TestEngine.endpoint()).start();
    base = "http://" + server.endpoint();
    Files.createDirectories(SHOTS);

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    // Without the background-networking flags Chromium keeps calling out to the (closed) network.
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1440,1500", "--lang=en-US");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (driver != null) driver.quit();
    } finally {
      if (server != null) server.close();
    }
  }

  static WebDriverWait waiting(int seconds) {
    // The live views re-render their tables on every poll: an element found a moment ago may be gone.
    return (WebDriverWait) new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(200))
        .ignoring(StaleElementReferenceException.class);
  }

  /** The text of what css selects now (retried across re-renders). */
  static String text(String css) {
    return waiting(10).until(d -> d.findElement(By.cssSelector(css)).getText());
  }

  static String attr(String css, String name) {
    return waiting(10).until(d -> d.findElement(By.cssSelector(css)).getAttribute(name));
  }

  static void click(String css) {
    waiting(10).until(d -> {
      d.findElement(By.cssSelector(css)).click();
      return true;
    });
  }

  static void shot(String name) throws Exception {
    Files.write(SHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
  }

  static WebElement el(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  static void type(String css, String text) {
    WebElement e = el(css);
    e.clear();
    e.sendKeys(text);
  }

  static String terminalText() {
    return (String) ((JavascriptExecutor) driver).executeScript(
        "const t = document.getElementById('terminal').openeciTerminal; if (!t) return '';"
            + " const b = t.buffer.active; const out = [];"
            + " for (let i = 0; i < b.length; i++) { const l = b.getLine(i); if (l) out.push(l.translateToString(true)); }"
            + " return out.join('\\n');");
  }

  @Test
  void signInCreateWatchLogsExecRestartDelete() throws Exception {
    try {
      walkThrough();
    } catch (Throwable t) {
      // What the page showed and said, for the report.
      shot("failure");
      System.err.println("console page at failure (" + driver.getCurrentUrl() + "):\n"
          + driver.findElement(By.tagName("body")).getText());
      for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) System.err.println("browser: " + e);
      throw t;
    }
  }

  void walkThrough() throws Exception {
    List<String> csp = new ArrayList<>();

    // Sign-in page; a wrong secret and an unknown key are refused with the server's ECI error.
    driver.get(base + "/console");
    waiting(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-form")));
    assertThat(driver.getCurrentUrl()).endsWith("/console/#/signin");
    shot("01-signin");
    type("#ak-id", ServerProcess.ACCESS_KEY_ID);
    type("#ak-secret", "not-the-secret");
    el("#signin").click();
    waiting(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-error")));
    assertThat(el("#signin-error").getText()).startsWith("SignatureDoesNotMatch: Specified signature is not matched");
    shot("02-signin-wrong-secret");
    type("#ak-id", "LTAI-no-such-key");
    el("#signin").click();
    waiting(20).until(ExpectedConditions.textToBePresentInElementLocated(By.id("signin-error"),
        "InvalidAccessKeyId.NotFound"));
    assertThat(driver.executeScript("return sessionStorage.length")).isEqualTo(0L);

    type("#ak-id", ServerProcess.ACCESS_KEY_ID);
    type("#ak-secret", ServerProcess.ACCESS_KEY_SECRET);
    el("#signin").click();
    waiting(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("groups-table")));
    assertThat(el("#who").getText()).contains(ServerProcess.ACCESS_KEY_ID).contains("cn-hangzhou");
    assertThat(el("#groups-table").getText()).contains("No container groups yet.");

    // Create from the form (also shown as JSON).
    String name = "console-" + SdkEndToEndIT.shortId();
    el("#new-group").click();
    waiting(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("create-form")));
    type("#c-name", name);
    type("#c-image", TestEngine.busyboxImage());
    type("#c-cpu", "1");
    type("#c-memory", "2");
    type("#c-command", "/bin/sh");
    type("#c-args", "-c\ni=0; while true; do echo console-line-$i $GREETING; i=$((i+1)); sleep 1; done");
    // A value with every character class the signature's percent-encoding must get right.
    type("#c-env", "GREETING=hello-from-the-form\nSPECIAL=a=b&c d*~+/é:%");
    shot("03-create-form");
    el("#to-json").click();
    waiting(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("c-json")));
    assertThat(el("#c-json").getAttribute("value")).contains("\"ContainerGroupName\": \"" + name + "\"")
        .contains("\"Key\": \"GREETING\"");
    // The JSON tab flattens nested parameters (Container.1.EnvironmentVar.2.Value, ...): a dry run of
    // the same spec passes validation, which the server answers with DryRun.Success.
    ((JavascriptExecutor) driver).executeScript("const t = document.getElementById('c-json');"
        + " const j = JSON.parse(t.value); j.DryRun = true; t.value = JSON.stringify(j, null, 2);");
    el("#create-json-submit").click();
    waiting(20).until(ExpectedConditions.textToBePresentInElementLocated(By.id("create-error"), "DryRun.Success"));
    shot("04-create-json-dry-run");
    el("#tab-form").click();
    el("#create-submit").click();

    // The list shows it, live, until Running.
    String row = "tr[data-name='" + name + "']";
    waiting(30).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(row)));
    assertThat(text("#flash")).startsWith("Created eci-");
    waiting(120).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(
        row + " .badge[data-status='Running']")));
    String id = attr(row, "data-id");
    assertThat(id).startsWith("eci-");
    assertThat(text(row)).contains("1/1");
    shot("05-groups");

    // The group page: containers, their state, and the log tail (followed).
    click(row + " a.group-link");
    waiting(20).until(ExpectedConditions.textToBePresentInElementLocated(By.id("group-title"), name));
    String app = "#containers-table tr[data-container='app']";
    waiting(20).until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(app + " td.state-current"),
        "Running"));
    assertThat(text(app + " td.ready")).isEqualTo("yes");
    assertThat(text("#overview")).contains(id).contains("Restart policy\nAlways").contains("Intranet IP")
        .doesNotContain("[object");
    waiting(30).until(ExpectedConditions.textToBePresentInElementLocated(By.id("log"),
        "console-line-0 hello-from-the-form"));
    // Follow: later lines arrive without a reload.
    waiting(30).until(ExpectedConditions.textToBePresentInElementLocated(By.id("log"), "console-line-4 "));
    assertThat(text("#events-table")).isNotBlank();
    shot("06-group");

    // The exec terminal (TTY) over the WebSocketUri.
    new Select(el("#exec-container")).selectByValue("app");
    type("#exec-command", "/bin/sh");
    el("#exec-connect").click();
    waiting(20).until(ExpectedConditions.textToBePresentInElementLocated(By.id("exec-state"), "connected:"));
    WebElement input = el("#terminal .xterm-helper-textarea");
    waiting(20).until(d -> terminalText().contains("#") || terminalText().contains("$"));
    input.sendKeys("echo exec-$((6*7)) done\n");
    waiting(20).until(d -> terminalText().contains("exec-42 done"));
    input.sendKeys("echo \"[$SPECIAL]\"\n");
    waiting(20).until(d -> terminalText().contains("[a=b&c d*~+/é:%]"));
    ((JavascriptExecutor) driver).executeScript("document.getElementById('terminal').scrollIntoView()");
    shot("07-exec");
    input.sendKeys("exit\n");
    waiting(20).until(ExpectedConditions.textToBePresentInElementLocated(By.id("exec-state"),
        "exited with code 0"));
    ((JavascriptExecutor) driver).executeScript("window.scrollTo(0, 0)");

    // Restart: the container starts again (its start time changes) and the group is Running again.
    String before = text(app + " td.state-current");
    el("#restart").click();
    waiting(20).until(ExpectedConditions.textToBePresentInElementLocated(By.id("flash"), "Restarting " + id));
    waiting(120).until(d -> {
      String now = d.findElement(By.cssSelector(app + " td.state-current")).getText();
      return now.startsWith("Running") && !now.equals(before)
          && "Running".equals(d.findElement(By.cssSelector("#group-status .badge")).getAttribute("data-status"));
    });
    // The followed log is the new instance's: it starts again from line 0.
    waiting(30).until(ExpectedConditions.textToBePresentInElementLocated(By.id("log"),
        "console-line-1 hello-from-the-form"));
    shot("08-group-restarted");

    // Delete, after confirming.
    el("#delete").click();
    waiting(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
    assertThat(el("#confirm-text").getText()).contains(id);
    shot("09-delete-confirm");
    el("#confirm-ok").click();
    waiting(20).until(ExpectedConditions.urlToBe(base + "/console/#/groups"));
    waiting(60).until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(row)));
    shot("10-groups-after-delete");

    // Sign out forgets the key.
    el("#signout").click();
    waiting(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-form")));
    assertThat(driver.executeScript("return sessionStorage.length")).isEqualTo(0L);

    for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
      if (e.getMessage().contains("Content Security Policy") || e.getMessage().contains("Content-Security-Policy")) {
        csp.add(e.getMessage());
      }
    }
    assertThat(csp).as("CSP violations in the browser console").isEmpty();
  }
}
