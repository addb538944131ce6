-- Each KPI's figure for a closed month, stored when the month closed, with the version of
-- its definition: the board later sees what it was shown then. Scope is `national` or
-- `node:<id>`. The parts are before the small-number rules (applied when shown); the
-- value is the decimal text of the number, so both backends read back what was written.
-- Kept as written. Keep sqlite/ and postgres/ in step.
CREATE TABLE kpi_snapshots (
    kpi                TEXT NOT NULL,
    month              TEXT NOT NULL,
    scope              TEXT NOT NULL,
    definition_version INTEGER NOT NULL,
    records            INTEGER NOT NULL,
    yes                INTEGER NOT NULL,
    value              TEXT,
    taken_at           TEXT NOT NULL,
    PRIMARY KEY (kpi, month, scope, definition_version)
);
CREATE TRIGGER kpi_snapshots_no_update BEFORE UPDATE ON kpi_snapshots
BEGIN SELECT RAISE(ABORT, 'snapshots are kept as taken'); END;
CREATE TRIGGER kpi_snapshots_no_delete BEFORE DELETE ON kpi_snapshots
BEGIN SELECT RAISE(ABORT, 'snapshots are kept as taken'); END;
