"""The 长辈版 home page: a few large task tiles in one column, after the MIIT
《互联网网站适老化通用设计规范》 (no carousel, no pop-up, no advertising).

`cms.HomePage` serves `portal/elder_home.html` with this context when `request.elder_mode`
is on.  The tiles are the same for every anonymous visitor (the anonymous page cache keys
elder pages apart, portal/pagecache.py); a signed-in resident whose residency is confirmed
also gets a one-tap call to their own grid worker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from .dashboard import home_of
from .models import Membership, Role, User

DEFAULT_HOTLINE = "12345"


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    hint: str
    url: str
    icon: str  # the name of a drawing in portal/elder/icon.html
    call: bool = False  # a tel: link, drawn as a filled tile


def tel_url(number: str) -> str:
    """`tel:` link for a number as people write it (spaces, dashes and brackets dropped);
    empty when nothing dialable is left."""
    digits = re.sub(r"[^\d+]", "", number or "")
    return f"tel:{digits}" if re.fullmatch(r"\+?\d{3,20}", digits) else ""


def spaced(number: str) -> str:
    """A mainland mobile number as people read it aloud, 3-4-4 (138 0000 0003); other
    numbers as they are."""
    if re.fullmatch(r"1\d{10}", number):
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    return number


def grid_worker_for(membership: Membership | None) -> User | None:
    """The grid worker who serves a resident's confirmed home grid and has a phone number:
    the one assigned to the grid itself before one covering its whole community.  None for
    a pending or missing residency, so a false claim to a grid never yields a phone number."""
    if membership is None or membership.status != Membership.Status.ACTIVE:
        return None
    worker = (
        Membership.objects.active()
        .covering(membership.area)
        .filter(role=Role.GRID_WORKER)
        .exclude(user__phone="")
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("-area__depth", "pk")
        .first()
    )
    return worker.user if worker else None


def _signed_in_only(request, url: str) -> str:
    if request.user.is_authenticated:
        return url
    return f"{reverse('account_login')}?{urlencode({'next': url})}"


def tiles(request, *, hotline: str = DEFAULT_HOTLINE) -> list[Tile]:
    """The 长辈版 home's tiles, in the order an older resident needs them."""
    out = [
        Tile(
            "report",
            _("Report a matter"),
            _("A problem at home or in the neighbourhood: tell us, we pass it on."),
            _signed_in_only(request, reverse("triage:new")),
            "report",
        ),
        Tile(
            "mine",
            _("My requests"),
            _("See how your requests are going and rate the reply."),
            _signed_in_only(request, reverse("triage:index") + "#mine"),
            "mine",
        ),
        Tile(
            "activities",
            _("Community activities"),
            _("Sessions and topics of your community; sign up to take part."),
            reverse("deliberation:index"),
            "activities",
        ),
        Tile(
            "credits",
            _("Moral bank"),
            _("Your coins for good deeds, and what they buy."),
            reverse("credits:index"),
            "credits",
        ),
    ]
    worker = grid_worker_for(home_of(request)) if request.user.is_authenticated else None
    worker_tel = tel_url(worker.phone) if worker else ""
    if worker_tel:
        out.append(
            Tile(
                "grid-worker",
                _("Call my grid worker"),
                f"{worker.get_full_name()} · {spaced(worker_tel[4:])}",
                worker_tel,
                "phone",
                call=True,
            )
        )
    hotline_tel = tel_url(hotline) or tel_url(DEFAULT_HOTLINE)
    out.append(
        Tile(
            "hotline",
            _("Call %(number)s") % {"number": hotline_tel[4:]},
            _("The citizen hotline for government services, any time of day."),
            hotline_tel,
            "phone",
            call=True,
        )
    )
    return out


def elder_home(request, *, hotline: str = DEFAULT_HOTLINE) -> dict:
    """Context of `portal/elder_home.html` (the hotline is the site's setting)."""
    return {"tiles": tiles(request, hotline=hotline)}
