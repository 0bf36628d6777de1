package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.aliyun.tea.TeaException;
import dev.openeci.testing.TestEngine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's first "Done when": every action of the official typed SDK ({@code @alicloud/eci20180808}
 * 2.0.3, its 33 {@code *WithOptions} methods) and ECI's tag API answers through the official Tea
 * client: with a result, or with a documented ECI error for the empty request (a missing
 * parameter, a resource that does not exist, an operation this host cannot do), never
 * {@code InvalidAction.NotFound} and never a 5xx. The per-action effects are in their own ITs
 * (MetricsIT, TagsAndQuotasIT, CommitContainerIT, DataCacheIT, ImageCacheIT, ...).
 */
class ActionCatalogueIT {
  /** The typed SDK's actions (dist/client.d.ts of @alicloud/eci20180808 2.0.3), then ECI's tag API. */
  static final List<String> ACTIONS = List.of(
      "CommitContainer", "CopyDataCache", "CreateContainerGroup", "CreateDataCache", "CreateImageCache",
      "CreateInstanceOpsTask", "CreateVirtualNode", "DeleteContainerGroup", "DeleteDataCache", "DeleteImageCache",
      "DeleteVirtualNode", "DescribeAvailableResource", "DescribeCommitContainerTask",
      "DescribeContainerGroupEvents", "DescribeContainerGroupMetric", "DescribeContainerGroupPrice",
      "DescribeContainerGroupStatus", "DescribeContainerGroups", "DescribeContainerLog", "DescribeDataCaches",
      "DescribeImageCaches", "DescribeInstanceOpsRecords", "DescribeMultiContainerGroupMetric", "DescribeRegions",
      "DescribeVirtualNodes", "ExecContainerCommand", "ListUsage", "ResizeContainerGroupVolume",
      "RestartContainerGroup", "UpdateContainerGroup", "UpdateDataCache", "UpdateImageCache", "UpdateVirtualNode",
      "TagResources", "UntagResources", "ListTagResources");

  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client client;

  @BeforeAll
  static void start() throws Exception {
    server = new ServerProcess(dataDir, TestEngine.endpoint()).start();
    client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
  }

  @Test
  void everyActionOfTheTypedSdkAndTheTagApiAnswers() throws Exception {
    assertThat(ACTIONS).hasSize(36).doesNotHaveDuplicates();
    List<String> answers = new ArrayList<>();
    for (String action : ACTIONS) {
      String answer;
      try {
        Map<String, Object> body = EciClients.call(client, action, Map.of());
        answer = "OK " + body.keySet();
      } catch (TeaException e) {
        assertThat(e.getCode()).as(action).isNotEqualTo("InvalidAction.NotFound").isNotBlank();
        assertThat(e.getStatusCode()).as(action + " " + e.getCode()).isBetween(400, 499);
        answer = e.getStatusCode() + " " + e.getCode();
      }
      answers.add(action + ": " + answer);
    }
    answers.forEach(a -> System.out.println("action-catalogue: " + a));
    // the check can fail: an action nobody implements is refused as the gateway refuses it
    TeaException unknown = org.junit.jupiter.api.Assertions.assertThrows(TeaException.class,
        () -> EciClients.call(client, "DescribeSomethingThatDoesNotExist", Map.of()));
    assertThat(unknown.getCode()).isEqualTo("InvalidAction.NotFound");
  }
}
