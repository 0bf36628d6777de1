package dev.openeci.api.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.error.ApiException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParamReaderTest {

  static ParamReader reader(String rawQuery) {
    return new ParamReader(RequestParameters.parse(new RpcRequest("GET", "/", rawQuery, Map.of(), new byte[0])).asMap());
  }

  @Test
  void flattenedListsAndStructsInNumericOrder() {
    ParamReader p = reader("Container.10.Name=ten&Container.2.Name=two&Container.1.Name=one"
        + "&Container.1.EnvironmentVar.2.Key=B&Container.1.EnvironmentVar.1.Key=A"
        + "&Container.1.Command.2=-c&Container.1.Command.1=%2Fbin%2Fsh"
        + "&Container.1.LivenessProbe.HttpGet.Port=8080&HostAliase.1.Hostname.2=b.local&HostAliase.1.Hostname.1=a.local");
    List<ParamReader> cs = p.list("Container");
    assertThat(cs).extracting(c -> c.string("Name")).containsExactly("one", "two", "ten");
    assertThat(cs.get(0).list("EnvironmentVar")).extracting(e -> e.string("Key")).containsExactly("A", "B");
    assertThat(cs.get(0).strings("Command")).containsExactly("/bin/sh", "-c");
    assertThat(cs.get(0).struct("LivenessProbe").struct("HttpGet").integer("Port")).isEqualTo(8080);
    assertThat(cs.get(0).has("LivenessProbe")).isTrue();
    assertThat(cs.get(1).has("LivenessProbe")).isFalse();
    assertThat(p.list("HostAliase").get(0).strings("Hostname")).containsExactly("a.local", "b.local");
    assertThat(cs.get(2).path("Name")).isEqualTo("Container.10.Name");
  }

  @Test
  void theSameValueInEverySdkEncodingDecodesTheSame() {
    String expected = "a=b&c d*~+/é:%";
    for (String encoded : List.of("a%3Db%26c+d*%7E%2B%2F%C3%A9%3A%25", "a%3Db%26c%20d*%7E%2B%2F%C3%A9%3A%25",
        "a%3Db%26c%20d*~%2B%2F%C3%A9%3A%25")) {
      assertThat(reader("V=" + encoded).string("V")).as(encoded).isEqualTo(expected);
    }
  }

  @Test
  void formBodiesAreMergedAfterTheQuery() {
    RpcRequest r = new RpcRequest("POST", "/", "A=query", Map.of("content-type",
        "application/x-www-form-urlencoded; charset=UTF-8"), "A=body&B=%C3%A9".getBytes());
    RequestParameters p = RequestParameters.parse(r);
    assertThat(p.get("A")).isEqualTo("query");
    assertThat(p.get("B")).isEqualTo("é");
    assertThat(p.pairs()).hasSize(3);
  }

  record Bad(String query, String call, String message) {}

  @Test
  void badValuesNameTheParameter() {
    List<Bad> cases = List.of(
        new Bad("Limit=ten", "integer:Limit", "\"Limit\""),
        new Bad("Cpu=two", "decimal:Cpu", "\"Cpu\""),
        new Bad("Cpu=NaN", "decimal:Cpu", "\"Cpu\""),
        new Bad("DryRun=yes", "bool:DryRun", "\"DryRun\""),
        new Bad("Container.x.Name=a", "list:Container", "Container.x.Name"),
        new Bad("Container.0.Name=a", "list:Container", "Container.0.Name"),
        new Bad("ContainerGroupIds=eci-1", "json:ContainerGroupIds", "\"ContainerGroupIds\""),
        new Bad("ContainerGroupIds=%5B1%5D", "json:ContainerGroupIds", "\"ContainerGroupIds\""),
        new Bad("ContainerGroupName=", "required:ContainerGroupName", "\"ContainerGroupName\""),
        new Bad("V=%E0%A4", "string:V", "malformed"),
        new Bad("V=%zz", "string:V", "malformed"));
    for (Bad b : cases) {
      assertThatThrownBy(() -> {
        ParamReader p = reader(b.query());
        String[] c = b.call().split(":");
        switch (c[0]) {
          case "integer" -> p.integer(c[1]);
          case "decimal" -> p.decimal(c[1]);
          case "bool" -> p.bool(c[1]);
          case "list" -> p.list(c[1]);
          case "json" -> p.jsonStringArray(c[1]);
          case "required" -> p.required(c[1]);
          default -> p.string(c[1]);
        }
      }).as(b.query()).isInstanceOfSatisfying(ApiException.class, e -> {
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.getMessage()).contains(b.message());
      });
    }
  }

  @Test
  void typedValues() {
    ParamReader p = reader("Cpu=2.0&Memory=4&Limit=20&DryRun=TRUE&Ids=%5B%22eci-1%22%2C%22eci-2%22%5D&Empty=");
    assertThat(p.decimal("Cpu")).isEqualTo(2.0);
    assertThat(p.decimal("Memory")).isEqualTo(4.0);
    assertThat(p.integer("Limit")).isEqualTo(20);
    assertThat(p.bool("DryRun")).isTrue();
    assertThat(p.jsonStringArray("Ids")).containsExactly("eci-1", "eci-2");
    assertThat(p.integer("Empty")).isNull();
    assertThat(p.string("Missing")).isNull();
  }

  @Test
  void twoHundredNestedParametersAreEachFoundOnceInTheirOwnScope() {
    Map<String, String> m = new HashMap<>();
    for (int c = 1; c <= 20; c++) {
      for (int e = 1; e <= 10; e++) m.put("Container." + c + ".EnvironmentVar." + e + ".Key", "K" + c + "-" + e);
    }
    ParamReader p = new ParamReader(m);
    List<ParamReader> containers = p.list("Container");
    assertThat(containers).hasSize(20);
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int c = 1; c <= 20; c++) {
      List<ParamReader> env = containers.get(c - 1).list("EnvironmentVar");
      assertThat(env).as("Container.%d (not Container.1%d)", c, c).hasSize(10);
      for (int e = 1; e <= 10; e++) {
        String key = env.get(e - 1).string("Key");
        assertThat(key).isEqualTo("K" + c + "-" + e);
        assertThat(seen.add(key)).isTrue();
      }
    }
    assertThat(seen).hasSize(200);
  }
}
