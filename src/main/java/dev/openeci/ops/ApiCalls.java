package dev.openeci.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * What happens once per API call, whatever its outcome (refused at the edge, failed authentication,
 * error, success): one access-log line on the logger {@value #LOGGER} (INFO, so it can be routed or
 * silenced on its own) and, with a {@link Telemetry}, the {@code openeci_api_requests} histogram.
 *
 * <p>Text: {@code request=<id> account=<account|-> action=<Action|-> code=<Success|ErrorCode>
 * status=<http> ms=<latency> remote=<address|->}; the same fields are the event's key/value pairs
 * (top-level members with {@code --log-format json}). Values a client chose (the Action) are cut to
 * 64 characters of {@code [A-Za-z0-9._-]}, so a line can not be forged.
 */
public final class ApiCalls {
  public static final String LOGGER = "openeci.access";
  private static final Logger access = LoggerFactory.getLogger(LOGGER);

  private final Telemetry telemetry;

  public ApiCalls(Telemetry telemetry) {
    this.telemetry = telemetry;
  }

  /** The access log only (no metrics): what a dispatcher built without telemetry does. */
  public static ApiCalls logOnly() {
    return new ApiCalls(null);
  }

  public void completed(String requestId, String account, String action, String code, int httpStatus, long nanos,
      String remote) {
    if (telemetry != null) telemetry.apiCall(action, code, httpStatus, nanos);
    if (!access.isInfoEnabled()) return;
    String a = clean(action);
    String acct = clean(account);
    long ms = nanos / 1_000_000;
    String r = clean(remote);
    LoggingEventBuilder e = access.atInfo()
        .addKeyValue("requestId", requestId)
        .addKeyValue("account", acct)
        .addKeyValue("action", a)
        .addKeyValue("code", code)
        .addKeyValue("status", httpStatus)
        .addKeyValue("latencyMs", ms)
        .addKeyValue("remote", r);
    e.log("request={} account={} action={} code={} status={} ms={} remote={}", requestId, acct, a, code, httpStatus,
        ms, r);
  }

  static String clean(String s) {
    if (s == null || s.isEmpty()) return "-";
    StringBuilder b = new StringBuilder(Math.min(s.length(), 64));
    for (int i = 0; i < s.length() && b.length() < 64; i++) {
      char c = s.charAt(i);
      boolean ok = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_'
          || c == '-' || c == ':' || c == '@';
      b.append(ok ? c : '_');
    }
    return b.toString();
  }
}
