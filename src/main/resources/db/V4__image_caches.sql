-- Image caches (CreateImageCache): images pre-pulled into the engine, per account and region.
-- The record is JSON (ImageCache without registry passwords, which are never stored).
CREATE TABLE image_caches (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  region_id TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX image_caches_owner ON image_caches (account_id, region_id);
