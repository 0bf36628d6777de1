package dev.openeci.api.action;

import dev.openeci.error.ErrorCode;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.group.ContainerAccess;
import dev.openeci.group.ContainerGroup;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.RuntimeFailure;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;

/**
 * DescribeContainerLog: ContainerName, Tail (default 500, at most 2000), SinceSeconds, StartTime
 * (RFC 3339), LimitBytes (1 to 1 MiB, the first bytes are kept), Timestamps, LastTime (the
 * previous instance of a restarted container).
 */
public final class DescribeContainerLogAction implements ActionHandler {
  public static final int MAX_TAIL = 2000;
  public static final int MAX_BYTES = 1 << 20;
  private final ContainerAccess access;

  public DescribeContainerLogAction(ContainerAccess access) {
    this.access = access;
  }

  @Override
  public String action() {
    return "DescribeContainerLog";
  }

  public record Response(String ContainerName, String Content) {}

  @Override
  public Object handle(ActionContext ctx) {
    ParamReader p = ctx.params();
    ContainerGroup g = access.group(ctx.accountId(), ctx.regionId(), p.required("ContainerGroupId"));
    String name = p.required("ContainerName");
    access.spec(g, name);
    Integer tail = p.integer("Tail");
    if (tail == null) tail = 500;
    if (tail < 0 || tail > MAX_TAIL) throw ErrorCode.invalid("Tail", "must be 0-" + MAX_TAIL + ", got " + tail);
    Integer limit = p.integer("LimitBytes");
    if (limit != null && (limit < 1 || limit > MAX_BYTES)) {
      throw ErrorCode.invalid("LimitBytes", "must be 1-" + MAX_BYTES + ", got " + limit);
    }
    Long since = null;
    Integer sinceSeconds = p.integer("SinceSeconds");
    if (sinceSeconds != null) {
      if (sinceSeconds < 0) throw ErrorCode.invalid("SinceSeconds", "must be >= 0, got " + sinceSeconds);
      since = Instant.now().getEpochSecond() - sinceSeconds;
    }
    String start = p.string("StartTime");
    if (start != null && !start.isEmpty()) {
      try {
        since = OffsetDateTime.parse(start).toEpochSecond();
      } catch (DateTimeParseException e) {
        throw ErrorCode.invalid("StartTime", "\"" + start + "\" is not an RFC 3339 time such as 2024-01-01T00:00:00Z");
      }
    }
    boolean previous = Boolean.TRUE.equals(p.bool("LastTime"));
    String content;
    try {
      content = access.backend().logs(g, name, previous,
          new ContainerRuntime.LogQuery(tail, since, Boolean.TRUE.equals(p.bool("Timestamps"))));
    } catch (RuntimeFailure e) {
      throw ErrorCode.INCORRECT_STATUS.withMessage("The logs of container " + name + " are not available: "
          + e.getMessage());
    }
    int max = limit == null ? MAX_BYTES : limit;
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > max) content = new String(Arrays.copyOf(bytes, max), StandardCharsets.UTF_8);
    return new Response(name, content);
  }

}
