package dev.openeci.api.action;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.api.rpc.ParamReader;
import dev.openeci.error.ApiException;
import dev.openeci.testing.ApiHarness;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ResizeContainerGroupVolume: every check in its documented order and code, ending in
 * OperationDenied.VolumeResize (local) or UnsupportedOperation (Kubernetes); DescribeCommitContainerTask's
 * parameter checks. No row answers a 500.
 */
class ResizeAndDescribeTaskTest {
  @TempDir
  Path dir;

  record Row(String name, int status, String code, String mentions, Consumer<Map<String, String>> change) {}

  static List<Row> resizeRows() {
    return List.of(
        new Row("valid request", 403, "OperationDenied.VolumeResize", "cannot grow", p -> {}),
        new Row("group missing", 400, "MissingParameter", "ContainerGroupId", p -> p.remove("ContainerGroupId")),
        new Row("volume missing", 400, "MissingParameter", "VolumeName", p -> p.remove("VolumeName")),
        new Row("size missing", 400, "MissingParameter", "NewSize", p -> p.remove("NewSize")),
        new Row("size not a number", 400, "InvalidParameter", "NewSize", p -> p.put("NewSize", "big")),
        new Row("size below 20", 400, "InvalidParameter", "NewSize", p -> p.put("NewSize", "19")),
        new Row("size above 32768", 400, "InvalidParameter", "NewSize", p -> p.put("NewSize", "32769")),
        new Row("client token too long", 400, "InvalidParameter", "ClientToken",
            p -> p.put("ClientToken", "x".repeat(65))),
        new Row("unknown group", 404, "InvalidParameter.NotFound", "eci-none",
            p -> p.put("ContainerGroupId", "eci-none")),
        new Row("unknown volume", 400, "InvalidParameter", "VolumeName", p -> p.put("VolumeName", "nope")),
        new Row("not a disk", 403, "InvalidVolumeType", "EmptyDirVolume", p -> p.put("VolumeName", "scratch")),
        new Row("same size", 400, "InvalidParameter", "30 GiB", p -> p.put("NewSize", "30")),
        new Row("smaller", 400, "InvalidParameter", "cannot shrink", p -> p.put("NewSize", "25")),
        new Row("disk without size: default 20", 403, "OperationDenied.VolumeResize", "21 GiB", p -> {
          p.put("VolumeName", "unsized");
          p.put("NewSize", "21");
        }));
  }

  static String group(ApiHarness h) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("RegionId", "cn-hangzhou");
    p.put("ContainerGroupName", "grp");
    p.put("Container.1.Name", "app");
    p.put("Container.1.Image", "busybox");
    p.put("Volume.1.Name", "data");
    p.put("Volume.1.Type", "DiskVolume");
    p.put("Volume.1.DiskVolume.DiskSize", "30");
    p.put("Volume.2.Name", "scratch");
    p.put("Volume.2.Type", "EmptyDirVolume");
    p.put("Volume.3.Name", "unsized");
    p.put("Volume.3.Type", "DiskVolume");
    p.put("Volume.3.DiskVolume.DiskId", "d-abc");
    ApiHarness.Reply r = h.call("CreateContainerGroup", p);
    assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
    return r.body().get("ContainerGroupId").asText();
  }

  static ActionContext ctx(Map<String, String> params) {
    return new ActionContext("req", "acct", "cn-hangzhou", new ParamReader(params));
  }

  @Test
  void resizeChecksEverythingThenSaysWhyNoDiskGrowsHere() {
    try (ApiHarness h = new ApiHarness(dir)) {
      String gid = group(h);
      ResizeContainerGroupVolumeAction local = new ResizeContainerGroupVolumeAction(h.service, false);
      List<String> failures = new ArrayList<>();
      for (Row row : resizeRows()) {
        Map<String, String> p = new LinkedHashMap<>(Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", gid,
            "VolumeName", "data", "NewSize", "40"));
        row.change().accept(p);
        try {
          local.handle(ctx(p));
          failures.add(row.name() + ": accepted");
        } catch (ApiException e) {
          if (e.httpStatus() != row.status() || !e.code().equals(row.code())
              || !e.getMessage().contains(row.mentions())) {
            failures.add(row.name() + ": got " + e.httpStatus() + " " + e.code() + " " + e.getMessage());
          }
        }
      }
      assertThat(failures).isEmpty();
      // another account does not see the group
      try {
        local.handle(new ActionContext("req", "other", "cn-hangzhou", new ParamReader(Map.of("ContainerGroupId", gid,
            "VolumeName", "data", "NewSize", "40"))));
        throw new AssertionError("accepted");
      } catch (ApiException e) {
        assertThat(e.code()).isEqualTo("InvalidParameter.NotFound");
      }
      try {
        new ResizeContainerGroupVolumeAction(h.service, true).handle(ctx(Map.of("ContainerGroupId", gid,
            "VolumeName", "data", "NewSize", "40")));
        throw new AssertionError("accepted");
      } catch (ApiException e) {
        assertThat(e.code()).isEqualTo("UnsupportedOperation");
        assertThat(e.httpStatus()).isEqualTo(400);
      }
    }
  }

  @Test
  void describeCommitTaskChecksItsParameters() {
    DescribeCommitContainerTaskAction kube = new DescribeCommitContainerTaskAction(null);
    record Case(Map<String, String> params, String code, String mentions) {}
    List<Case> cases = List.of(
        new Case(Map.of(), "MissingParameter", "ContainerGroupId or TaskId"),
        new Case(Map.of("TaskId.1", "t-1", "MaxResults", "0"), "InvalidParameter", "MaxResults"),
        new Case(Map.of("TaskId.1", "t-1", "MaxResults", "51"), "InvalidParameter", "MaxResults"),
        new Case(Map.of("TaskId", "[1]"), "InvalidParameter", "TaskId"),
        new Case(Map.of("ContainerGroupId", "eci-1", "TaskStatus", "Done"), "InvalidParameter", "TaskStatus"),
        new Case(Map.of("ContainerGroupId", "eci-1", "NextToken", "t-zzz"), "InvalidParameter", "NextToken"));
    List<String> failures = new ArrayList<>();
    for (Case c : cases) {
      try {
        kube.handle(ctx(c.params()));
        failures.add(c + ": accepted");
      } catch (ApiException e) {
        if (!e.code().equals(c.code()) || e.httpStatus() != 400 || !e.getMessage().contains(c.mentions())) {
          failures.add(c + ": got " + e.code() + " " + e.getMessage());
        }
      }
    }
    assertThat(failures).isEmpty();
    // no commit service (Kubernetes): an empty listing
    Object r = kube.handle(ctx(Map.of("TaskId", "[\"t-1\"]")));
    assertThat(r).isEqualTo(new DescribeCommitContainerTaskAction.Response(List.of(), "10", "", 0));
  }

  @Test
  void withoutALocalEngineTheCommitAndCacheActionsValidateThenAnswerUnsupportedOperation() {
    CommitContainerAction commit = new CommitContainerAction(null);
    UpdateImageCacheAction update = new UpdateImageCacheAction(null);
    record Case(ActionHandler action, Map<String, String> params, int status, String code) {}
    List<Case> cases = List.of(
        new Case(commit, Map.of("ContainerGroupId", "eci-1", "ContainerName", "app", "Image.Repository",
            "127.0.0.1:5000/a"), 400, "UnsupportedOperation"),
        new Case(commit, Map.of("ContainerGroupId", "eci-1", "ContainerName", "app"), 400, "MissingParameter"),
        new Case(update, Map.of("ImageCacheId", "imc-1", "ImageCacheName", "new-name"), 400, "UnsupportedOperation"),
        new Case(update, Map.of("ImageCacheName", "new-name"), 400, "MissingParameter"),
        new Case(update, Map.of("ImageCacheId", "imc-1", "RetentionDays", "-1"), 400, "InvalidParameter"));
    List<String> failures = new ArrayList<>();
    for (Case c : cases) {
      try {
        c.action().handle(ctx(c.params()));
        failures.add(c + ": accepted");
      } catch (ApiException e) {
        if (e.httpStatus() != c.status() || !e.code().equals(c.code())) failures.add(c + ": got " + e.code());
      }
    }
    assertThat(failures).isEmpty();
  }
}
