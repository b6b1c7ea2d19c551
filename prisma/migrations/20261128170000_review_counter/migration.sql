-- The counter of access review numbers (REV-n), like the request and ticket counters of the init migration.
INSERT INTO "Counter" ("name", "value") VALUES ('review', 0);
