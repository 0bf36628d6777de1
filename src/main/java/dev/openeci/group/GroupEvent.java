package dev.openeci.group;

import java.time.Instant;

/**
 * One aggregated event of a group, kubelet style: repeated (object, reason, message) increment
 * {@code count} and move {@code lastTimestamp}. {@code object} is the container name, or empty for
 * the group itself.
 */
public record GroupEvent(long seq, String groupId, String type, String reason, String message, String object,
    int count, Instant firstTimestamp, Instant lastTimestamp) {}
