"""A community's issuance account takes its entries at COMMIT (issue #15).

Every earning and redemption of a community posts to its one issuance account.  The
ledger used to lock that row with the resident's account and hold it to the commit, so a
community's writes queued behind each other.  Nothing is decided on an issuance balance
(it may go below zero), so on PostgreSQL its entries now go in with no running balance
(`balance_after` NULL) and the deferred trigger below adds them to the account's stored
balance when the transaction commits: the row is held only while it commits.  The
stored balance still equals the sum of the entries after every commit (invariant 2,
checked by `credits_reconcile`).  SQLite runs one writer at a time: there the ledger
keeps writing every running balance itself, and the trigger is not installed.
"""

from importlib import import_module

from django.db import migrations, models

# The same runner as the ledger's first triggers: the SQL runs only on PostgreSQL.
_run = import_module("credits.migrations.0002_ledger_triggers")._run

FORWARD = """
CREATE OR REPLACE FUNCTION credits_entry_float() RETURNS trigger AS $$
BEGIN
    UPDATE credits_account SET balance = balance + NEW.amount WHERE id = NEW.account_id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER credits_entry_float
    AFTER INSERT ON credits_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.balance_after IS NULL)
    EXECUTE FUNCTION credits_entry_float();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS credits_entry_float ON credits_entry;
DROP FUNCTION IF EXISTS credits_entry_float();
"""


class Migration(migrations.Migration):
    dependencies = [("credits", "0005_hours_certificate")]

    operations = [
        migrations.AlterField(
            model_name="entry",
            name="balance_after",
            field=models.DecimalField(
                decimal_places=2, max_digits=12, null=True, verbose_name="balance after"
            ),
        ),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
