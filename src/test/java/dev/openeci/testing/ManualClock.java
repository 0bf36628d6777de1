package dev.openeci.testing;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The wall clock plus an offset that only the test moves: lets an IT jump over restart back-off
 * periods while real containers keep running in real time. Stays within signature timestamp
 * windows as long as the total offset stays under 15 minutes.
 */
public final class ManualClock implements InstantSource {
  private final AtomicLong offsetMillis = new AtomicLong();

  @Override
  public Instant instant() {
    return Instant.now().plusMillis(offsetMillis.get());
  }

  public void advance(Duration d) {
    offsetMillis.addAndGet(d.toMillis());
  }
}
