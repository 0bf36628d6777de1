-- UpdateContainerGroup merges its parameters into the group's stored CreateContainerGroup
-- parameters (as last merged) and maps the result like a create; this keeps them.
CREATE TABLE group_requests (
  group_id TEXT PRIMARY KEY,
  params   TEXT NOT NULL
);
