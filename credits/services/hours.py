"""Service hours: a volunteer logs them, a committee member (never the volunteer)
verifies them, and verified hours are paid through `services.awards`.

One volunteer's logging is serialised on their `User` row, so two logs of the same
hours cannot both pass the overlap check.  A decision locks the log first (the ledger's
lock order, `credits.ledger`).  A committee may record one activity's hours for every
attendee at once (`service_log_record_bulk`), verified on the spot except its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Area, User
from portal.notifications import notice_for, notify
from portal.refusals import REFUSALS, refusal_messages
from portal.scoping import community_of
from portal.text import clean_text, visible_text
from portal.uploads import clean_image

from .. import ledger, permissions
from ..ledger import LedgerError
from ..models import CENT, Deed, ServiceLog
from .awards import award_text, deed_payment


def _hours(start: dt.time, end: dt.time) -> Decimal:
    seconds = (
        dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)
    ).total_seconds()
    return (Decimal(int(seconds)) / Decimal(3600)).quantize(CENT)


def validate_log(*, date: dt.date, start: dt.time, end: dt.time) -> Decimal:
    """The hours from `start` to `end` on `date`, or LedgerError (no query)."""
    errors = {}
    if date is None or start is None or end is None:
        raise LedgerError(_("Enter the date, start and end."), code="log_incomplete")
    if date > timezone.localdate():
        errors["date"] = _("Service hours cannot be logged for a future date.")
    if end <= start:
        errors["end"] = _("The end must be after the start (on the same day).")
    if errors:
        raise LedgerError(errors)
    hours = _hours(start, end)
    if hours > 24:  # unreachable for times of one day; kept as the rule the model states
        raise LedgerError({"end": _("No more than 24 hours in one day.")})
    return hours


_OVERLAP_SQL = (
    "SELECT EXISTS (SELECT 1 FROM credits_servicelog WHERE volunteer_id = %s AND date = %s"
    ' AND status IN (%s, %s) AND start < %s AND "end" > %s)'
)


def _lock_and_check_overlap(volunteer: User, date: dt.date, start: dt.time, end: dt.time):
    """Lock the volunteer's row (one volunteer's logging is serialised on it), then refuse
    hours that overlap hours pending or verified that day: one round trip on PostgreSQL,
    the look-up running after the lock is held (it sees a twin committed meanwhile)."""
    live = [ServiceLog.Status.PENDING, ServiceLog.Status.APPROVED]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM portal_user WHERE id = %s FOR NO KEY UPDATE; " + _OVERLAP_SQL,
                [volunteer.pk, volunteer.pk, date, *live, end, start],
            )
            cursor.nextset()
            (overlapping,) = cursor.fetchone()
    else:
        User.objects.select_for_update(no_key=True).filter(pk=volunteer.pk).first()
        overlapping = ServiceLog.objects.filter(
            volunteer=volunteer, date=date, status__in=live, start__lt=end, end__gt=start
        ).exists()
    if overlapping:
        raise LedgerError(
            {"start": _("These hours overlap hours already logged on this day.")}, code="overlap"
        )


@transaction.atomic
def service_log_create(
    *,
    volunteer: User,
    community: Area,
    date: dt.date,
    start: dt.time,
    end: dt.time,
    activity: str,
    place: str,
    description: str = "",
    photo=None,
    recorded_by: User | None = None,
) -> ServiceLog:
    community = community_of(community)
    if recorded_by is None:
        permissions.require_log_hours(volunteer, community)
    hours = validate_log(date=date, start=start, end=end)
    # Serialise one volunteer's logging so two concurrent logs cannot overlap.
    _lock_and_check_overlap(volunteer, date, start, end)
    activity = clean_text(activity, field="activity", limit=120)
    place = clean_text(place, field="place", limit=120)
    if not visible_text(activity) or not visible_text(place):
        raise LedgerError(_("Enter the activity and the place."), code="log_incomplete")
    if photo:
        photo = clean_image(photo)  # store our re-encoding, never the client's bytes or name
    return ServiceLog.objects.create(
        volunteer=volunteer,
        community=community,
        date=date,
        start=start,
        end=end,
        hours=hours,
        activity=activity,
        place=place,
        description=clean_text(description),
        photo=photo or None,
        recorded_by=recorded_by,
    )


def _lock_for_decision(actor: User, log: ServiceLog) -> ServiceLog:
    """Lock the log and check that `actor` may verify it (never their own)."""
    # Community and volunteer are read by every decision (permission, payment, notice);
    # join them rather than fetch each per log in a bulk approval, locking only the log.
    log = (
        ServiceLog.objects.select_for_update(of=("self",), no_key=True)
        .select_related("community", "volunteer")
        .get(pk=log.pk)
    )
    permissions.require_verify(actor, log.community, volunteer=log.volunteer_id)
    return log


def _decision_reason(reason: str, missing: str) -> str:
    reason = clean_text(reason, field="reason", limit=200)
    if not visible_text(reason):
        raise LedgerError({"reason": missing}, code="reason_missing")
    return reason


def _decide(log: ServiceLog, status: str, actor: User, **fields) -> None:
    log.status, log.decided_by, log.decided_at = status, actor, timezone.now()
    for name, value in fields.items():
        setattr(log, name, value)
    log.save(update_fields=["status", "decided_by", "decided_at", *fields])


@transaction.atomic
def service_log_approve(*, actor: User, log: ServiceLog) -> ServiceLog:
    """Verify the hours and pay for them, exactly once (key: the log)."""
    log = _lock_for_decision(actor, log)
    if log.status == ServiceLog.Status.APPROVED:
        return log  # a repeated click or a concurrent twin: already paid
    if log.status != ServiceLog.Status.PENDING:
        raise LedgerError(
            _("Only hours awaiting verification can be approved."), code="not_pending"
        )
    # Read who is told how before the accounts' locks (the community's issuance account
    # is shared by every payment there), send once paid.
    notice = notice_for(
        users=[log.volunteer], category="credits.hours", event_key=f"credits-log-approved:{log.pk}"
    )
    payment, award = deed_payment(
        user=log.volunteer,
        community=log.community,
        deed=Deed.VOLUNTEER_HOUR,
        idempotency_key=f"servicelog:{log.pk}",
        quantity=log.hours,
        source=f"servicelog:{log.pk}",
        note=log.activity,
        service_date=log.date,
    )
    _decide(log, ServiceLog.Status.APPROVED, actor, payment=payment)
    notice.send(
        title=_("%(hours)s service hours verified") % {"hours": log.hours},
        body=award_text(award, log.activity),
        url="/credits/hours/",
    )
    return log


@transaction.atomic
def service_log_reject(*, actor: User, log: ServiceLog, reason: str) -> ServiceLog:
    log = _lock_for_decision(actor, log)
    reason = _decision_reason(reason, _("Give a reason for the rejection."))
    if log.status == ServiceLog.Status.REJECTED:
        return log
    if log.status != ServiceLog.Status.PENDING:
        raise LedgerError(
            _("Only hours awaiting verification can be rejected."), code="not_pending"
        )
    _decide(log, ServiceLog.Status.REJECTED, actor, reason=reason)
    notify(
        users=[log.volunteer],
        category="credits.hours",
        event_key=f"credits-log-rejected:{log.pk}",
        title=_("Service hours not verified: %(activity)s") % {"activity": log.activity},
        body=reason,
        url="/credits/hours/",
    )
    return log


@transaction.atomic
def service_log_revoke(*, actor: User, log: ServiceLog, reason: str) -> ServiceLog:
    """Withdraw a verification; the payment is reversed (refused if already spent)."""
    log = _lock_for_decision(actor, log)
    reason = _decision_reason(reason, _("Give a reason for the revocation."))
    if log.status == ServiceLog.Status.REVOKED:
        return log
    if log.status != ServiceLog.Status.APPROVED:
        raise LedgerError(_("Only verified hours can be revoked."), code="not_approved")
    if log.payment_id:
        ledger.reverse(
            original=log.payment,
            reason=reason,
            actor=actor,
            idempotency_key=f"servicelog:{log.pk}:revoke",
        )
    _decide(log, ServiceLog.Status.REVOKED, actor, reason=reason)
    return log


def service_log_decide_bulk(
    *, actor: User, logs: Iterable[ServiceLog], approve: bool, reason: str = ""
) -> tuple[int, list[str]]:
    """Approve or reject many logs; each is its own transaction.  Returns (done, errors)."""
    done, errors = 0, []
    for log in logs:
        try:
            if approve:
                service_log_approve(actor=actor, log=log)
            else:
                service_log_reject(actor=actor, log=log, reason=reason)
            done += 1
        except REFUSALS as exc:
            msg = "; ".join(refusal_messages(exc))
            errors.append(f"{log.volunteer.get_full_name()} {log.date}: {msg}")
    return done, errors


@transaction.atomic
def service_log_record_bulk(
    *,
    actor: User,
    community: Area,
    attendees: Iterable[User],
    date: dt.date,
    start: dt.time,
    end: dt.time,
    activity: str,
    place: str,
    description: str = "",
) -> list[ServiceLog]:
    """A committee records one activity's hours for every attendee, verified at once.

    Idempotent: an attendee who already has this very log is skipped.  The recorder's
    own hours (if they attended) stay pending for a colleague to verify.
    """
    community = community_of(community)
    permissions.require_verify(actor, community)
    attendees = list(attendees)
    # Lock order (credits.ledger): every attendee's row, then every account this one
    # transaction pays into, each level in ascending id, before the first payment.
    list(
        User.objects.select_for_update(no_key=True)
        .filter(pk__in=[u.pk for u in attendees])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    paid = [
        ledger.account_for(user=u, community=community).pk for u in attendees if u.pk != actor.pk
    ]
    if paid:
        ledger.lock_accounts([*paid, ledger.issuance_account(community=community).pk])
    logs = []
    for user in attendees:
        same = ServiceLog.objects.filter(
            volunteer=user, date=date, start=start, end=end, activity=clean_text(activity)
        ).first()
        if same is not None:
            logs.append(same)
            continue
        try:
            log = service_log_create(
                volunteer=user,
                community=community,
                date=date,
                start=start,
                end=end,
                activity=activity,
                place=place,
                description=description,
                recorded_by=actor,
            )
        except LedgerError as exc:
            raise LedgerError(
                _("%(name)s: %(error)s")
                % {"name": user.get_full_name(), "error": "; ".join(exc.messages)}
            ) from None
        if permissions.can_verify(actor, community, volunteer=user):
            log = service_log_approve(actor=actor, log=log)
        logs.append(log)
    if not logs:
        raise LedgerError(_("Choose at least one attendee."), code="no_attendees")
    return logs
