package dev.openeci.api.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.api.rpc.ParamReader;
import dev.openeci.commit.CommitService;
import dev.openeci.commit.CommitTask;
import dev.openeci.error.ApiException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** CommitContainer validation, one row per rule (documented codes, never a 500), and the task view. */
class CommitMapperTest {
  static Map<String, String> valid() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("RegionId", "cn-hangzhou");
    p.put("ContainerGroupId", "eci-1");
    p.put("ContainerName", "app");
    p.put("Image.Repository", "127.0.0.1:5000/team/app");
    p.put("Image.Tag", "v1");
    p.put("Image.Author", "me");
    p.put("AcrRegistryInfo.InstanceId", "cri-1");
    p.put("Arn.RoleArn", "acs:ram::1:role/x");
    p.put("ImageRegistryCredential.1.Server", "127.0.0.1:5000");
    p.put("ImageRegistryCredential.1.UserName", "u");
    p.put("ImageRegistryCredential.1.Password", "secret-pw");
    p.put("InsecureRegistry", "127.0.0.1:5000");
    return p;
  }

  record Rule(String name, String code, String mentions, Consumer<Map<String, String>> change) {}

  static List<Rule> rules() {
    return List.of(
        new Rule("group missing", "MissingParameter", "ContainerGroupId", p -> p.remove("ContainerGroupId")),
        new Rule("container missing", "MissingParameter", "ContainerName", p -> p.remove("ContainerName")),
        new Rule("repository missing", "MissingParameter", "Image.Repository", p -> p.remove("Image.Repository")),
        new Rule("repository upper case", "InvalidParameter", "Image.Repository",
            p -> p.put("Image.Repository", "127.0.0.1:5000/Team/App")),
        new Rule("repository with a tag", "InvalidParameter", "Image.Repository",
            p -> p.put("Image.Repository", "127.0.0.1:5000/team/app:1")),
        new Rule("repository with a digest", "InvalidParameter", "Image.Repository",
            p -> p.put("Image.Repository", "127.0.0.1:5000/team/app@sha256:00")),
        new Rule("repository with spaces", "InvalidParameter", "Image.Repository",
            p -> p.put("Image.Repository", "team app")),
        new Rule("repository in the local store", "InvalidParameter", "localhost/",
            p -> p.put("Image.Repository", "localhost/team/app")),
        new Rule("tag starting with a dot", "InvalidParameter", "Image.Tag", p -> p.put("Image.Tag", ".v1")),
        new Rule("tag too long", "InvalidParameter", "Image.Tag", p -> p.put("Image.Tag", "v".repeat(129))),
        new Rule("message too long", "InvalidParameter", "Image.Message",
            p -> p.put("Image.Message", "m".repeat(1025))),
        new Rule("credential without password", "MissingParameter", "ImageRegistryCredential.1.Password",
            p -> p.remove("ImageRegistryCredential.1.Password")),
        new Rule("control character", "InvalidParameter", "Image.Author", p -> p.put("Image.Author", "a\u0001")));
  }

  @Test
  void everyRuleHasItsCodeAndNamesTheParameter() {
    CommitService.Request ok = CommitMapper.commit(new ParamReader(valid()));
    assertThat(ok.reference()).isEqualTo("127.0.0.1:5000/team/app:v1");
    assertThat(ok.credentials()).singleElement().satisfies(c -> assertThat(c.toString()).doesNotContain("secret-pw"));
    assertThat(ok.insecureRegistries()).containsExactly("127.0.0.1:5000");
    Map<String, String> noTag = valid();
    noTag.remove("Image.Tag");
    noTag.put("Image.Repository", "docker.io/library/app");
    assertThat(CommitMapper.commit(new ParamReader(noTag)).reference()).isEqualTo("docker.io/library/app:latest");
    List<String> failures = new ArrayList<>();
    for (Rule rule : rules()) {
      Map<String, String> p = valid();
      rule.change().accept(p);
      try {
        CommitMapper.commit(new ParamReader(p));
        failures.add(rule.name() + ": accepted");
      } catch (ApiException e) {
        if (!e.code().equals(rule.code()) || e.httpStatus() != 400 || !e.getMessage().contains(rule.mentions())) {
          failures.add(rule.name() + ": got " + e.httpStatus() + " " + e.code() + " " + e.getMessage());
        }
        if (e.getMessage().contains("secret-pw")) failures.add(rule.name() + ": message shows the password");
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void taskStatusFilter() {
    assertThat(CommitMapper.status(new ParamReader(Map.of()))).isNull();
    assertThat(CommitMapper.status(new ParamReader(Map.of("TaskStatus", "succeeded")))).isEqualTo("Succeeded");
    try {
      CommitMapper.status(new ParamReader(Map.of("TaskStatus", "Done")));
      throw new AssertionError("accepted");
    } catch (ApiException e) {
      assertThat(e.code()).isEqualTo("InvalidParameter");
      assertThat(e.getMessage()).contains("TaskStatus");
    }
  }

  @Test
  void viewHasTheOfficialModelsFields() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    CommitTask t = new CommitTask("t-1", "acct", "cn-hangzhou", "eci-1", "app", "r/a:1", CommitTask.RUNNING, 0,
        "start", t0, null, List.of())
        .withPhase(CommitTask.PHASE_COMMIT, CommitTask.RUNNING, "committing", 10, t0.plusSeconds(1))
        .withPhase(CommitTask.PHASE_COMMIT, "Success", "committed", 50, t0.plusSeconds(2))
        .withPhase(CommitTask.PHASE_PUSH, CommitTask.RUNNING, "pushing", 60, t0.plusSeconds(3))
        .finish(CommitTask.FAILED, "push r/a:1: unauthorized", t0.plusSeconds(4));
    CommitMapper.TaskView v = CommitMapper.view(t);
    assertThat(v.TaskId()).isEqualTo("t-1");
    assertThat(v.TaskStatus()).isEqualTo("Failed");
    assertThat(v.TaskProgress()).isEqualTo("60%");
    assertThat(v.StatusMessage()).isEqualTo("push r/a:1: unauthorized");
    assertThat(v.TaskCreationTime()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(v.TaskFinishedTime()).isEqualTo("2026-01-01T00:00:04Z");
    assertThat(v.CommitPhaseInfos()).extracting(CommitMapper.PhaseView::Phase)
        .containsExactly("CommitContainer", "PushImage");
    assertThat(v.CommitPhaseInfos()).extracting(CommitMapper.PhaseView::Status).containsExactly("Success", "Failed");
  }
}
