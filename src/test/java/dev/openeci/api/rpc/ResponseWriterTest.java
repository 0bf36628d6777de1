package dev.openeci.api.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.error.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResponseWriterTest {
  final ResponseWriter w = new ResponseWriter();

  record Body(String Name, List<String> Items, Integer Count, Float Cpu, String Absent) {}

  @Test
  void jsonIsRawUtf8WithRealArraysAndRequestIdFirst() throws Exception {
    HttpReply r = w.success("RID", "DescribeX", new Body("é", List.of("a"), 3, 2.0f, null), null);
    String text = new String(r.body(), StandardCharsets.UTF_8);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType()).isEqualTo("application/json;charset=utf-8");
    assertThat(text).startsWith("{\"RequestId\":\"RID\"").contains("\"Name\":\"é\"").contains("\"Items\":[\"a\"]")
        .contains("\"Count\":3").contains("\"Cpu\":2.0").doesNotContain("Absent").doesNotContain("\\u00e9");
  }

  @Test
  void errorEnvelope() throws Exception {
    HttpReply r = w.error("RID", "127.0.0.1:8080", ErrorCode.missing("ContainerGroupName"), null);
    JsonNode j = new ObjectMapper().readTree(r.body());
    assertThat(r.status()).isEqualTo(400);
    assertThat(j.get("RequestId").asText()).isEqualTo("RID");
    assertThat(j.get("HostId").asText()).isEqualTo("127.0.0.1:8080");
    assertThat(j.get("Code").asText()).isEqualTo("MissingParameter");
    assertThat(j.get("Message").asText()).contains("\"ContainerGroupName\"");
    assertThat(j.get("Recommend").asText()).isEqualTo("docs/errors.md#missingparameter");
  }

  @Test
  void recommendFollowsTheConfiguredTemplate() throws Exception {
    ResponseWriter custom = new ResponseWriter("https://docs.example/errors#{anchor}?c={code}&r={requestId}");
    HttpReply r = custom.error("RID", null, ErrorCode.CONTAINER_GROUP_NOT_FOUND.exception(), null);
    assertThat(new ObjectMapper().readTree(r.body()).get("Recommend").asText())
        .isEqualTo("https://docs.example/errors#invalidparameternotfound?c=InvalidParameter.NotFound&r=RID");
    assertThat(new ObjectMapper().readTree(new ResponseWriter(" ").error("R", null, ErrorCode.INTERNAL_ERROR
        .exception(), null).body()).get("Recommend").asText()).isEqualTo("docs/errors.md#internalerror");
  }

  @Test
  void xmlWhenAskedFor() {
    HttpReply ok = w.success("RID", "DescribeX", Map.of("Items", List.of("a", "b<")), "XML");
    assertThat(ok.contentType()).isEqualTo("text/xml;charset=utf-8");
    assertThat(new String(ok.body(), StandardCharsets.UTF_8)).contains("<DescribeXResponse><RequestId>RID</RequestId>"
        + "<Items>a</Items><Items>b&lt;</Items></DescribeXResponse>");
    HttpReply err = w.error("RID", "h", ErrorCode.INVALID_ACTION_NOT_FOUND.exception(), "xml");
    assertThat(err.status()).isEqualTo(404);
    assertThat(new String(err.body(), StandardCharsets.UTF_8)).contains("<Error><RequestId>RID</RequestId>")
        .contains("<Code>InvalidAction.NotFound</Code>");
  }

  @Test
  void requestIdIsSplicedInFrontOfTheBodyMembers() {
    String[][] cases = {
        {"{}", "{\"RequestId\":\"R\"}"},
        {" { } ", "{\"RequestId\":\"R\"}"},
        {"{\"A\":1}", "{\"RequestId\":\"R\",\"A\":1}"},
        {"{\"A\":{\"B\":[1,2]},\"C\":\"}\"}", "{\"RequestId\":\"R\",\"A\":{\"B\":[1,2]},\"C\":\"}\"}"},
        {"[1]", "{\"RequestId\":\"R\"}"},
        {"\"x\"", "{\"RequestId\":\"R\"}"},
    };
    for (String[] c : cases) {
      assertThat(new String(ResponseWriter.withRequestId("R", c[0].getBytes(StandardCharsets.UTF_8)),
          StandardCharsets.UTF_8)).as(c[0]).isEqualTo(c[1]);
    }
    assertThat(new String(ResponseWriter.withRequestId("a\"b", "{}".getBytes(StandardCharsets.UTF_8)),
        StandardCharsets.UTF_8)).isEqualTo("{\"RequestId\":\"a\\\"b\"}");
  }

  @Test
  void jsonBodyIsTheSameAsTheTreeWouldGive() throws Exception {
    ObjectMapper m = new ObjectMapper();
    for (Object body : new Object[] {Map.of(), Map.of("A", List.of(1, 2)), new Body("x", List.of(), null, 1.5f, null),
        Map.of("RequestId", "inner", "K", "v"), null}) {
      JsonNode j = m.readTree(w.success("RID", "X", body, null).body());
      assertThat(j.fieldNames().next()).isEqualTo("RequestId");
      assertThat(j.get("RequestId").asText()).isEqualTo("RID");
      JsonNode expected = body == null ? m.createObjectNode() : m.valueToTree(body);
      ((com.fasterxml.jackson.databind.node.ObjectNode) expected).remove("RequestId");
      ((com.fasterxml.jackson.databind.node.ObjectNode) j).remove("RequestId");
      if (body instanceof Body) ((com.fasterxml.jackson.databind.node.ObjectNode) expected).remove(List.of("Count", "Absent"));
      assertThat(j.toString()).isEqualTo(expected.toString());
    }
  }
}
