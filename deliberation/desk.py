"""The check-in desk for phones, outside the Wagtail admin: committee members and grid
workers open today's sessions and type or scan residents' codes at the door.

The desk is a staff page like the other staff pages outside /admin/ (the residency queue,
the request inbox): a normal sign-in reaches it, and StaffMFAMiddleware asks a second
factor of those who hold site-wide power, here as everywhere.  Every check-in goes through
`services.checkins.checkin` (the Wagtail admin's desk uses the same function and messages).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import pgettext

from portal.models import looks_like_phone
from portal.refusals import REFUSALS, show_as_message
from portal.security_headers import permissions_policy

from . import permissions, selectors, services
from .forms import DeskCheckInForm
from .models import Session


def masked_name(user) -> str:
    """How a desk names a resident: surname and stars, and the last 4 digits of a phone
    number used as username ("张** · 尾号1234"); never the whole name or number."""
    name = (user.display_name or "").strip()
    username = user.username or ""
    phone = username if looks_like_phone(username) else ""
    parts = []
    if name and not name.isdigit():
        parts.append(name[0] + "**")
    if phone:
        parts.append(pgettext("deliberation", "phone ending %(tail)s") % {"tail": phone[-4:]})
    return " · ".join(parts) or (username[:1] + "**")


def check_in(request, session: Session, code: str) -> bool:
    """Check `code` in at `session` as `request.user`; add the message a person at the door
    reads (success, already done, or what to do about a refusal).  True when done."""
    try:
        reg, new = services.checkin(by=request.user, session=session, code=code)
    except REFUSALS as exc:
        show_as_message(request, exc)
        return False
    name = masked_name(reg.user)
    if new:
        messages.success(request, pgettext("deliberation", "Checked in: %(name)s") % {"name": name})
    else:
        messages.warning(
            request,
            pgettext("deliberation", "%(name)s was already checked in at %(time)s: nothing to do.")
            % {"name": name, "time": time_format(timezone.localtime(reg.checked_in_at), "H:i")},
        )
    return True


@login_required
def desk(request):
    """Today's sessions in which the user may check residents in."""
    communities = selectors.managed_communities(request.user, "deliberation.check_in")
    if not communities:
        raise PermissionDenied(
            pgettext(
                "deliberation",
                "The check-in desk is for committee members and grid workers. "
                "If you help at a session, ask your community committee to add you.",
            )
        )
    return render(
        request,
        "deliberation/desk.html",
        {"sessions": selectors.desk_sessions(communities), "communities": communities},
    )


@login_required
@permissions_policy({"camera": ["self"]})  # the QR scanner
def desk_session(request, pk):
    session = get_object_or_404(Session.objects.select_related("community", "format"), pk=pk)
    if not permissions.may_check_in(request.user, session.community):
        raise PermissionDenied(permissions.CHECKIN_NOT_YOURS)
    form = DeskCheckInForm()
    if request.method == "POST":
        form = DeskCheckInForm(request.POST)
        scanned = request.POST.get("via") == "camera"
        # A refused code stays in the bound form, to be corrected.
        if form.is_valid() and check_in(request, session, form.cleaned_data["code"]):
            url = reverse("deliberation:desk_session", args=[session.pk])
            # After a scan the camera opens again for the next person in the queue.
            return redirect(f"{url}?scan=1" if scanned else url)
    return render(
        request,
        "deliberation/desk_session.html",
        {
            "session": session,
            "form": form,
            "counts": selectors.desk_counts(session),
            "checked_in": [
                (masked_name(r.user), r.checked_in_at)
                for r in selectors.desk_checked_in(session)[:20]
            ],
            "scan_again": request.GET.get("scan") == "1",
        },
    )
