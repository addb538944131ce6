-- The steering board's targets, one per KPI and period (a year, 2026, or a quarter,
-- 2026-Q3), and every change to them, kept: who, when, old, new, why. Values are stored
-- as the decimal text of the number the KPI computes (a share as 0.9), so both backends
-- read back exactly what was written. Keep sqlite/ and postgres/ in step.
CREATE TABLE kpi_targets (
    kpi       TEXT NOT NULL,
    period    TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('at_least', 'at_most')),
    value     TEXT NOT NULL,
    owner     TEXT NOT NULL,
    rationale TEXT NOT NULL,
    set_by    INTEGER NOT NULL REFERENCES people(id),
    set_at    TEXT NOT NULL,
    PRIMARY KEY (kpi, period)
);

CREATE TABLE kpi_target_changes (
    id            INTEGER PRIMARY KEY,
    kpi           TEXT NOT NULL,
    period        TEXT NOT NULL,
    old_direction TEXT,
    old_value     TEXT,
    new_direction TEXT NOT NULL,
    new_value     TEXT NOT NULL,
    owner         TEXT NOT NULL,
    rationale     TEXT NOT NULL,
    changed_by    INTEGER NOT NULL REFERENCES people(id),
    changed_at    TEXT NOT NULL
);
CREATE TRIGGER kpi_target_changes_no_update BEFORE UPDATE ON kpi_target_changes
BEGIN SELECT RAISE(ABORT, 'target changes are append-only'); END;
CREATE TRIGGER kpi_target_changes_no_delete BEFORE DELETE ON kpi_target_changes
BEGIN SELECT RAISE(ABORT, 'target changes are append-only'); END;

-- The board's notes on a KPI for a period: a decision taken or an action agreed, with who
-- wrote it and when. Kept as written.
CREATE TABLE kpi_notes (
    id         INTEGER PRIMARY KEY,
    kpi        TEXT NOT NULL,
    period     TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('decision', 'action')),
    body       TEXT NOT NULL,
    written_by INTEGER NOT NULL REFERENCES people(id),
    written_at TEXT NOT NULL
);
CREATE TRIGGER kpi_notes_no_update BEFORE UPDATE ON kpi_notes
BEGIN SELECT RAISE(ABORT, 'board notes are kept as written'); END;
CREATE TRIGGER kpi_notes_no_delete BEFORE DELETE ON kpi_notes
BEGIN SELECT RAISE(ABORT, 'board notes are kept as written'); END;
