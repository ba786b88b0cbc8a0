"""The moral bank's part of the home page: the person's coins, and for a committee
member the service hours waiting for verification."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.dashboard import active_community
from portal.permissions import areas_for
from portal.versions import user_version

from . import selectors


def coins_panel(request) -> dict | None:
    user = request.user
    if not user.is_authenticated:
        return None
    summary = selectors.balance_summary(user)
    if not summary["accounts"] and active_community(request) is None:
        return None
    return summary


def coins_versions(request) -> tuple[str, ...]:
    """The coins panel shows the reader's balances (every ledger posting and reservation
    on their accounts bumps "coins") and only to someone with an account or a community."""
    pk = request.user.pk
    return ("areas", user_version("coins", pk), user_version("memberships", pk))


def hours_queue(request) -> dict | None:
    if not areas_for(request.user, "credits.verify_hours"):
        return None
    return {
        "key": "hours",
        "label": _("Service hours to verify"),
        "url": reverse("credits:verify"),
        "count": selectors.verification_queue(request.user).count(),
    }
