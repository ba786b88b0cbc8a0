"""Check-in at the door: a typed or scanned code, the check-in window, and the moral-bank
credits for attending (paid through `credits.services`, keyed by the registration)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import pgettext

from credits import services as credits_services
from portal.notifications import notify

from ..models import CHECKIN_MARGIN, Registration, Session
from ..permissions import require_check_in
from ._notify import CAT_REGISTRATION


def normalise_code(code: str) -> str:
    """A code as typed or read aloud: without spaces, in capitals."""
    return "".join((code or "").split()).upper()


@transaction.atomic
def checkin(
    *, by, session: Session, code: str, now: datetime.datetime | None = None
) -> tuple[Registration, bool]:
    """A committee member scans or types a code.  Returns (registration, newly checked in).

    Scanning twice is harmless: the second scan returns the same registration, and the
    moral-bank award is keyed by the registration so it is never paid twice.
    """
    require_check_in(by, session.community)
    code = normalise_code(code)
    if "/" in code:  # a scanned URL: the code is its last part or ?code=
        code = code.rsplit("CODE=", 1)[-1].rstrip("/").rsplit("/", 1)[-1]
    if not code:
        raise ValidationError(
            pgettext(
                "deliberation",
                "Type the code shown under the resident's QR code, or scan the QR code.",
            )
        )
    # Lock only the registration (the joined user and session rows stay unlocked): the
    # ledger's lock order puts this row first and the resident's accounts next, and a
    # lock on the user row would block the foreign-key checks of the same resident's
    # redemption and deadlock with it (credits.ledger, "Lock order").
    reg = (
        Registration.objects.select_for_update(of=("self",), no_key=True)
        .select_related("user", "session")
        .filter(code=code)
        .first()
    )
    # Every refusal says what to do next: the person at the door is waiting.
    if reg is None:
        raise ValidationError(
            pgettext(
                "deliberation",
                "No registration has this code. Check the 8 letters and digits on the "
                "resident's phone and type them again, or ask the resident to register.",
            )
        )
    if reg.session_id != session.pk:
        raise ValidationError(
            pgettext(
                "deliberation",
                "This code is for another session. Check that the resident came to this "
                "session and that you opened the right session's desk.",
            )
        )
    # A committee member who registered as a resident does not check herself in (coins).
    require_check_in(by, session.community, beneficiary=reg.user_id)
    if reg.status != Registration.Status.REGISTERED:
        raise ValidationError(
            pgettext(
                "deliberation",
                "This person is not registered (waiting list or cancelled). If there are "
                "free seats, they can register on the session page and then check in.",
            )
        )
    now = now or timezone.now()
    if not reg.checked_in_at and not reg.session.checkin_open(now):
        raise ValidationError(
            pgettext(
                "deliberation",
                "Check-in is only possible on the day of the session, from %(hours)s hours "
                "before it starts to %(hours)s hours after it ends. Check the session's date.",
            )
            % {"hours": int(CHECKIN_MARGIN.total_seconds() // 3600)}
        )
    if reg.checked_in_at:
        award_attendance(reg)  # idempotent: pays only if an earlier attempt could not
        return reg, False
    reg.checked_in_at = now
    reg.checked_in_by = by
    reg.save(update_fields=["checked_in_at", "checked_in_by"])
    award_attendance(reg)
    notify(
        users=[reg.user],
        category=CAT_REGISTRATION,
        event_key=f"deliberation:registration:{reg.pk}:checked_in",
        title=pgettext("deliberation", "Checked in: %(session)s") % {"session": reg.session.title},
        body=pgettext("deliberation", "Thank you for taking part."),
        url=reg.session.get_absolute_url(),
    )
    return reg, True


def award_attendance(registration: Registration):
    """Pay moral-bank credits for attending (`credits.services.deed_award`).

    The idempotency key comes from the registration, so a second scan never pays twice.
    The payment is part of the check-in's own transaction: if it fails (a lost database
    connection, a refusal), the check-in fails with it and the door desk scans again,
    rather than the attendance going unpaid without anyone knowing.
    """
    return credits_services.deed_award(
        user=registration.user,
        community=registration.session.community,
        deed="session_attendance",
        idempotency_key=f"attendance:{registration.pk}",
        quantity=Decimal("1"),
        source="deliberation",
        note=registration.session.title[:100],
        # Caps count the session's day, not the day the desk checks someone in.
        service_date=timezone.localdate(registration.session.starts_at),
    )
