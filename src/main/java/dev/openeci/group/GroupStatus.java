package dev.openeci.group;

/** ECI container group statuses (see docs/status.md). */
public enum GroupStatus {
  Scheduling, Pending, Running, Restarting, Updating, Terminating, Succeeded, Failed, Expired, ScheduleFailed;

  public boolean terminal() {
    return this == Succeeded || this == Failed || this == Expired || this == ScheduleFailed;
  }
}
