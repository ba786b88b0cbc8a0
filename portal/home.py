"""The portal's part of the home page: the residency queue of a committee member."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from . import permissions, selectors


def residency_queue(request) -> dict | None:
    areas = permissions.areas_for(request.user, "residency.confirm")
    if not areas:
        return None
    return {
        "key": "residents",
        "label": _("Residents to confirm"),
        "url": reverse("portal:residency_queue"),
        "count": selectors.pending_residencies_for(areas).count(),
    }
