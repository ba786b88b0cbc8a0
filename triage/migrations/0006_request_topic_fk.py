"""Request.topic_id was a plain integer; it becomes a real foreign key to deliberation.Topic.

The old column is renamed, the new one added, and every id that names an existing topic is
copied across (an id whose topic is gone would break the constraint: it is dropped).
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_links(apps, schema_editor):
    Request = apps.get_model("triage", "Request")
    Topic = apps.get_model("deliberation", "Topic")
    rows = Request.objects.filter(legacy_topic_id__isnull=False)
    ids = set(rows.values_list("legacy_topic_id", flat=True))
    existing = set(Topic.objects.filter(pk__in=ids).values_list("pk", flat=True))
    for topic_id in existing:
        Request.objects.filter(legacy_topic_id=topic_id).update(topic_id=topic_id)


def copy_back(apps, schema_editor):
    Request = apps.get_model("triage", "Request")
    Request.objects.filter(topic__isnull=False).update(legacy_topic_id=models.F("topic_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("deliberation", "0004_bounded_user_input"),
        ("triage", "0005_bounded_user_input"),
    ]

    operations = [
        migrations.RenameField(model_name="request", old_name="topic_id", new_name="legacy_topic_id"),
        migrations.AddField(
            model_name="request",
            name="topic",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="requests",
                to="deliberation.topic",
                verbose_name="round-table topic",
            ),
        ),
        migrations.RunPython(copy_links, copy_back),
        migrations.RemoveField(model_name="request", name="legacy_topic_id"),
    ]
