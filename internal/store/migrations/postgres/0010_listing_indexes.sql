-- Listings page and count in the database (issue 8, bench web). The task
-- indexes end in the listing's order (created_at, id), so that a deep
-- page of a 10,000-task inbox is read off the index instead of sorting
-- every open task, and a listing by status alone (an auditor's, across
-- all units) has an index of its own.
DROP INDEX tasks_unit;
CREATE INDEX tasks_unit ON tasks (unit, status, created_at, id);
DROP INDEX tasks_assignee;
CREATE INDEX tasks_assignee ON tasks (assignee, status, created_at, id);
CREATE INDEX tasks_status ON tasks (status, created_at, id);
