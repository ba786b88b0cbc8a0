"""Service-hours certificates: one per volunteer and community, for the verified hours
standing when it is asked for, with a serial anyone can check (the QR code on it).

A certificate is issued when its page is opened; the same verified logs give back the
same certificate and serial.  The public check reads through `credits.selectors`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum

from portal.models import Area, User
from portal.scoping import community_of

from ..models import ZERO, HoursCertificate, ServiceLog


def _serial() -> str:
    """16 random base32 characters in groups of four: 80 bits, not guessable."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def certificate_issue(*, volunteer: User, community: Area) -> HoursCertificate | None:
    """The certificate for `volunteer`'s verified hours in `community` (None: no hours).

    Idempotent: the same verified logs give back the same certificate and serial.
    """
    community = community_of(community)
    logs = list(
        ServiceLog.objects.filter(
            volunteer=volunteer, community=community, status=ServiceLog.Status.APPROVED
        ).values_list("pk", "hours", "date")
    )
    if not logs:
        return None
    ids = sorted(pk for pk, _hours, _date in logs)
    key = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
    found = HoursCertificate.objects.filter(
        volunteer=volunteer, community=community, logs_key=key
    ).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            cert = HoursCertificate.objects.create(
                serial=_serial(),
                volunteer=volunteer,
                community=community,
                logs_key=key,
                hours=sum((h for _pk, h, _date in logs), ZERO),
                first_date=min(d for _pk, _h, d in logs),
                last_date=max(d for _pk, _h, d in logs),
            )
            cert.logs.set(ids)
    except IntegrityError:  # a twin request issued it first
        return HoursCertificate.objects.get(volunteer=volunteer, community=community, logs_key=key)
    return cert


def certificates_of(user: User) -> list[HoursCertificate]:
    """The user's current certificate in every community where they have verified hours,
    each with its hours by activity (`by_activity`)."""
    communities = (
        ServiceLog.objects.filter(volunteer=user, status=ServiceLog.Status.APPROVED)
        .values_list("community", flat=True)
        .distinct()
    )
    certs = []
    for area in Area.objects.filter(pk__in=communities).order_by("path"):
        cert = certificate_issue(volunteer=user, community=area)
        cert.by_activity = (
            cert.logs.values("activity")
            .annotate(hours=Sum("hours"), times=Count("id"))
            .order_by("-hours", "activity")
        )
        certs.append(cert)
    return certs
