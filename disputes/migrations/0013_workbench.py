"""The staff workbench list (disputes.admin.CaseAdmin) at a million cases.

``Case.next_due_on`` is the nearest due date of the case's active, unmet deadlines, kept by the database: a trigger
on ``disputes_casedeadline`` recomputes it for the case of every row inserted, updated or deleted (whoever writes
it: ``case_deadlines_refresh``, a data fix, a test), writing the case row only when the value changes. Sorting and
filtering by the nearest deadline then read an index instead of computing a subquery for every case in scope.
The column is filled once here from the deadlines already stored.

Indexes, each read in the order a list asks for: a mediator's 我的案件 (open first, nearest deadline, newest), any
list sorted by the nearest deadline (and the overdue / due-soon filters), the industry filter newest first.
"""

from django.conf import settings
from django.db import migrations, models

OPEN_DUE = "SELECT MIN(d.due_on) FROM disputes_casedeadline d WHERE d.case_id = {ref} AND d.is_active AND d.met_at IS NULL"

POSTGRES_SQL = f"""
CREATE OR REPLACE FUNCTION disputes_case_next_due_sync() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE disputes_case SET next_due_on = ({OPEN_DUE.format(ref="OLD.case_id")})
        WHERE id = OLD.case_id AND next_due_on IS DISTINCT FROM ({OPEN_DUE.format(ref="OLD.case_id")});
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.case_id <> OLD.case_id) THEN
        UPDATE disputes_case SET next_due_on = ({OPEN_DUE.format(ref="NEW.case_id")})
        WHERE id = NEW.case_id AND next_due_on IS DISTINCT FROM ({OPEN_DUE.format(ref="NEW.case_id")});
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS disputes_case_next_due_sync ON disputes_casedeadline;
CREATE TRIGGER disputes_case_next_due_sync
    AFTER INSERT OR UPDATE OR DELETE ON disputes_casedeadline
    FOR EACH ROW EXECUTE FUNCTION disputes_case_next_due_sync();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS disputes_case_next_due_sync ON disputes_casedeadline;
DROP FUNCTION IF EXISTS disputes_case_next_due_sync();
"""

# SQLite (the demo): one trigger per operation, same effect.
SQLITE_SQL = [
    f"""CREATE TRIGGER IF NOT EXISTS disputes_case_next_due_{name} AFTER {op} ON disputes_casedeadline
    BEGIN
        UPDATE disputes_case SET next_due_on = ({OPEN_DUE.format(ref=f"{row}.case_id")}) WHERE id = {row}.case_id;
        {extra}
    END;"""
    for name, op, row, extra in (
        ("insert", "INSERT", "NEW", ""),
        ("delete", "DELETE", "OLD", ""),
        (
            "update",
            "UPDATE",
            "OLD",
            f"UPDATE disputes_case SET next_due_on = ({OPEN_DUE.format(ref='NEW.case_id')}) WHERE id = NEW.case_id;",
        ),
    )
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS disputes_case_next_due_{name};" for name in ("insert", "delete", "update")]

BACKFILL_SQL = f"UPDATE disputes_case SET next_due_on = ({OPEN_DUE.format(ref='disputes_case.id')})"


def sync_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_SQL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_SQL:
            schema_editor.execute(statement, params=None)
    else:
        raise RuntimeError(f"disputes 0013: no next_due_on trigger for {vendor}")
    # Only cases that have deadlines can have a nearest one.
    schema_editor.execute(
        BACKFILL_SQL + " WHERE id IN (SELECT case_id FROM disputes_casedeadline WHERE is_active AND met_at IS NULL)",
        params=None,
    )


def drop_sync_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement, params=None)


def create_next_due_desc(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX case_next_due_desc ON disputes_case (next_due_on DESC NULLS LAST, id DESC)", params=None
        )


def drop_next_due_desc(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_next_due_desc", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('disputes', '0012_documents'),
        ('organizations', '0003_membership_roles_aftercare'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='next_due_on',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='最近期限'),
        ),
        migrations.RunPython(sync_trigger, drop_sync_trigger),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(models.F('mediator'), models.Case(models.When(models.Q(('status', 'rejected'), ('status', 'withdrawn'), ('status', 'closed'), _connector='OR'), then=models.Value(1)), default=models.Value(0)), models.F('next_due_on'), models.OrderBy(models.F('id'), descending=True), name='case_mediator_open_due'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(models.F('next_due_on'), models.OrderBy(models.F('id'), descending=True), name='case_next_due'),
        ),
        # SQLite has no NULLS LAST in an index: there (the demo) the descending sort does without it.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name='case',
                    index=models.Index(models.OrderBy(models.F('next_due_on'), descending=True, nulls_last=True), models.OrderBy(models.F('id'), descending=True), name='case_next_due_desc'),
                ),
            ],
            database_operations=[
                migrations.RunPython(create_next_due_desc, drop_next_due_desc),
            ],
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['industry', 'created_at'], name='case_industry_created'),
        ),
    ]
