"""Committee tools inside the Wagtail admin: agenda queue, registrations and check-in,
moderation queue, poll results, XLSX exports.  Every write goes through services."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors, services
from .models import Poll, Session


def _ids(request, action="deliberation.manage") -> list[int]:
    communities = selectors.managed_communities(request.user, action)
    if not communities:
        raise PermissionDenied(_("You do not have permission to do this here."))
    return [c.pk for c in communities]


def home(request):
    ids = _ids(request, "deliberation.check_in")
    manage_ids = [c.pk for c in selectors.managed_communities(request.user)]
    return render(
        request,
        "deliberation/admin/home.html",
        {
            "queue": list(selectors.agenda_queue(manage_ids)),
            "moderation": list(selectors.moderation_queue(manage_ids)),
            "sessions": list(
                Session.objects.filter(community_id__in=ids)
                .select_related("community", "format")
                .order_by("-starts_at")[:50]
            ),
            "polls": list(
                Poll.objects.filter(community_id__in=manage_ids).select_related("community")[:50]
            ),
        },
    )


def checkin(request, pk):
    session = get_object_or_404(Session.objects.select_related("community"), pk=pk)
    if not services.acts_in(request.user, "deliberation.check_in", session.community):
        raise PermissionDenied(_("You do not have permission to do this here."))
    if request.method == "POST":
        try:
            reg, new = services.checkin(
                by=request.user, session=session, code=request.POST.get("code", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if new:
                messages.success(
                    request, _("%(name)s is checked in.") % {"name": reg.user.public_name}
                )
            else:
                messages.warning(
                    request, _("%(name)s was already checked in.") % {"name": reg.user.public_name}
                )
        return redirect("deliberation_admin:checkin", pk=session.pk)
    return render(
        request,
        "deliberation/admin/checkin.html",
        {
            "session": session,
            "registrations": list(selectors.session_registrations(session)),
            "counts": selectors.session_counts(session),
            "code": request.GET.get("code", ""),
        },
    )


def poll_results(request, pk):
    poll = get_object_or_404(Poll, pk=pk, community_id__in=_ids(request))
    return render(
        request,
        "deliberation/admin/poll.html",
        {
            "poll": poll,
            "options": selectors.poll_tally(poll),
            "voters": selectors.poll_voters(poll),
        },
    )


def _xlsx(rows: list[list], *, title: str, filename: str) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def attendance_xlsx(request, pk):
    session = get_object_or_404(
        Session, pk=pk, community_id__in=_ids(request, "deliberation.check_in")
    )
    rows = [[_("Name"), _("Status"), _("Registered at"), _("Checked in at"), _("Code")]]
    for r in selectors.session_registrations(session):
        rows.append(
            [
                r.user.public_name,
                str(r.get_status_display()),
                timezone.localtime(r.queued_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(r.checked_in_at).strftime("%Y-%m-%d %H:%M")
                if r.checked_in_at
                else "",
                r.code,
            ]
        )
    return _xlsx(rows, title=_("Attendance"), filename=f"attendance-{session.pk}.xlsx")


def poll_xlsx(request, pk):
    poll = get_object_or_404(Poll, pk=pk, community_id__in=_ids(request))
    rows = [
        [_("Question"), poll.question],
        [_("Voters"), selectors.poll_voters(poll)],
        [],
        [_("Option"), _("Votes")],
    ]
    rows += [[o.label, o.count] for o in selectors.poll_tally(poll)]
    return _xlsx(rows, title=_("Results"), filename=f"poll-{poll.pk}.xlsx")
