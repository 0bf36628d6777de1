-- Signature nonces seen within the replay window (api.rpc.NonceCache), so a request captured
-- before a restart cannot be replayed after it. digest = 22 characters of SHA-256(AccessKeyId
-- "\n" nonce); expires_at in epoch milliseconds (the request's timestamp + 15 minutes).
CREATE TABLE nonces (
  digest TEXT PRIMARY KEY,
  access_key_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX nonces_expiry ON nonces (expires_at);
