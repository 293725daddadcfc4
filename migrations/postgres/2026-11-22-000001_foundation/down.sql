DROP TABLE actor_definitions;
DROP TABLE workspaces;
