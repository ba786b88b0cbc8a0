"""The nightly reconciliation's alert: every ledger invariant is checked
(`credits.reconcile`) and site administrators are told about any problem."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.notifications import notify

from ..reconcile import reconcile


def site_admins() -> list[User]:
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True) | Q(memberships__role="site_admin", memberships__status="active")
        )
        .distinct()
    )


def reconcile_and_alert() -> list:
    problems = reconcile()
    if problems:
        lines = "\n".join(str(p) for p in problems[:200])
        notify(
            users=site_admins(),
            category="credits.reconcile",
            event_key=f"credits-reconcile:{timezone.localdate().isoformat()}",
            title=_("Moral bank reconciliation found %(n)s problems") % {"n": len(problems)},
            body=lines,
            url="/admin/",
        )
    return problems
