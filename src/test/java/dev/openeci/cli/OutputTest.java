package dev.openeci.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputTest {
  static JsonNode json(String s) throws Exception {
    return EciClient.JSON.readTree(s);
  }

  @Test
  void tableColumnsAreAlignedWithThreeSpaces() {
    String t = new Output.Table("ID", "NAME", "AGE").row("eci-1", "web", "5s").row("eci-22", "a", null).toString();
    assertThat(t).isEqualTo("""
        ID       NAME   AGE
        eci-1    web    5s
        eci-22   a
        """);
  }

  @Test
  void ageIsKubectlShort() {
    Instant now = Instant.parse("2026-01-02T00:00:00Z");
    assertThat(Output.age("2026-01-01T23:59:15Z", now)).isEqualTo("45s");
    assertThat(Output.age("2026-01-01T23:48:00Z", now)).isEqualTo("12m");
    assertThat(Output.age("2026-01-01T19:00:00Z", now)).isEqualTo("5h");
    assertThat(Output.age(Duration.ofDays(3))).isEqualTo("3d");
    assertThat(Output.age("", now)).isEmpty();
    assertThat(Output.age("yesterday", now)).isEmpty();
  }

  @Test
  void jsonAndYamlRenderTheResponse() throws Exception {
    JsonNode n = json("{\"TotalCount\":1,\"ContainerGroups\":[{\"ContainerGroupId\":\"eci-1\",\"SpecVersion\":\"1\","
        + "\"Tags\":[]}]}");
    assertThat(Output.render(n, Output.Format.yaml)).isEqualTo("""
        TotalCount: 1
        ContainerGroups:
        - ContainerGroupId: eci-1
          SpecVersion: "1"
          Tags: []
        """);
    assertThat(EciClient.JSON.readTree(Output.render(n, Output.Format.json))).isEqualTo(n);
  }

  @Test
  void psRowsCountReadyContainersRestartsAndBothIps() throws Exception {
    JsonNode g = json("""
        {"ContainerGroupId":"eci-1","ContainerGroupName":"web","Status":"Running","IntranetIp":"10.0.0.2",
         "InternetIp":"127.0.0.1","CreationTime":"2026-01-01T23:59:00Z",
         "Containers":[{"Name":"a","Ready":true,"RestartCount":2},{"Name":"b","Ready":false,"RestartCount":1}]}
        """);
    String t = GroupCommands.Ps.table(List.of(g), Instant.parse("2026-01-02T00:00:00Z")).toString();
    assertThat(t.lines().toList()).containsExactly(
        "ID      NAME   STATUS    READY   RESTARTS   IP                   AGE",
        "eci-1   web    Running   1/2     3          10.0.0.2,127.0.0.1   60s");
  }

  @Test
  void eventRowsNameTheirContainer() throws Exception {
    JsonNode events = json("""
        [{"Type":"Normal","Reason":"Pulled","Message":"done","Count":2,"LastTimestamp":"2026-01-01T23:59:50Z",
          "involvedObject":{"FieldPath":"spec.containers{web}"}},
         {"Type":"Warning","Reason":"SandboxFailed","Message":"x","LastTimestamp":"2026-01-01T23:59:59Z"}]
        """);
    String t = WatchCommands.Events.table(events, Instant.parse("2026-01-02T00:00:00Z")).toString();
    assertThat(t.lines().toList()).containsExactly(
        "LAST SEEN   TYPE      REASON          OBJECT          COUNT   MESSAGE",
        "10s         Normal    Pulled          container/web   2       done",
        "1s          Warning   SandboxFailed   group           1       x");
  }

  @Test
  void describeShowsContainersStatesAndEvents() throws Exception {
    JsonNode g = json("""
        {"ContainerGroupId":"eci-1","ContainerGroupName":"web","Status":"Running","CreationTime":"2026-01-01T23:00:00Z",
         "Tags":[{"Key":"app","Value":"x"}],
         "Containers":[{"Name":"a","Image":"busybox","Commands":["sleep","9"],"Ready":true,"RestartCount":1,
           "EnvironmentVars":[{"Key":"K","Value":"v"}],"Ports":[{"Port":80,"Protocol":"TCP"}],
           "CurrentState":{"State":"Running","Reason":"Started","StartTime":"2026-01-01T23:00:05Z"},
           "PreviousState":{"State":"Terminated","Reason":"Error","ExitCode":3}}],
         "Events":[]}
        """);
    String d = GroupCommands.Describe.text(g, Instant.parse("2026-01-02T00:00:00Z"));
    assertThat(d).contains("Id:              eci-1\n").contains("(60m ago)").contains("Tags:            app=x\n")
        .contains("    Command:       sleep 9\n").contains("    Ports:         80/TCP\n")
        .contains("    State:         Running (Started), started 2026-01-01T23:00:05Z\n")
        .contains("    Last State:    Terminated (Error), exit code 3\n").contains("    Environment:   K=v\n")
        .endsWith("Events:\n  <none>\n");
  }

  @Test
  void topFormatsCoresAndMebibytes() throws Exception {
    assertThat(MiscCommands.Top.cores(json("{\"UsageNanoCores\":250000000}"))).isEqualTo("0.250");
    assertThat(MiscCommands.Top.mib(json("{\"WorkingSet\":10485760}"))).isEqualTo("10");
    assertThat(MiscCommands.Top.cores(json("{}"))).isEmpty();
  }
}
