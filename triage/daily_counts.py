"""Daily counts of requests, kept on write: what the dashboards read instead of the requests.

One row of `RequestDailyCount` per (day submitted, area, class, channel) holds the sums the
figures need (received, closed, on time, rated, satisfaction, mediation, escalations,
handling time, still open after a deadline).  A request contributes its measures to one row
at each level above it: its community, street, district and city (a rollup kept on write),
and again to each level's all-time row (`ALL_TIME`).
Whenever a request is saved, `track()` takes its old contribution away and adds the new one
in ONE upsert statement, inside the transaction that saved the request: the counts commit or
roll back with the change they count.  So any dashboard — a community's or the whole
city's — sums the rows of ONE area: its all-time rows (classes × channels), or its days
since a date, whatever the number of requests or of communities under it (#15).

The finest row is the request's community, not its grid: a dashboard is never finer than a
community (a grid worker sees their community's figures).  A request filed above community
level (rare: imports) counts at its own area and the levels above it.

Writes that bypass `Request.save()` (`QuerySet.update`, raw SQL, `bulk_create`) are not
counted: the demo loader and bulk generators call `rebuild()` afterwards, and
`manage.py triage_rebuild_counts` rebuilds the table from the requests at any time.
`recount()` and `stored()` let a test (or an operator) check the table against a full count.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils.translation import gettext_lazy as _

from portal.models import Area

# Request fields a contribution depends on.
TRACKED = (
    "created_at",
    "area_path",
    "request_class",
    "channel",
    "status",
    "deadline",
    "closed_at",
    "satisfaction",
    "mediation",
    "escalation_level",
)
KEY = ("day", "area_path", "request_class", "channel")
MEASURES = (
    "n",
    "closed",
    "with_deadline",
    "on_time",
    "rated",
    "satisfaction_sum",
    "satisfied",
    "mediated",
    "mediated_ok",
    "escalated",
    "handling_seconds",
    "open_late",
)
# Statuses in which someone is handling the request against its deadline.
OPEN_HANDLING = ("assigned", "in_progress", "resolved")
COMMUNITY_DEPTH = 4  # city → district → street → community (portal.models.Area.CHILD_KIND)
# The day of each area's all-time row: the same sums over every day, so a dashboard's
# all-time figures and a map's counts per area read classes × channels rows, not days.
ALL_TIME = date.min
_TZ = ZoneInfo(settings.TIME_ZONE)


def community_path(area_path: str) -> str:
    return area_path[: COMMUNITY_DEPTH * Area.steplen]


def rollup_paths(area_path: str) -> list[str]:
    """The areas whose rows a request at `area_path` counts in: every level from the city
    down to its community (or to its own area, when it lies above community level)."""
    finest = community_path(area_path)
    return [finest[:end] for end in range(Area.steplen, len(finest) + 1, Area.steplen)]


def local_day(when) -> date:
    return when.astimezone(_TZ).date()


def snapshot(obj) -> dict | None:
    """The tracked values a loaded request holds, or None if some were deferred."""
    values = obj.__dict__
    if any(f not in values for f in TRACKED):
        return None
    return {f: values[f] for f in TRACKED}


def contribution(snap: dict | None) -> tuple[list[tuple], tuple] | None:
    """(keys, measures): a request with these values adds `measures` to each key's row, one
    key a level (see `rollup_paths`)."""
    if snap is None or snap["created_at"] is None or not snap["area_path"]:
        return None
    closed = snap["status"] == "closed"
    closed_at, deadline, created = snap["closed_at"], snap["deadline"], snap["created_at"]
    satisfaction = snap["satisfaction"]
    escalated = (snap["escalation_level"] or 0) > 0
    with_deadline = closed and deadline is not None
    handling = 0
    if closed and closed_at is not None:
        handling = max(0, int((closed_at - created).total_seconds()))
    day, cls, channel = local_day(created), snap["request_class"] or "", snap["channel"] or ""
    keys = [
        (d, path, cls, channel) for path in rollup_paths(snap["area_path"]) for d in (day, ALL_TIME)
    ]
    measures = (
        1,
        int(closed),
        int(with_deadline),
        # On time: closed by its deadline and never escalated (an escalation gives the
        # request a fresh deadline, which it may then meet: it was late all the same).
        int(with_deadline and not escalated and closed_at is not None and closed_at <= deadline),
        int(satisfaction is not None),
        satisfaction or 0,
        int(satisfaction is not None and satisfaction >= 4),
        int(snap["mediation"] in ("success", "failed")),
        int(snap["mediation"] == "success"),
        int(escalated),
        handling,
        # Still open after missing a deadline: the escalation beat has moved it up (the
        # dashboard adds the few past their first deadline that the beat has not reached).
        int(escalated and snap["status"] in OPEN_HANDLING),
    )
    return keys, measures


def before_save(obj) -> dict | None:
    """The values the database holds for `obj` before it is saved (None for a new one):
    those it was loaded with, else one query (it was built by hand or loaded deferred)."""
    if obj._state.adding:
        return None
    old = getattr(obj, "_counted", None)
    if old is None and obj.pk is not None:
        old = type(obj)._base_manager.filter(pk=obj.pk).values(*TRACKED).first()
    return old


def track(obj, old: dict | None, *, update_fields=None) -> None:
    """Move `obj`'s contribution from `old` (see `before_save`) to what was just saved.
    Call inside the transaction that saves it, after the save."""
    now = snapshot(obj)
    if now is None:  # some tracked field deferred and not loaded: it kept its stored value
        now = dict(old or {}) | {f: obj.__dict__[f] for f in TRACKED if f in obj.__dict__}
    if update_fields is not None and old is not None:
        # Only these fields reached the database: the rest keep their stored values.
        now = old | {f: now[f] for f in TRACKED if f in update_fields}
    obj._counted = now
    before, after = contribution(old), contribution(now)
    if before == after:
        return
    changes: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for sign, part in ((-1, before), (1, after)):
        if part is not None:
            keys, measures = part
            for key in keys:
                row = changes[key]
                for i, v in enumerate(measures):
                    row[i] += sign * v
    apply(changes)


def on_delete(sender, instance, **kwargs) -> None:
    part = contribution(getattr(instance, "_counted", None) or snapshot(instance))
    if part is not None:
        keys, measures = part
        apply({key: [-v for v in measures] for key in keys})


def apply(changes: dict[tuple, list[int]]) -> None:
    """Add each measure vector to its key's row, creating rows as needed: one statement
    (INSERT … ON CONFLICT DO UPDATE, on SQLite and PostgreSQL alike)."""
    # In key order: two transactions touching the same rows lock them in the same order
    # (every request's city row is shared: unordered, they could deadlock).
    changes = {k: v for k, v in sorted(changes.items()) if any(v)}
    if not changes:
        return
    qn = connection.ops.quote_name
    table = qn(RequestDailyCount._meta.db_table)
    cols = KEY + MEASURES
    row = "(" + ", ".join(["%s"] * len(cols)) + ")"
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in cols)}) "
        f"VALUES {', '.join([row] * len(changes))} "
        f"ON CONFLICT ({', '.join(qn(c) for c in KEY)}) DO UPDATE SET "
        + ", ".join(f"{qn(m)} = {table}.{qn(m)} + excluded.{qn(m)}" for m in MEASURES)
    )
    params = [p for key, measures in changes.items() for p in (*key, *measures)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def recount(queryset=None) -> dict[tuple, tuple]:
    """The table as a full pass over the requests would make it (key → measures)."""
    qs = queryset if queryset is not None else apps.get_model("triage", "Request").objects.all()
    out: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for values in qs.order_by().values_list(*TRACKED).iterator(chunk_size=5000):
        part = contribution(dict(zip(TRACKED, values, strict=True)))
        if part is None:
            continue
        keys, measures = part
        for key in keys:
            row = out[key]
            for i, v in enumerate(measures):
                row[i] += v
    return {k: tuple(v) for k, v in out.items()}


def stored() -> dict[tuple, tuple]:
    """The table as it is (rows whose measures are all zero left out)."""
    out = {}
    for values in RequestDailyCount.objects.values_list(*KEY, *MEASURES).iterator():
        key, measures = tuple(values[: len(KEY)]), tuple(values[len(KEY) :])
        if any(measures):
            out[key] = measures
    return out


@transaction.atomic
def rebuild(*, request_model=None, count_model=None) -> int:
    """Replace the table with a full count of the requests; returns the number of rows.
    (A migration passes its historical models.)"""
    request_model = request_model or apps.get_model("triage", "Request")
    count_model = count_model or RequestDailyCount

    counts = recount(request_model.objects.all())
    # An older migration's historical model may not have every measure of today.
    has = {f.name for f in count_model._meta.fields}
    measures = [(i, m) for i, m in enumerate(MEASURES) if m in has]
    count_model.objects.all().delete()
    count_model.objects.bulk_create(
        (
            count_model(**dict(zip(KEY, key, strict=True)), **{m: row[i] for i, m in measures})
            for key, row in counts.items()
        ),
        batch_size=2000,
    )
    return len(counts)


class RequestDailyCount(models.Model):
    """The figures of the requests submitted on one day in one area (a community, and again
    in each street, district and city above it), of one class and channel: sums kept up to
    date on every save of a request (`triage.daily_counts`), so a dashboard reads its own
    area's O(days × classes × channels) rows, never the requests."""

    day = models.DateField(_("day submitted"))
    # A community's path, or a street's, district's or city's (the rollups above it).
    area_path = models.CharField(max_length=255, db_index=True)
    request_class = models.CharField(_("class"), max_length=12, blank=True)
    channel = models.CharField(_("channel"), max_length=12)
    n = models.IntegerField(_("requests"), default=0)
    closed = models.IntegerField(default=0)
    with_deadline = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfaction_sum = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    mediated = models.IntegerField(default=0)
    mediated_ok = models.IntegerField(default=0)
    escalated = models.IntegerField(default=0)
    handling_seconds = models.BigIntegerField(default=0)
    open_late = models.IntegerField(_("open past a deadline"), default=0)

    class Meta:
        verbose_name = _("daily request count")
        verbose_name_plural = _("daily request counts")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "area_path", "request_class", "channel"],
                name="triage_daily_count_key",
            )
        ]
        indexes = [models.Index(fields=["area_path", "day"], name="triage_daily_area_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.area_path} {self.request_class} {self.channel}: {self.n}"
