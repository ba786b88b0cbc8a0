"""Committee workflows inside the Wagtail admin: the agenda and moderation queues, putting
a topic on a session, check-in at the door, poll results and the attendance and results
workbooks.  Every write goes through services.

Sessions, polls and formats are lists and forms: Wagtail viewsets in wagtail_hooks.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from portal.inputs import parse_id
from portal.listing import AreaChoice, Choice, DateRange, Listing, Search, Sort
from portal.refusals import REFUSALS, show_as_message
from portal.security_headers import permissions_policy

from . import selectors, services
from .desk import check_in, masked_name
from .models import Poll, Registration, Session


def _ids(request, action="deliberation.manage") -> list[int]:
    communities = selectors.managed_communities(request.user, action)
    if not communities:
        raise PermissionDenied(
            pgettext("deliberation", "You do not have permission to do this here.")
        )
    return [c.pk for c in communities]


def _communities(request) -> list:
    """The communities the user manages, as choices of a list's community filter."""
    communities = selectors.managed_communities(request.user)
    if not communities:
        raise PermissionDenied(
            pgettext("deliberation", "You do not have permission to do this here.")
        )
    return communities


def _community_filter(communities, lookup):
    return AreaChoice(
        "community", pgettext_lazy("deliberation", "Community"), choices=communities, lookup=lookup
    )


# The moderation queue shown on the home page; the whole of it, with filters, on its own page.
MODERATION_PREVIEW = 10


def home(request):
    """The committee's queues: topics waiting for a session (filtered, sorted and paged as
    the URL asks), and the first contributions waiting for a moderation decision."""
    communities = _communities(request)
    manage_ids = [c.pk for c in communities]
    listing = Listing(
        request,
        selectors.agenda_queue(manage_ids),
        filters=[
            Search("q", pgettext_lazy("deliberation", "Search"), ("title",)),
            _community_filter(communities, "community__path"),
            DateRange("queued_at"),
        ],
        sorts=[
            Sort(
                "queue",
                pgettext_lazy("deliberation", "Longest in the queue first"),
                "queued_at",
                "pk",
            ),
            Sort(
                "support",
                pgettext_lazy("deliberation", "Most supporters first"),
                "-support_count",
                "queued_at",
                "pk",
            ),
            Sort(
                "new",
                pgettext_lazy("deliberation", "Newest in the queue first"),
                "-queued_at",
                "-pk",
            ),
        ],
    )
    moderation = selectors.moderation_queue(manage_ids)
    listing.rows = list(listing.rows)
    return render(
        request,
        "deliberation/admin/home.html",
        {
            "listing": listing,
            "queue": listing.rows,
            "moderation": list(moderation[: MODERATION_PREVIEW + 1]),
            "preview": MODERATION_PREVIEW,
            "upcoming": list(
                Session.objects.filter(
                    community_id__in=manage_ids, starts_at__gte=timezone.now()
                ).order_by("starts_at")[:20]
            ),
        },
    )


def moderation(request):
    """Every contribution hidden by reports, waiting for the committee's decision."""
    communities = _communities(request)
    listing = Listing(
        request,
        selectors.moderation_queue([c.pk for c in communities]),
        filters=[
            Search("q", pgettext_lazy("deliberation", "Search"), ("text", "topic__title")),
            _community_filter(communities, "topic__community__path"),
            DateRange("created_at"),
        ],
        sorts=[
            Sort("old", pgettext_lazy("deliberation", "Oldest first"), "created_at", "pk"),
            Sort("new", pgettext_lazy("deliberation", "Newest first"), "-created_at", "-pk"),
            Sort(
                "reports",
                pgettext_lazy("deliberation", "Most reports first"),
                "-report_count",
                "created_at",
                "pk",
            ),
        ],
    )
    return render(
        request,
        "deliberation/admin/moderation.html",
        {"listing": listing, "moderation": listing.rows},
    )


@permissions_policy({"camera": ["self"]})  # the QR scanner
def checkin(request, pk):
    session = get_object_or_404(Session.objects.select_related("community"), pk=pk)
    if not services.acts_in(request.user, "deliberation.check_in", session.community):
        raise PermissionDenied(services.CHECKIN_NOT_YOURS)
    if request.method == "POST":
        check_in(request, session, request.POST.get("code", ""))  # the phone desk's messages
        return redirect("deliberation_admin:checkin", pk=session.pk)
    listing = Listing(
        request,
        selectors.session_registrations(session),
        filters=[
            Choice("status", pgettext_lazy("deliberation", "Status"), Registration.Status.choices)
        ],
        sorts=[
            Sort(
                "queue",
                pgettext_lazy("deliberation", "In order of registration"),
                "status",
                "queued_at",
                "pk",
            ),
            Sort(
                "checked",
                pgettext_lazy("deliberation", "Latest check-in first"),
                F("checked_in_at").desc(nulls_last=True),
                "pk",
            ),
        ],
        per_page=50,
    )
    return render(
        request,
        "deliberation/admin/checkin.html",
        {
            "session": session,
            "listing": listing,
            "registrations": [(masked_name(r.user), r) for r in listing.rows],
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
    from portal.exports import xlsx_response

    return xlsx_response([(title, rows)], filename=filename)


def attendance_xlsx(request, pk):
    session = get_object_or_404(
        Session, pk=pk, community_id__in=_ids(request, "deliberation.check_in")
    )
    rows = [
        [
            pgettext("deliberation", "Name"),
            pgettext("deliberation", "Status"),
            pgettext("deliberation", "Registered at"),
            pgettext("deliberation", "Checked in at"),
            pgettext("deliberation", "Code"),
        ]
    ]
    for r in selectors.session_registrations(session):
        rows.append(
            [
                r.user.get_full_name(),
                str(r.get_status_display()),
                r.queued_at,
                r.checked_in_at,
                r.code,
            ]
        )
    return _xlsx(
        rows, title=pgettext("deliberation", "Attendance"), filename=f"attendance-{session.pk}.xlsx"
    )


def poll_xlsx(request, pk):
    poll = get_object_or_404(Poll, pk=pk, community_id__in=_ids(request))
    rows = [
        [pgettext("deliberation", "Question"), poll.question],
        [pgettext("deliberation", "Voters"), selectors.poll_voters(poll)],
        [],
        [pgettext("deliberation", "Option"), pgettext("deliberation", "Votes")],
    ]
    rows += [[o.label, o.count] for o in selectors.poll_tally(poll)]
    return _xlsx(rows, title=pgettext("deliberation", "Results"), filename=f"poll-{poll.pk}.xlsx")


def add_to_session(request, pk):
    """From the agenda queue: put a topic on an upcoming session."""
    from .models import Topic

    if request.method != "POST":
        return redirect("deliberation_admin:home")
    topic = get_object_or_404(Topic, pk=pk)
    session = get_object_or_404(Session, pk=parse_id(request.POST.get("session")) or 0)
    try:
        services.session_add_topic(user=request.user, session=session, topic=topic)
    except REFUSALS as exc:
        show_as_message(request, exc)
    else:
        messages.success(
            request,
            pgettext("deliberation", "The topic is on the agenda; its followers have been told."),
        )
    return redirect("deliberation_admin:home")
