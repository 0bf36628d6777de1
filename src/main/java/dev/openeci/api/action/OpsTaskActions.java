package dev.openeci.api.action;

import dev.openeci.api.mapping.DescribeMapper;
import dev.openeci.opstask.OpsTaskService;
import java.util.List;

/** CreateInstanceOpsTask and DescribeInstanceOpsRecords (docs/ops-tasks.md). */
public final class OpsTaskActions {
  private OpsTaskActions() {}

  public static List<ActionHandler> all(OpsTaskService ops) {
    return List.of(new Create(ops), new Describe(ops));
  }

  public record CreateResponse(String Result) {}

  static final class Create implements ActionHandler {
    private final OpsTaskService ops;

    Create(OpsTaskService ops) {
      this.ops = ops;
    }

    @Override
    public String action() {
      return "CreateInstanceOpsTask";
    }

    @Override
    public Object handle(ActionContext ctx) {
      dev.openeci.api.mapping.Text.checkNoControl(ctx.params());
      String id = ctx.params().required("ContainerGroupId");
      return new CreateResponse(ops.create(ctx.accountId(), ctx.regionId(), id, ctx.params().string("OpsType"),
          ctx.params().string("OpsValue")));
    }
  }

  public record RecordView(String CreateTime, String ExpireTime, String OpsType, String OpsStatus, String ResultType,
      String ResultContent) {}

  public record DescribeResponse(List<RecordView> Records) {}

  static final class Describe implements ActionHandler {
    private final OpsTaskService ops;

    Describe(OpsTaskService ops) {
      this.ops = ops;
    }

    @Override
    public String action() {
      return "DescribeInstanceOpsRecords";
    }

    @Override
    public Object handle(ActionContext ctx) {
      String id = ctx.params().required("ContainerGroupId");
      return new DescribeResponse(ops.records(ctx.accountId(), ctx.regionId(), id, ctx.params().string("OpsType"))
          .stream().map(r -> new RecordView(DescribeMapper.time(r.createTime()), DescribeMapper.time(r.expireTime()),
              r.opsType(), r.opsStatus(), r.resultType(), r.resultContent())).toList());
    }
  }
}
