package dev.openeci.api.action;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.json.JsonGeneratorImpl;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.openeci.api.mapping.DescribeMapper;
import dev.openeci.api.mapping.Views;
import dev.openeci.api.rpc.ResponseWriter;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.GroupEvent;
import dev.openeci.group.GroupStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * DescribeContainerGroups: reads the store only; filters and paging in {@link GroupQuery} (Limit <= 20).
 *
 * <p>The hot path of the API. A group's view depends only on its stored record and its events,
 * both immutable and replaced on every change, so each group's view and its JSON are made once
 * per change and reused by every Describe until the group or its events change.
 */
public final class DescribeContainerGroupsAction implements ActionHandler {
  private final GroupStore repo;
  private final InstantSource clock;
  /** Every this many new entries, the cache drops the views of deleted groups. */
  static final int PRUNE_EVERY = 64;
  private final Map<String, CachedView> views = new ConcurrentHashMap<>();
  /** Views made (cache misses), for tests. */
  private final java.util.concurrent.atomic.LongAdder rendered = new java.util.concurrent.atomic.LongAdder();

  public DescribeContainerGroupsAction(GroupStore repo, InstantSource clock) {
    this.repo = repo;
    this.clock = clock;
  }

  @Override
  public String action() {
    return "DescribeContainerGroups";
  }

  /**
   * The answer. As JSON it is written from each group's cached UTF-8 bytes without Jackson (the
   * same bytes Jackson writes for this record, DescribeViewCacheTest checks); as XML Jackson
   * serializes the record.
   */
  public record Response(Integer TotalCount, String NextToken, List<CachedView> ContainerGroups)
      implements ResponseWriter.PreRendered {
    private static final byte[] TOTAL = "{\"TotalCount\":".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NEXT = ",\"NextToken\":\"".getBytes(StandardCharsets.UTF_8);
    private static final byte[] GROUPS = ",\"ContainerGroups\":[".getBytes(StandardCharsets.UTF_8);

    @Override
    public byte[] json() {
      byte[] next = NextToken == null ? null : JsonStringEncoder.getInstance().quoteAsUTF8(NextToken);
      int size = TOTAL.length + 11 + NEXT.length + (next == null ? 0 : next.length + 1) + GROUPS.length + 2;
      for (CachedView v : ContainerGroups) size += v.jsonBytes().length + 1;
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(size);
      if (TotalCount != null) {
        out.writeBytes(TOTAL);
        out.writeBytes(Integer.toString(TotalCount).getBytes(StandardCharsets.US_ASCII));
      } else {
        out.write('{');
      }
      if (next != null) {
        if (TotalCount != null) {
          out.writeBytes(NEXT);
        } else {
          out.write(NEXT, 1, NEXT.length - 1);
        }
        out.writeBytes(next);
        out.write('"');
      }
      if (TotalCount != null || next != null) {
        out.writeBytes(GROUPS);
      } else {
        out.write(GROUPS, 1, GROUPS.length - 1);
      }
      for (int i = 0; i < ContainerGroups.size(); i++) {
        if (i > 0) out.write(',');
        out.writeBytes(ContainerGroups.get(i).jsonBytes());
      }
      out.write(']');
      out.write('}');
      return out.toByteArray();
    }
  }

  @Override
  public Object handle(ActionContext ctx) {
    GroupQuery.Page page = GroupQuery.findPage(repo, ctx, clock.instant(), 20, 20);
    List<CachedView> out = new ArrayList<>(page.items().size());
    for (ContainerGroup g : page.items()) out.add(view(g));
    return new Response(page.total(), page.nextToken(), out);
  }

  CachedView view(ContainerGroup g) {
    List<GroupEvent> events = repo.events(g.id());
    CachedView v = views.get(g.id());
    if (v == null || v.group != g || v.events != events) {
      v = new CachedView(g, events, DescribeMapper.group(g, events));
      rendered.increment();
      if (views.put(g.id(), v) == null && views.size() % PRUNE_EVERY == 0) {
        views.keySet().removeIf(id -> repo.get(id).isEmpty()); // deleted groups
      }
    }
    return v;
  }

  int cachedViews() {
    return views.size();
  }

  /** How many views were made rather than served from the cache. */
  long viewsRendered() {
    return rendered.sum();
  }

  /** One group's view; written to JSON output as its pre-rendered JSON, to anything else (XML) as the view. */
  @JsonSerialize(using = CachedView.Serializer.class)
  public static final class CachedView {
    private static final ObjectMapper JSON = ResponseWriter.jsonMapper();
    final ContainerGroup group;
    final List<GroupEvent> events;
    final Views.Group view;
    private volatile byte[] jsonBytes;

    CachedView(ContainerGroup group, List<GroupEvent> events, Views.Group view) {
      this.group = group;
      this.events = events;
      this.view = view;
    }

    public Views.Group view() {
      return view;
    }

    /** The view as JSON, UTF-8, made once per change of the group or its events. */
    byte[] jsonBytes() {
      byte[] j = jsonBytes;
      if (j == null) {
        try {
          j = JSON.writeValueAsBytes(view);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        jsonBytes = j;
      }
      return j;
    }

    String json() {
      return new String(jsonBytes(), StandardCharsets.UTF_8);
    }

    static final class Serializer extends StdSerializer<CachedView> {
      Serializer() {
        super(CachedView.class);
      }

      @Override
      public void serialize(CachedView v, JsonGenerator gen, SerializerProvider provider) throws IOException {
        if (gen instanceof JsonGeneratorImpl) { // JSON text output

          gen.writeRawValue(v.json());
        } else {
          provider.defaultSerializeValue(v.view, gen); // a TokenBuffer (the XML path builds a tree)
        }
      }
    }
  }
}
