-- CommitContainer tasks: a container committed to an image and pushed to a registry, per account
-- and region. The record is JSON (CommitTask, never with registry passwords). Kept after the group
-- is deleted, as ECI's task history is.
CREATE TABLE commit_tasks (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  region_id TEXT NOT NULL,
  group_id TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX commit_tasks_owner ON commit_tasks (account_id, region_id);
