"""The tamper-evident case history (disputes.history_chain): three chain columns and a redaction mark on every
event, existing rows linked in id order per case, and the append-only trigger widened by exactly one shape of
UPDATE, the sanctioned redaction (note and payload emptied, redacted_at set, everything else and the chain
unchanged, only with the transaction-local setting ``onestop.history_redaction`` on)."""

import hashlib
import json
from datetime import UTC

from django.db import migrations, models

GENESIS = "0" * 64
TRIGGER = "disputes_caseevent_append_only"

REDACTION_SQL = """
CREATE OR REPLACE FUNCTION disputes_caseevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND coalesce(current_setting('onestop.history_redaction', true), '') = 'on'
       AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
       AND NEW.id = OLD.id AND NEW.case_id = OLD.case_id AND NEW.transition = OLD.transition
       AND NEW.from_state = OLD.from_state AND NEW.to_state = OLD.to_state
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.actor_kind = OLD.actor_kind
       AND NEW.announce = OLD.announce AND NEW.created_at = OLD.created_at
       AND NEW.content_sha256 = OLD.content_sha256 AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'disputes_caseevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
STRICT_SQL = """
CREATE OR REPLACE FUNCTION disputes_caseevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'disputes_caseevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


# A frozen copy of disputes.history_chain's definition, as migrations must not import code that may change.
def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _hash(prev, case_id, transition, from_state, to_state, actor_id, actor_kind, announce, created_at, content):
    body = _canonical(
        {
            "case": case_id,
            "transition": transition,
            "from": from_state or "",
            "to": to_state,
            "actor": actor_id,
            "actor_kind": actor_kind,
            "announce": bool(announce),
            "at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "content": content,
        }
    )
    return hashlib.sha256(prev.encode() + b"\n" + body).hexdigest()


def link_existing(apps, schema_editor):
    connection = schema_editor.connection
    table = "disputes_caseevent"
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {TRIGGER}")
        query = (
            f"SELECT id, case_id, transition, from_state, to_state, actor_id, actor_kind, announce, created_at, "
            f"note, payload FROM {table} ORDER BY case_id, id"
        )
        # A server-side cursor on PostgreSQL: a large history is read in slices, not into memory at once.
        reader = connection.connection.cursor(name="disputes_0015_link") if postgres else connection.cursor()
        reader.execute(query)
        updates, current, prev = [], None, GENESIS

        def flush():
            cursor.executemany(
                f"UPDATE {table} SET content_sha256 = %s, prev_hash = %s, hash = %s WHERE id = %s", updates
            )
            updates.clear()

        while rows := reader.fetchmany(5000):
            for pk, case_id, transition, from_state, to_state, actor_id, kind, announce, at, note, payload in rows:
                if case_id != current:
                    current, prev = case_id, GENESIS
                if isinstance(payload, str):  # SQLite returns the JSON text
                    payload = json.loads(payload)
                if at.tzinfo is None:  # SQLite: stored in UTC without the zone
                    at = at.replace(tzinfo=UTC)
                content = hashlib.sha256(_canonical({"note": note or "", "payload": payload or {}})).hexdigest()
                digest = _hash(prev, case_id, transition, from_state, to_state, actor_id, kind, announce, at, content)
                updates.append((content, prev, digest, pk))
                prev = digest
            flush()
        reader.close()
        if postgres:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {TRIGGER}")
            cursor.execute(REDACTION_SQL)


def strict_again(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(STRICT_SQL)


class Migration(migrations.Migration):
    dependencies = [("disputes", "0014_case_updated_at_index")]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="content_sha256",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="caseevent",
            name="prev_hash",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="caseevent",
            name="hash",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="caseevent",
            name="redacted_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="已按保存期限脱敏"),
        ),
        migrations.RunPython(link_existing, strict_again),
    ]
