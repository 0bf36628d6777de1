package dev.openeci.api.action;

import dev.openeci.api.mapping.CommitMapper;
import dev.openeci.commit.CommitService;
import dev.openeci.commit.CommitTask;
import dev.openeci.error.ErrorCode;
import java.util.ArrayList;
import java.util.List;

/**
 * DescribeCommitContainerTask: the caller's commit tasks by ContainerGroupId and/or TaskId.N (at least
 * one), optionally TaskStatus; MaxResults (1-50, default 10) and an opaque NextToken (the id of the
 * last task returned). Tasks are stored, so they are described after a restart and after the group
 * is gone.
 */
public final class DescribeCommitContainerTaskAction implements ActionHandler {
  static final int DEFAULT_RESULTS = 10;
  static final int MAX_RESULTS = 50;
  private final CommitService commits;

  public DescribeCommitContainerTaskAction(CommitService commits) {
    this.commits = commits;
  }

  @Override
  public String action() {
    return "DescribeCommitContainerTask";
  }

  public record Response(List<CommitMapper.TaskView> CommitTasks, String MaxResults, String NextToken,
      Integer TotalCount) {}

  @Override
  public Object handle(ActionContext ctx) {
    var p = ctx.params();
    String groupId = GroupQuery.empty(p.string("ContainerGroupId"));
    List<String> taskIds = new ArrayList<>();
    for (String id : p.strings("TaskId")) if (id != null && !id.isEmpty()) taskIds.add(id.trim());
    String single = GroupQuery.empty(p.string("TaskId"));
    if (single != null) {
      if (single.trim().startsWith("[")) taskIds.addAll(p.jsonStringArray("TaskId"));
      else taskIds.add(single.trim());
    }
    if (groupId == null && taskIds.isEmpty()) throw ErrorCode.missing("ContainerGroupId or TaskId.1");
    String status = CommitMapper.status(p);
    Integer max = p.integer("MaxResults");
    if (max == null) max = DEFAULT_RESULTS;
    if (max < 1 || max > MAX_RESULTS) throw ErrorCode.invalid("MaxResults", "must be 1-" + MAX_RESULTS + ", got " + max);
    String token = GroupQuery.empty(p.string("NextToken"));
    List<CommitTask> all = commits == null ? List.of() : commits.list(ctx.accountId(), ctx.regionId()).stream()
        .filter(t -> groupId == null || t.groupId().equals(groupId))
        .filter(t -> taskIds.isEmpty() || taskIds.contains(t.id()))
        .filter(t -> status == null || status.equals(t.status())).toList();
    int start = 0;
    if (token != null) {
      start = -1;
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).id().equals(token)) {
          start = i + 1;
          break;
        }
      }
      if (start < 0) throw ErrorCode.invalid("NextToken", "\"" + token + "\" is not a token of this listing");
    }
    int end = Math.min(all.size(), start + max);
    return new Response(all.subList(start, end).stream().map(CommitMapper::view).toList(), String.valueOf(max),
        end < all.size() ? all.get(end - 1).id() : "", all.size());
  }
}
