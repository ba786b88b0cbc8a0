"""The site search's own index: one row per thing a visitor may find (issue 14).

Why a small document table and not Wagtail's index on each model:

- one table answers one query for a page of mixed results (pages, topics, outcomes,
  sessions, requests, directory entries, rewards) and one GROUP BY per facet, so paging and
  facet counts cost the same few queries whatever the types;
- a row holds only what its audience may read: a request is written here only while it is
  public, and only its masked text (`triage.privacy.public_text`), never a name, phone or
  address, so no query can leak what was never stored;
- on PostgreSQL the CJK bigram tokens sit behind one GIN index (`to_tsvector('simple',
  tokens)`, made in the migration), which keeps 100,000 documents well under 100 ms;
  modelsearch's generic index concatenates title and body vectors at query time, which no
  index can serve.  SQLite (the embedded default, small sites) matches the same tokens.

The tokens are `cms.cjk`'s scheme: each CJK run as its characters and overlapping bigrams,
every other word lower-cased; a query becomes the same tokens, all required.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    class Kind(models.TextChoices):
        PAGE = "page", _("pages")
        TOPIC = "topic", _("topics")
        OUTCOME = "outcome", _("decisions")
        SESSION = "session", _("sessions")
        REQUEST = "request", _("requests")
        SERVICE = "service", _("service directory")
        REWARD = "reward", _("rewards")

    class Audience(models.TextChoices):
        PUBLIC = "public", _("everyone")
        MEMBERS = "members", _("signed-in users")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=300)
    # What the audience may read, as plain text (already masked for requests).
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300)
    # The community (or the wider area) the document belongs to: the area facet.
    area = models.ForeignKey(
        "portal.Area", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.PUBLIC)
    # " token token … ": words lower-cased, CJK runs as characters and bigrams.
    tokens = models.TextField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("search document")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="cms_searchdoc_unique")
        ]
        indexes = [
            models.Index(fields=["kind", "area"], name="cms_searchdoc_kind_area"),
            # newest first: a common word's first page is read along this index
            models.Index(fields=["-updated_at", "-id"], name="cms_searchdoc_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title[:30]}"
