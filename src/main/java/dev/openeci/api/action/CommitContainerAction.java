package dev.openeci.api.action;

import dev.openeci.api.mapping.CommitMapper;
import dev.openeci.commit.CommitService;
import dev.openeci.commit.CommitTask;
import dev.openeci.error.ErrorCode;

/**
 * CommitContainer: commits a running container of the caller's group to an image and pushes it to
 * {@code Image.Repository:Image.Tag}, as a background task (DescribeCommitContainerTask). docs/images.md.
 */
public final class CommitContainerAction implements ActionHandler {
  static final String UNSUPPORTED = "CommitContainer commits a container of the local engine; on the Kubernetes"
      + " backend the containers run on the cluster's nodes, whose runtimes openeci does not drive"
      + " (docs/kubernetes.md).";
  private final CommitService commits;

  public CommitContainerAction(CommitService commits) {
    this.commits = commits;
  }

  @Override
  public String action() {
    return "CommitContainer";
  }

  public record Response(String TaskId) {}

  @Override
  public Object handle(ActionContext ctx) {
    CommitService.Request r = CommitMapper.commit(ctx.params());
    if (commits == null) throw ErrorCode.UNSUPPORTED_OPERATION.withMessage(UNSUPPORTED);
    CommitTask t = commits.commit(ctx.accountId(), ctx.regionId(), r);
    return new Response(t.id());
  }
}
