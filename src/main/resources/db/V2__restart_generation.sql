-- RestartContainerGroup: the API bumps the generation, the group's worker restarts the containers
-- and records the generation it applied in the observed state.
ALTER TABLE container_groups ADD COLUMN restart_generation INTEGER NOT NULL DEFAULT 0;
