-- openeci store, schema version 1
CREATE TABLE access_keys (
  access_key_id TEXT PRIMARY KEY,
  secret        TEXT NOT NULL,
  account_id    TEXT NOT NULL,
  created_at    TEXT NOT NULL
);

CREATE TABLE container_groups (
  id                 TEXT PRIMARY KEY,
  account_id         TEXT NOT NULL,
  region_id          TEXT NOT NULL,
  name               TEXT NOT NULL,
  spec_version       INTEGER NOT NULL,
  spec               TEXT NOT NULL,
  state              TEXT NOT NULL,
  creation_time      TEXT NOT NULL,
  updated_time       TEXT NOT NULL,
  deletion_requested TEXT
);
CREATE INDEX container_groups_owner ON container_groups (account_id, region_id);

-- ClientToken idempotency: the first request with a token wins; the hash tells a retry from a different request.
CREATE TABLE client_tokens (
  account_id   TEXT NOT NULL,
  region_id    TEXT NOT NULL,
  action       TEXT NOT NULL,
  token        TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  resource_id  TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  PRIMARY KEY (account_id, region_id, action, token)
);

CREATE TABLE events (
  seq       INTEGER PRIMARY KEY AUTOINCREMENT,
  group_id  TEXT NOT NULL,
  type      TEXT NOT NULL,
  reason    TEXT NOT NULL,
  message   TEXT NOT NULL,
  object    TEXT NOT NULL,
  count     INTEGER NOT NULL,
  first_ts  TEXT NOT NULL,
  last_ts   TEXT NOT NULL
);
CREATE INDEX events_group ON events (group_id, seq);
