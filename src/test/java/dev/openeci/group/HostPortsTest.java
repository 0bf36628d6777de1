package dev.openeci.group;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.testing.ApiHarness;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A host port is held by one group at a time: the second is refused at create/update, concurrently too. */
class HostPortsTest {
  @TempDir Path dir;

  static Map<String, String> group(String name, int port, boolean eip) {
    Map<String, String> q = new HashMap<>();
    q.put("RegionId", "cn-hangzhou");
    q.put("ContainerGroupName", "group-" + name);
    q.put("Container.1.Name", "web");
    q.put("Container.1.Image", "localhost/web:1");
    q.put("Container.1.Port.1.Port", Integer.toString(port));
    q.put("Container.1.Port.1.Protocol", "TCP");
    if (eip) q.put("AutoCreateEip", "true");
    return q;
  }

  @Test
  void theSecondGroupPublishingAPortIsRefusedWithADocumentedCode() {
    try (ApiHarness api = new ApiHarness(dir)) {
      ApiHarness.Reply first = api.call("CreateContainerGroup", group("a", 8080, true));
      assertThat(first.status()).as(first.body().toString()).isEqualTo(200);
      String firstId = first.body().get("ContainerGroupId").asText();
      ApiHarness.Reply second = api.call("CreateContainerGroup", group("b", 8080, true));
      assertThat(second.status()).isEqualTo(400);
      assertThat(second.code()).isEqualTo("InvalidParameter.HostPortInUse");
      assertThat(second.body().get("Message").asText()).contains("8080/TCP").contains(firstId);
      assertThat(second.body().get("Recommend").asText()).isEqualTo("docs/errors.md#invalidparameterhostportinuse");
      // without a public address nothing is published: no conflict; another port: none either
      assertThat(api.call("CreateContainerGroup", group("c", 8080, false)).status()).isEqualTo(200);
      assertThat(api.call("CreateContainerGroup", group("d", 8081, true)).status()).isEqualTo(200);
    }
  }

  @Test
  void aFinishedGroupHoldsNoPort() {
    try (ApiHarness api = new ApiHarness(dir)) {
      String id = api.call("CreateContainerGroup", group("a", 9090, true)).body().get("ContainerGroupId").asText();
      api.repo.modify(id, g -> g.withState(g.state().failed(java.time.Instant.now()), java.time.Instant.now()));
      assertThat(api.call("CreateContainerGroup", group("b", 9090, true)).status()).isEqualTo(200);
    }
  }

  @Test
  void concurrentCreatesCannotBothGetThePort() throws Exception {
    try (ApiHarness api = new ApiHarness(dir)) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<ApiHarness.Reply>> replies = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          String name = "g" + i;
          replies.add(pool.submit(() -> {
            go.await();
            return api.call("CreateContainerGroup", group(name, 7070, true));
          }));
        }
        go.countDown();
        int ok = 0;
        int refused = 0;
        for (Future<ApiHarness.Reply> f : replies) {
          ApiHarness.Reply r = f.get();
          if (r.status() == 200) ok++;
          else if ("InvalidParameter.HostPortInUse".equals(r.code())) refused++;
        }
        assertThat(ok).isEqualTo(1);
        assertThat(refused).isEqualTo(7);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void anUpdateThatTakesAHeldPortIsRefused() {
    try (ApiHarness api = new ApiHarness(dir)) {
      api.call("CreateContainerGroup", group("a", 6060, true));
      String b = api.call("CreateContainerGroup", group("b", 6061, true)).body().get("ContainerGroupId").asText();
      api.repo.modify(b, g -> g.withState(g.state().withStatus(GroupStatus.Running), java.time.Instant.now()));
      ApiHarness.Reply r = api.call("UpdateContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", b,
          "Container.1.Name", "web", "Container.1.Image", "localhost/web:1", "Container.1.Port.1.Port", "6060",
          "Container.1.Port.1.Protocol", "TCP"));
      assertThat(r.code()).isEqualTo("InvalidParameter.HostPortInUse");
    }
  }
}
