package dev.openeci.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import dev.openeci.runtime.RuntimeEvent;
import java.io.Closeable;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static dev.openeci.runtime.docker.DockerErrors.closeQuietly;

/**
 * The engine's container event stream for the containers with given labels, on a daemon thread
 * that reconnects with backoff and asks for a resync after each reconnection.
 */
final class DockerEvents {
  private static final Logger log = LoggerFactory.getLogger(DockerEvents.class);
  private final DockerClient streams;

  /** @param streams a client without response timeout (the stream stays open for hours) */
  DockerEvents(DockerClient streams) {
    this.streams = streams;
  }

  Closeable events(Map<String, String> labels, Consumer<RuntimeEvent> sink, Runnable onResync) {
    AtomicBoolean closed = new AtomicBoolean();
    AtomicReference<Closeable> current = new AtomicReference<>();
    Thread t = new Thread(() -> {
      long backoffMs = 1000;
      boolean first = true;
      while (!closed.get()) {
        ResultCallback.Adapter<Event> cb = new ResultCallback.Adapter<>() {
                  public void onNext(Event e) {
            String action = e.getAction() != null ? e.getAction() : e.getStatus();
            if (action == null || e.getId() == null) return;
            Map<String, String> attrs = e.getActor() != null && e.getActor().getAttributes() != null
                ? e.getActor().getAttributes() : Map.of();
            Instant when = e.getTimeNano() != null ? Instant.ofEpochSecond(0, e.getTimeNano())
                : Instant.ofEpochSecond(e.getTime() == null ? 0 : e.getTime());
            try {
              sink.accept(new RuntimeEvent(e.getId(), action, new HashMap<>(attrs), when));
            } catch (RuntimeException ex) {
              log.warn("event handler failed: {}", ex.toString());
            }
          }
        };
        try {
          current.set(cb);
          streams.eventsCmd().withLabelFilter(labels).withEventTypeFilter(EventType.CONTAINER).exec(cb);
          if (!first) {
            log.info("engine event stream reconnected; resyncing");
            onResync.run();
          }
          first = false;
          backoffMs = 1000;
          cb.awaitCompletion();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (RuntimeException e) {
          if (!closed.get()) log.warn("engine event stream failed: {}", e.getMessage());
        }
        if (closed.get()) return;
        try {
          Thread.sleep(backoffMs);
        } catch (InterruptedException e) {
          return;
        }
        backoffMs = Math.min(backoffMs * 2, 30_000);
      }
    }, "engine-events");
    t.setDaemon(true);
    t.start();
    return () -> {
      closed.set(true);
      closeQuietly(current.get());
      t.interrupt();
    };
  }
}
