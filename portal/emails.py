"""A notification as an email: subject and text body, in the recipient's language."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from .models import Notification


def email_for(notification: Notification) -> tuple[str, str]:
    """Subject and text body, in the recipient's language."""
    user = notification.user
    with translation.override(user.language or "zh-hans"):
        body = render_to_string(
            "portal/email/notification.txt",
            {"n": notification, "user": user, "site_url": settings.WAGTAILADMIN_BASE_URL},
        )
    return notification.title, body
