"""The state invariant in the database: a case leaves `submitted` only with events, and every
later change of `state` comes with a higher `event_count` (a new event of the chain)."""

from django.db import migrations, models

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION cases_case_state_guard() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE =
        'cases_case ' || OLD.id || ': state changes only with a new event (case_transition)';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_case_state_guard BEFORE UPDATE ON cases_case FOR EACH ROW
    WHEN (NEW.state IS DISTINCT FROM OLD.state AND NEW.event_count <= OLD.event_count)
    EXECUTE FUNCTION cases_case_state_guard();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS cases_case_state_guard ON cases_case;
DROP FUNCTION IF EXISTS cases_case_state_guard();
"""
SQLITE_UP = """
CREATE TRIGGER cases_case_state_guard BEFORE UPDATE ON cases_case FOR EACH ROW
    WHEN NEW.state IS NOT OLD.state AND NEW.event_count <= OLD.event_count
BEGIN
    SELECT RAISE(ABORT, 'cases_case: state changes only with a new event (case_transition)');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS cases_case_state_guard;"


def _run(sql: dict[str, str]):
    def run(apps, schema_editor):
        statement = sql.get(schema_editor.connection.vendor)
        if statement:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_seed_categories"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(("state", "submitted"), ("event_count__gt", 0), _connector="OR"),
                name="case_state_needs_event",
            ),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
