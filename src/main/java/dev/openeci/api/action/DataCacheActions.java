package dev.openeci.api.action;

import dev.openeci.api.mapping.DataCacheMapper;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.datacache.DataCache;
import dev.openeci.datacache.DataCacheService;
import dev.openeci.error.ErrorCode;
import java.util.List;
import java.util.Map;

/**
 * CreateDataCache, DescribeDataCaches, UpdateDataCache, DeleteDataCache and CopyDataCache
 * (docs/data-caches.md). On the Kubernetes backend ({@code caches == null}) the writing actions
 * answer UnsupportedOperation and DescribeDataCaches an empty list.
 */
public final class DataCacheActions {
  private DataCacheActions() {}

  /** Every data cache action, sharing one service (null: not on this backend). */
  public static List<ActionHandler> all(DataCacheService caches, List<String> regions) {
    return List.of(new Create(caches), new Describe(caches), new Update(caches), new Delete(caches),
        new Copy(caches, regions));
  }

  static DataCacheService require(DataCacheService caches) {
    if (caches == null) {
      throw ErrorCode.UNSUPPORTED_OPERATION.withMessage("Data caches are directories on the engine host, mounted"
          + " into local container groups; the Kubernetes backend has no such host (docs/kubernetes.md).");
    }
    return caches;
  }

  public record IdResponse(String DataCacheId) {}

  static final class Create implements ActionHandler {
    private final DataCacheService caches;

    Create(DataCacheService caches) {
      this.caches = caches;
    }

    @Override
    public String action() {
      return "CreateDataCache";
    }

    @Override
    public Object handle(ActionContext ctx) {
      DataCacheService s = require(caches);
      DataCacheService.Request r = DataCacheMapper.create(ctx.params());
      return new IdResponse(s.create(ctx.accountId(), ctx.regionId(), r).id());
    }
  }

  public record DescribeResponse(List<DataCacheMapper.CacheView> DataCaches, Integer TotalCount, String NextToken) {}

  static final class Describe implements ActionHandler {
    static final int MAX_LIMIT = 20;
    private final DataCacheService caches;

    Describe(DataCacheService caches) {
      this.caches = caches;
    }

    @Override
    public String action() {
      return "DescribeDataCaches";
    }

    @Override
    public Object handle(ActionContext ctx) {
      ParamReader p = ctx.params();
      Integer limit = p.integer("Limit");
      if (limit != null && (limit < 1 || limit > MAX_LIMIT)) {
        throw ErrorCode.invalid("Limit", "must be 1 to " + MAX_LIMIT);
      }
      int n = limit == null ? MAX_LIMIT : limit;
      String token = p.string("NextToken");
      int from = 0;
      if (token != null && !token.isEmpty()) {
        try {
          from = Integer.parseInt(token);
          if (from < 0) throw new NumberFormatException();
        } catch (NumberFormatException e) {
          throw ErrorCode.invalid("NextToken", "is not a token from a previous answer");
        }
      }
      if (caches == null) return new DescribeResponse(List.of(), 0, "");
      List<DataCache> all = caches.list(ctx.accountId(), ctx.regionId()).stream()
          .filter(c -> DataCacheMapper.matches(p, c)).toList();
      List<DataCacheMapper.CacheView> page = all.stream().skip(from).limit(n).map(DataCacheMapper::view).toList();
      String next = from + n < all.size() ? Integer.toString(from + n) : "";
      return new DescribeResponse(page, all.size(), next);
    }
  }

  static final class Update implements ActionHandler {
    private final DataCacheService caches;

    Update(DataCacheService caches) {
      this.caches = caches;
    }

    @Override
    public String action() {
      return "UpdateDataCache";
    }

    @Override
    public Object handle(ActionContext ctx) {
      DataCacheService s = require(caches);
      DataCacheMapper.Update u = DataCacheMapper.update(ctx.params());
      s.update(ctx.accountId(), ctx.regionId(), u.id(), u.name(), u.sizeGiB(), u.source(), u.retentionDays(), u.tags());
      return Map.of();
    }
  }

  static final class Delete implements ActionHandler {
    private final DataCacheService caches;

    Delete(DataCacheService caches) {
      this.caches = caches;
    }

    @Override
    public String action() {
      return "DeleteDataCache";
    }

    /** By DataCacheId, or by Bucket (default "default") and Path. */
    @Override
    public Object handle(ActionContext ctx) {
      ParamReader p = ctx.params();
      String id = p.string("DataCacheId");
      String path = p.string("Path");
      if ((id == null || id.isEmpty()) && (path == null || path.isEmpty())) throw ErrorCode.missing("DataCacheId");
      DataCacheService s = require(caches);
      DataCache dc = id != null && !id.isEmpty() ? s.find(ctx.accountId(), ctx.regionId(), DataCacheMapper.id(p))
          : s.findByPath(ctx.accountId(), ctx.regionId(), DataCacheMapper.bucket(p), DataCacheMapper.path("Path", path));
      s.delete(ctx.accountId(), ctx.regionId(), dc);
      return Map.of();
    }
  }

  static final class Copy implements ActionHandler {
    private final DataCacheService caches;
    private final List<String> regions;

    Copy(DataCacheService caches, List<String> regions) {
      this.caches = caches;
      this.regions = regions;
    }

    @Override
    public String action() {
      return "CopyDataCache";
    }

    /** DestinationRegionId (default: the request's region) must be a region this server serves. */
    @Override
    public Object handle(ActionContext ctx) {
      ParamReader p = ctx.params();
      String id = DataCacheMapper.id(p);
      String dest = p.string("DestinationRegionId");
      if (dest == null || dest.isEmpty()) dest = ctx.regionId();
      if (!regions.contains(dest)) {
        throw ErrorCode.INVALID_REGION_ID.withMessage("DestinationRegionId \"" + dev.openeci.api.mapping.Text.printable(
            dest) + "\" is not a region this server serves " + regions + ".");
      }
      DataCacheService.Request r = DataCacheMapper.copy(p);
      DataCacheService s = require(caches);
      return new IdResponse(s.copy(ctx.accountId(), ctx.regionId(), id, dest, r).id());
    }
  }
}
