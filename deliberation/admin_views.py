"""Committee tools inside the Wagtail admin: agenda queue, registrations and check-in,
moderation queue, poll results, XLSX exports.  Every write goes through services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import pgettext

from portal.inputs import parse_id
from portal.refusals import refusal_text as error_text
from portal.security_headers import permissions_policy

from . import selectors, services
from .desk import check_in, masked_name
from .models import Poll, Session


def _ids(request, action="deliberation.manage") -> list[int]:
    communities = selectors.managed_communities(request.user, action)
    if not communities:
        raise PermissionDenied(
            pgettext("deliberation", "You do not have permission to do this here.")
        )
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
            "upcoming": list(
                Session.objects.filter(
                    community_id__in=manage_ids, starts_at__gte=timezone.now()
                ).order_by("starts_at")[:20]
            ),
            "can_manage": bool(manage_ids),
        },
    )


@permissions_policy({"camera": ["self"]})  # the QR scanner
def checkin(request, pk):
    session = get_object_or_404(Session.objects.select_related("community"), pk=pk)
    if not services.acts_in(request.user, "deliberation.check_in", session.community):
        raise PermissionDenied(services.CHECKIN_NOT_YOURS)
    if request.method == "POST":
        check_in(request, session, request.POST.get("code", ""))  # the phone desk's messages
        return redirect("deliberation_admin:checkin", pk=session.pk)
    return render(
        request,
        "deliberation/admin/checkin.html",
        {
            "session": session,
            "registrations": [
                (masked_name(r.user), r) for r in selectors.session_registrations(session)
            ],
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


def _managed(request):
    communities = selectors.managed_communities(request.user)
    if not communities:
        raise PermissionDenied(
            pgettext("deliberation", "You do not have permission to do this here.")
        )
    return communities


def _open_topics(communities):
    from .models import Topic

    return list(
        Topic.objects.filter(community__in=communities)
        .exclude(status__in=Topic.CLOSED)
        .select_related("community")
        .order_by("-support_count", "pk")[:100]
    )


def _create_form(request, form, title: str, create, done: str):
    """A committee 'new …' page: on a valid POST run `create(cleaned_data)`, which returns
    where to go next; a refusal from the service is shown on the form, nothing saved."""
    if request.method == "POST" and form.is_valid():
        try:
            target = create(form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, done)
            return target
    return render(request, "deliberation/admin/form.html", {"form": form, "title": title})


def session_new(request):
    from .forms import SessionForm
    from .models import Topic

    communities = _managed(request)
    by_pk = {str(c.pk): c for c in communities}
    formats = (
        list(selectors.formats_for(communities[0]))
        if len(communities) == 1
        else list(selectors.Format.objects.all())
    )
    form = SessionForm(
        request.POST or None,
        communities=communities,
        topics=_open_topics(communities),
        formats=formats,
    )

    def create(d):
        session = services.session_create(
            user=request.user,
            community=by_pk[d["community"]],
            format_code=d["format"],
            title=d["title"],
            description=d["description"],
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            place=d["place"],
            online_url=d["online_url"],
            capacity=d["capacity"],
            registration_opens=d["registration_opens"],
            registration_closes=d["registration_closes"],
            topics=list(Topic.objects.filter(pk__in=d["topics"])),
        )
        return redirect("deliberation_admin:checkin", pk=session.pk)

    return _create_form(
        request,
        form,
        pgettext("deliberation", "New session"),
        create,
        pgettext("deliberation", "The session is published; residents can register."),
    )


def poll_new(request):
    from .forms import PollForm
    from .models import Topic

    communities = _managed(request)
    by_pk = {str(c.pk): c for c in communities}
    form = PollForm(request.POST or None, communities=communities, topics=_open_topics(communities))

    def create(d):
        poll = services.poll_create(
            user=request.user,
            community=by_pk[d["community"]],
            question=d["question"],
            options=d["options"].splitlines(),
            kind=d["kind"],
            opens_at=d["opens_at"],
            closes_at=d["closes_at"],
            hide_results_until_close=d["hide_results_until_close"],
            topic=Topic.objects.filter(pk=d["topic"]).first() if d.get("topic") else None,
        )
        return redirect("deliberation_admin:poll", pk=poll.pk)

    return _create_form(
        request,
        form,
        pgettext("deliberation", "New poll"),
        create,
        pgettext("deliberation", "The poll is published."),
    )


def format_new(request):
    from .forms import FormatForm

    communities = _managed(request)
    by_pk = {str(c.pk): c for c in communities}
    form = FormatForm(request.POST or None, communities=communities)

    def create(d):
        services.format_create(
            user=request.user,
            community=by_pk[d["community"]],
            code=d["code"],
            name=d["name"],
            description=d["description"],
        )
        return redirect("deliberation_admin:home")

    return _create_form(
        request,
        form,
        pgettext("deliberation", "New format"),
        create,
        pgettext("deliberation", "The format is added."),
    )


def add_to_session(request, pk):
    """From the agenda queue: put a topic on an upcoming session."""
    from .models import Topic

    if request.method != "POST":
        return redirect("deliberation_admin:home")
    topic = get_object_or_404(Topic, pk=pk)
    session = get_object_or_404(Session, pk=parse_id(request.POST.get("session")) or 0)
    try:
        services.session_add_topic(user=request.user, session=session, topic=topic)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            pgettext("deliberation", "The topic is on the agenda; its followers have been told."),
        )
    return redirect("deliberation_admin:home")
