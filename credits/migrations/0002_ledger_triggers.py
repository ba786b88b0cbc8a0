"""PostgreSQL triggers for what a CHECK constraint cannot say (DESIGN.md, ledger invariants).

- Entries are append-only: any UPDATE or DELETE of a credits_entry row raises.
- At commit (DEFERRABLE INITIALLY DEFERRED), every transaction that got entries must have
  two or more of them summing to zero, and every transaction row must have entries.

SQLite has no deferred triggers; there `Entry.save()/delete()` and `credits_reconcile`
hold these invariants.  The SQL runs only when the connection is PostgreSQL.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION credits_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'credits_entry is append-only: % refused; post a reversal', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER credits_entry_append_only
    BEFORE UPDATE OR DELETE ON credits_entry
    FOR EACH ROW EXECUTE FUNCTION credits_entry_append_only();

CREATE OR REPLACE FUNCTION credits_transaction_balanced() RETURNS trigger AS $$
DECLARE
    tx_id bigint;
    total numeric;
    n integer;
BEGIN
    IF TG_TABLE_NAME = 'credits_entry' THEN
        tx_id := NEW.transaction_id;
    ELSE
        tx_id := NEW.id;
    END IF;
    SELECT COALESCE(SUM(amount), 0), COUNT(*) INTO total, n
        FROM credits_entry WHERE transaction_id = tx_id;
    IF n < 2 OR total <> 0 THEN
        RAISE EXCEPTION 'credits transaction % is unbalanced: % entries summing to %', tx_id, n, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER credits_entry_balanced
    AFTER INSERT ON credits_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION credits_transaction_balanced();

CREATE CONSTRAINT TRIGGER credits_transaction_has_entries
    AFTER INSERT ON credits_transaction
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION credits_transaction_balanced();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS credits_transaction_has_entries ON credits_transaction;
DROP TRIGGER IF EXISTS credits_entry_balanced ON credits_entry;
DROP TRIGGER IF EXISTS credits_entry_append_only ON credits_entry;
DROP FUNCTION IF EXISTS credits_transaction_balanced();
DROP FUNCTION IF EXISTS credits_entry_append_only();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # A plain cursor without parameters: the SQL's '%' are RAISE placeholders.
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("credits", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
