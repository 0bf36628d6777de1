package dev.openeci.api.action;

import dev.openeci.error.ErrorCode;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.Tag;
import dev.openeci.group.GroupStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The filters and paging shared by the Describe actions: ContainerGroupIds (JSON array, at most
 * 20), ContainerGroupName, Status, Tag.N, ZoneId, VSwitchId, SecurityGroupId, ResourceGroupId,
 * SinceSecond; Limit and an opaque NextToken (the id of the last group returned).
 */
final class GroupQuery {
  private GroupQuery() {}

  /**
   * The caller's groups matching the filters, oldest first. With ContainerGroupIds only those ids
   * are looked up (no scan of every group: Describe by id is the hot path).
   */
  static List<ContainerGroup> find(GroupStore repo, ActionContext ctx, Instant now) {
    List<String> ids = ctx.params().jsonStringArray("ContainerGroupIds");
    if (ids != null && ids.size() > 20) throw ErrorCode.invalid("ContainerGroupIds", "at most 20 ids, got " + ids.size());
    Set<String> idSet = ids == null || ids.isEmpty() ? null : new LinkedHashSet<>(ids);
    Predicate<ContainerGroup> f = filter(ctx, now, idSet);
    return idSet == null ? repo.find(f) : repo.findAmong(idSet, f);
  }

  /**
   * {@link #find} then {@link #page} in one walk of the creation-order index when no ids are
   * given: counts the matches (TotalCount) but keeps only the page, instead of a list of every
   * matching group per request. Same answers and errors as {@code page(ctx, find(...))}.
   */
  static Page findPage(GroupStore repo, ActionContext ctx, Instant now, int defaultLimit, int maxLimit) {
    List<String> ids = ctx.params().jsonStringArray("ContainerGroupIds");
    if (ids != null && !ids.isEmpty()) return page(ctx, find(repo, ctx, now), defaultLimit, maxLimit);
    Predicate<ContainerGroup> f = filter(ctx, now, null);
    int limit = limit(ctx, defaultLimit, maxLimit);
    String token = empty(ctx.params().string("NextToken"));
    List<ContainerGroup> items = new ArrayList<>(limit);
    int[] total = {0};
    boolean[] started = {token == null};
    boolean[] more = {false};
    repo.forEachInOrder(g -> {
      if (!f.test(g)) return;
      total[0]++;
      if (!started[0]) {
        if (g.id().equals(token)) started[0] = true;
      } else if (items.size() < limit) {
        items.add(g);
      } else {
        more[0] = true;
      }
    });
    if (!started[0]) throw ErrorCode.invalid("NextToken", "\"" + token + "\" is not a token of this listing");
    return new Page(items, total[0], more[0] ? items.get(items.size() - 1).id() : "");
  }

  private static int limit(ActionContext ctx, int defaultLimit, int maxLimit) {
    Integer limit = ctx.params().integer("Limit");
    if (limit == null) limit = defaultLimit;
    if (limit < 1 || limit > maxLimit) throw ErrorCode.invalid("Limit", "must be 1-" + maxLimit + ", got " + limit);
    return limit;
  }

  private static Predicate<ContainerGroup> filter(ActionContext ctx, Instant now, Set<String> idSet) {
    ParamReader p = ctx.params();
    String name = empty(p.string("ContainerGroupName"));
    String status = empty(p.string("Status"));
    String zone = empty(p.string("ZoneId"));
    String vswitch = empty(p.string("VSwitchId"));
    String sg = empty(p.string("SecurityGroupId"));
    String rg = empty(p.string("ResourceGroupId"));
    Integer since = p.integer("SinceSecond");
    if (since != null && since < 0) throw ErrorCode.invalid("SinceSecond", "must be >= 0, got " + since);
    Instant changedAfter = since == null ? null : now.minusSeconds(since);
    List<Tag> tags = new ArrayList<>();
    for (ParamReader t : p.list("Tag")) {
      String key = t.string("Key");
      if (key != null && !key.isEmpty()) tags.add(new Tag(key, t.string("Value")));
    }
    String account = ctx.accountId();
    String region = ctx.regionId();
    Predicate<ContainerGroup> base = g -> g.deletionRequested() == null && g.accountId().equals(account)
        && g.regionId().equals(region);
    // The paged list without filters is the common case: no per-group work beyond the account.
    if (idSet == null && name == null && status == null && zone == null && vswitch == null && sg == null && rg == null
        && changedAfter == null && tags.isEmpty()) {
      return base;
    }
    return g -> base.test(g)
        && (idSet == null || idSet.contains(g.id()))
        && (name == null || name.equals(g.spec().name()))
        && (status == null || status.equals(g.state().status().name()))
        && (zone == null || zone.equals(g.spec().zoneId()))
        && (vswitch == null || vswitch.equals(g.spec().network().vSwitchId()))
        && (sg == null || sg.equals(g.spec().network().securityGroupId()))
        && (rg == null || rg.equals(g.spec().placement().resourceGroupId()))
        && (changedAfter == null || !g.updatedTime().isBefore(changedAfter))
        && tags.stream().allMatch(t -> g.spec().tags().stream().anyMatch(gt -> gt.key().equals(t.key())
            && (t.value() == null || t.value().isEmpty() || Objects.equals(t.value(), gt.value()))));
  }

  record Page(List<ContainerGroup> items, int total, String nextToken) {}

  static Page page(ActionContext ctx, List<ContainerGroup> all, int defaultLimit, int maxLimit) {
    int limit = limit(ctx, defaultLimit, maxLimit);
    String token = empty(ctx.params().string("NextToken"));
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
    int end = Math.min(all.size(), start + limit);
    return new Page(all.subList(start, end), all.size(), end < all.size() ? all.get(end - 1).id() : "");
  }

  static String empty(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
