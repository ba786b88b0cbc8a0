"""The dashboard card (/me/) and the community-page section of the moral bank."""

from __future__ import annotations

from . import selectors


def dashboard_panel(request) -> dict | None:
    user = request.user
    if not user.is_authenticated:
        return None
    return {
        **selectors.balance_summary(user),
        **selectors.hours_summary(user),
        "honours": list(selectors.honours_of(user)[:10]),
    }


def community_section(request, area) -> dict | None:
    if area is None or area.kind != "community":
        return None
    return {
        "community": area,
        **selectors.community_stats(area),
        "leaderboard": selectors.leaderboard(area, limit=5),
    }
