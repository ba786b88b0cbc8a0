"""Thin views: read through selectors, write through services, explain refusals."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from portal import qr as portal_qr
from portal.inputs import safe_next
from portal.pagecache import (
    anonymous_cacheable,
    fill_csrf,
    keep_own,
    shared_data,
    shared_fragment,
)
from portal.refusals import REFUSALS, show_as_message, show_on_form
from portal.scoping import community_or_404

from . import ical, permissions, selectors, selectors_dashboard, services, signals
from .forms import (
    ContributionEditForm,
    ContributionForm,
    FollowUpStatusForm,
    ModerateForm,
    OutcomeForm,
    ReplyForm,
    ReportForm,
    TopicEditForm,
    TopicFilterForm,
    TopicForm,
    TopicStatusForm,
    VoteForm,
)
from .models import Contribution, FollowUp, Poll, Registration, Session, Topic

KEPT = "deliberation:kept"
# What the shared fragments of these pages show changes with any deliberation write and
# with a published page or a renamed resident (portal.pagecache).
SHARED_VERSIONS = ("deliberation", "content")


def keep_typed(request, view_name: str, pk) -> None:
    """Carry what was typed into a refused form to the page it goes back to (once)."""
    data = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    request.session[KEPT] = {"view": view_name, "pk": str(pk), "data": data}


def take_kept(request) -> dict:
    """What a refused form carried here, read once: {"view", "pk", "data"} or {}."""
    if not request.user.is_authenticated:
        return {}
    return request.session.pop(KEPT, None) or {}


def _valid(form):
    """The form, cleaned; or its field errors as the refusal `action` shows and keeps."""
    if not form.is_valid():
        raise ValidationError([e for errors in form.errors.values() for e in errors])
    return form


def action(view):
    """POST-only, signed-in; a refused write shows its reason and goes back to the page,
    where the form holds what was typed."""

    @functools.wraps(view)
    @login_required
    @require_POST
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except REFUSALS as exc:
            show_as_message(request, exc)
            keep_typed(request, view.__name__, kwargs.get("pk", ""))
            return redirect(
                safe_next(
                    request,
                    request.POST.get("next"),
                    request.META.get("HTTP_REFERER"),
                    default=reverse("deliberation:index"),
                )
            )

    return wrapped


@anonymous_cacheable
def index(request):
    # The communities (with their open topics) and the latest topics are the same for
    # everyone and grow with the city: drawn once per deliberation version, queried only
    # then.
    lists = shared_fragment(
        request,
        "deliberation-index",
        "deliberation/includes/index_lists.html",
        _index_lists,
        versions=SHARED_VERSIONS,
    )
    return render(request, "deliberation/index.html", {"lists": lists})


def _index_lists() -> dict:
    communities = selectors.communities().annotate(
        open_topics=Count("topics", filter=~Q(topics__status__in=Topic.CLOSED))
    )
    latest = list(selectors.topics_for_listing().exclude(status=Topic.Status.DECLINED)[:10])
    return {"communities": communities, "latest": latest}


@anonymous_cacheable
def community(request, code):
    area = community_or_404(code)
    lists = shared_fragment(
        request,
        "deliberation-community",
        "deliberation/includes/community_lists.html",
        lambda: _community_lists(request, area),
        parts=(area.pk, request.GET.urlencode()),
        versions=SHARED_VERSIONS,
    )
    return render(
        request,
        "deliberation/community.html",
        {
            "community": area,
            "lists": lists,
            "can_raise": permissions.may_raise_topic(request.user, area),
            "can_dashboard": permissions.may_manage(request.user, area),
        },
    )


def _community_lists(request, area) -> dict:
    """A community's filters, topics, tags, sessions, polls and formats: the same for
    everyone, drawn once per query string (views.community keeps them)."""
    formats = list(selectors.formats_for(area))
    filter_form = TopicFilterForm(request.GET, formats=formats, statuses=Topic.Status.choices)
    f = filter_form.filters()
    topics = selectors.community_topics(
        area, format_code=f["format"], status=f["status"], tag=f["tag"], q=f["q"]
    )
    page = Paginator(topics, selectors.TOPICS_PER_PAGE).get_page(request.GET.get("page"))
    sessions = list(selectors.upcoming_sessions(area))
    return {
        "community": area,
        "page": page,
        "filters": f,
        "filter_form": filter_form,
        "formats": formats,
        "tags": selectors.tags_in(area),
        "sessions": sessions,
        "past_sessions": list(selectors.past_sessions(area)),
        "polls": list(selectors.community_polls(area)),
        # An upcoming session moves to the past ones when it ends, without any write.
        "fragment_expires": min((s.ends_at for s in sessions), default=None),
    }


@login_required
def topic_raise(request, code):
    area = community_or_404(code)
    form = TopicForm(request.POST or None, community=area)
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.topic_raise(
                user=request.user,
                community=area,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                format_code=form.cleaned_data["format"],
                tags=form.cleaned_data["tags"],
            )
        except REFUSALS as exc:
            show_as_message(request, exc)
        else:
            messages.success(
                request,
                pgettext("deliberation", "Your topic is published. Neighbours can now support it."),
            )
            return redirect(topic)
    return render(request, "deliberation/topic_form.html", {"community": area, "form": form})


def _topic_context(request, t: Topic, *, outcome_form=None, edit_form=None, polls=None) -> dict:
    user = request.user
    moderator = permissions.may_moderate(user, t.community)
    manager = permissions.may_manage(user, t.community)
    can_contribute = permissions.may_contribute(user, t)
    outcome = getattr(t, "outcome", None)
    kept = take_kept(request)
    if kept.get("pk") != str(t.pk) and kept.get("view") in ("contribute", "topic_status"):
        kept = {}
    form = ContributionForm()
    if kept.get("view") == "contribute" and not kept["data"].get("parent"):
        form = ContributionForm(kept["data"])
        form.is_valid()  # the refused fields say why, next to what was typed
    page_number = request.GET.get("page")

    def rows() -> dict:
        page_obj, items = selectors.contribution_page(t, page=page_number, show_hidden=moderator)
        _attach_row_forms(user.is_authenticated, items, kept, moderator, t.is_closed)
        return {
            "topic": t,
            "page": page_obj,
            "contributions": items,
            "moderator": moderator,
            "can_contribute": can_contribute,
        }

    # A page of contributions is the same for every reader of one kind (signed in or
    # not, moderator or not, may reply or not): drawn once per deliberation version, with
    # each reader's own token and own rows filled in.  A page carrying what one person
    # typed into a refused form is drawn for them alone.
    contribution_list = shared_fragment(
        request,
        "deliberation-topic",
        "deliberation/includes/contribution_list.html",
        rows,
        parts=(t.pk, page_number, user.is_authenticated, moderator, can_contribute),
        versions=SHARED_VERSIONS,
        store=not kept,
    )
    status_form = None
    if manager and not t.is_closed:
        kept_status = kept.get("view") == "topic_status"
        status_form = TopicStatusForm(kept["data"] if kept_status else None)
    followups = []
    if outcome:
        followups = list(outcome.followups.all())
        if manager:
            for f in followups:
                f.status_form = FollowUpStatusForm(followup=f)
    polls = list(t.polls.all()) if polls is None else polls
    if manager and not outcome and outcome_form is None:
        outcome_form = OutcomeForm(polls=selectors.closed_polls(polls))
    return {
        "topic": t,
        "outcome": outcome,
        "outcome_tally": selectors.poll_tally(outcome.poll) if outcome and outcome.poll else None,
        "sources": signals.topic_sources(t, user),
        "contribution_list": keep_own(fill_csrf(contribution_list, request), user),
        "state": selectors.user_topic_state(user, t),
        "moderator": moderator,
        "manager": manager,
        "can_contribute": can_contribute,
        "form": form,
        "kept": kept,
        "outcome_form": outcome_form if manager and not outcome else None,
        "edit_form": edit_form,
        "status_form": status_form,
        "followups": followups,
        "polls": polls,
    }


ROW = "ROWPK"  # stands for a contribution's pk in a row form drawn once per page


class _RowForms:
    """Each contribution's reply, report and moderation forms differ only in their row's
    pk (ids and the reply's parent): draw each kind once per page through the field
    template and stamp the pk in, instead of rendering 3 × 30 identical forms."""

    def __init__(self):
        self._drawn: dict[tuple, str] = {}

    def blank(self, form_class, prefix: str, pk: str, **initial) -> str:
        key = (form_class, prefix)
        if key not in self._drawn:
            filled = {name: ROW for name in initial}
            self._drawn[key] = str(form_class(initial=filled, auto_id=f"{prefix}{ROW}-%s"))
        return mark_safe(self._drawn[key].replace(ROW, pk))  # noqa: S308 - our own markup


def _attach_row_forms(signed_in: bool, items, kept: dict, moderator: bool, closed: bool) -> None:
    """Each contribution's own reply, edit, report and moderation forms (ids unique per
    row; posted names unchanged); the one a refusal came back from holds what was typed.
    Every row gets an edit form: the shared list is drawn for all readers, and
    `keep_own` leaves each reader only the edit forms of their own rows."""
    if not signed_in:
        return
    data = kept.get("data") or {}
    view, kept_pk = kept.get("view"), kept.get("pk")
    rows = _RowForms()
    for item in items:
        for c in (item, *getattr(item, "thread", ())):
            pk = str(c.pk)
            replying = view == "contribute" and data.get("parent") == pk
            mine = kept_pk == pk and view != "contribute"
            c.kept_open = replying or (mine and view != "contribution_moderate")
            c.reply_form = (
                ReplyForm(data, auto_id=f"r{pk}-%s")
                if replying
                else rows.blank(ReplyForm, "r", pk, parent=pk)
            )
            if not closed and c.status == Contribution.Status.VISIBLE:
                c.edit_form = ContributionEditForm(
                    data if mine and view == "contribution_edit" else None,
                    initial={"text": c.text},
                    auto_id=f"e{pk}-%s",
                )
            c.report_form = (
                ReportForm(data, auto_id=f"p{pk}-%s")
                if mine and view == "contribution_report"
                else rows.blank(ReportForm, "p", pk)
            )
            if moderator:
                c.moderate_form = (
                    ModerateForm(data, auto_id=f"m{pk}-%s")
                    if mine and view == "contribution_moderate"
                    else rows.blank(ModerateForm, "m", pk)
                )


def _topic_or_404(pk) -> Topic:
    try:
        return selectors.topic_detail(pk)
    except Topic.DoesNotExist as exc:
        raise Http404 from exc


@anonymous_cacheable
def topic(request, pk):
    # The topic with its format, community, outcome, tags and polls is the same for
    # every reader: kept under the deliberation version like the page's lists.
    shared = shared_data(
        "deliberation-topic",
        lambda: _topic_and_polls(pk),
        parts=(pk,),
        versions=SHARED_VERSIONS,
    )
    t = shared["topic"]
    return render(
        request, "deliberation/topic.html", _topic_context(request, t, polls=shared["polls"])
    )


def _topic_and_polls(pk) -> dict:
    t = _topic_or_404(pk)
    return {"topic": t, "polls": list(t.polls.all())}


@login_required
def topic_edit(request, pk):
    """The committee edits the title and description; refused input keeps what was typed."""
    t = _topic_or_404(pk)
    permissions.require_edit_topic(request.user, t)
    form = TopicEditForm(request.POST or None, initial={"title": t.title, "body": t.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.topic_update(user=request.user, topic=t, **form.cleaned_data)
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, pgettext("deliberation", "The topic is updated."))
            return redirect(t)
    return render(request, "deliberation/topic_edit.html", {"topic": t, "form": form})


@action
def topic_support(request, pk):
    t = get_object_or_404(Topic, pk=pk)
    services.topic_support(user=request.user, topic=t)
    messages.success(request, pgettext("deliberation", "Thank you for your support."))
    return redirect(t)


@action
def topic_follow(request, pk):
    t = get_object_or_404(Topic, pk=pk)
    if request.POST.get("follow") == "0":
        services.topic_unfollow(user=request.user, topic=t)
        messages.success(request, pgettext("deliberation", "You no longer follow this topic."))
    else:
        services.topic_follow(user=request.user, topic=t)
        messages.success(
            request, pgettext("deliberation", "You will be told when this topic changes.")
        )
    return redirect(t)


@action
def contribute(request, pk):
    t = get_object_or_404(Topic, pk=pk)
    form = ContributionForm(request.POST)
    if not form.is_valid():
        raise ValidationError(
            [e for field in ("stance", "text", "parent") for e in form.errors.get(field, [])]
        )
    parent = None
    if form.cleaned_data.get("parent"):
        parent = Contribution.objects.filter(pk=form.cleaned_data["parent"]).first()
        if parent is None:
            raise ValidationError(
                pgettext("deliberation", "You can only reply to a contribution on this topic.")
            )
    services.contribution_add(
        user=request.user,
        topic=t,
        text=form.cleaned_data["text"],
        stance=form.cleaned_data.get("stance") or "",
        parent=parent,
    )
    messages.success(request, pgettext("deliberation", "Your contribution is published."))
    return redirect(t)


@action
def contribution_edit(request, pk):
    c = get_object_or_404(Contribution, pk=pk)
    form = _valid(ContributionEditForm(request.POST))
    services.contribution_edit(user=request.user, contribution=c, text=form.cleaned_data["text"])
    messages.success(request, pgettext("deliberation", "Your contribution is updated."))
    return redirect(c.topic)


@action
def contribution_report(request, pk):
    c = get_object_or_404(Contribution, pk=pk)
    form = _valid(ReportForm(request.POST))
    services.contribution_report(
        user=request.user, contribution=c, reason=form.cleaned_data["reason"]
    )
    messages.success(request, pgettext("deliberation", "Thank you: moderators will look at it."))
    return redirect(c.topic)


@action
def contribution_moderate(request, pk):
    c = get_object_or_404(Contribution, pk=pk)
    form = _valid(ModerateForm(request.POST))
    services.contribution_moderate(
        user=request.user,
        contribution=c,
        decision=request.POST.get("decision", ""),
        reason=form.cleaned_data["reason"],
    )
    messages.success(
        request, pgettext("deliberation", "Moderation saved; the author has been told.")
    )
    return redirect(
        safe_next(request, request.POST.get("next"), default=c.topic.get_absolute_url())
    )


@action
def topic_status(request, pk):
    t = get_object_or_404(Topic, pk=pk)
    form = _valid(TopicStatusForm(request.POST))
    services.topic_status_set(
        user=request.user,
        topic=t,
        status=form.cleaned_data["status"],
        reason=form.cleaned_data["reason"],
    )
    messages.success(request, pgettext("deliberation", "Status changed; followers have been told."))
    return redirect(t)


@login_required
@require_POST
def topic_outcome(request, pk):
    """Publish the outcome; a refusal shows the topic page again with everything typed."""
    t = _topic_or_404(pk)
    form = OutcomeForm(request.POST, polls=selectors.closed_polls(list(t.polls.all())))
    if form.is_valid():
        d = form.cleaned_data
        followups = []
        if d.get("followup_action"):
            followups.append(
                {
                    "action": d["followup_action"],
                    "responsible": d["followup_responsible"],
                    "due_date": d["followup_due"],
                }
            )
        try:
            services.outcome_publish(
                user=request.user,
                topic=t,
                decision=d["decision"],
                poll=d.get("poll"),
                votes_for=d.get("votes_for"),
                votes_against=d.get("votes_against"),
                votes_abstain=d.get("votes_abstain"),
                followups=followups,
            )
        except PermissionDenied as exc:
            show_as_message(request, exc)
            return redirect(t)
        except ValidationError as exc:
            show_on_form(form, exc)
            show_as_message(request, exc)
        else:
            messages.success(
                request,
                pgettext("deliberation", "The outcome is published; followers have been told."),
            )
            return redirect(t)
    if not permissions.may_manage(request.user, t.community):
        show_as_message(request, PermissionDenied())
        return redirect(t)
    return render(request, "deliberation/topic.html", _topic_context(request, t, outcome_form=form))


@action
def followup_status(request, pk):
    f = get_object_or_404(FollowUp.objects.select_related("outcome__topic"), pk=pk)
    form = _valid(FollowUpStatusForm(request.POST))
    services.followup_status_set(user=request.user, followup=f, status=form.cleaned_data["status"])
    messages.success(
        request, pgettext("deliberation", "Follow-up updated; followers have been told.")
    )
    return redirect(f.outcome.topic)


def session(request, pk):
    try:
        s = selectors.session_detail(pk)
    except Session.DoesNotExist as exc:
        raise Http404 from exc
    mine = None
    qr = ""
    if request.user.is_authenticated:
        mine = Registration.objects.filter(session=s, user=request.user).first()
        if mine and mine.status == Registration.Status.REGISTERED:
            qr = portal_qr.svg(mine.code, box_size=10, scalable=True)
    return render(
        request,
        "deliberation/session.html",
        {
            "session": s,
            "counts": selectors.session_counts(s),
            "mine": mine,
            "qr": qr,
            "open": s.registration_open(),
            "past": s.ends_at < timezone.now(),
            "can_check_in": permissions.may_check_in(request.user, s.community),
        },
    )


@action
def session_register(request, pk):
    s = get_object_or_404(Session, pk=pk)
    reg = services.registration_create(user=request.user, session=s)
    if reg.status == Registration.Status.REGISTERED:
        messages.success(
            request, pgettext("deliberation", "You are registered. Show your code at the door.")
        )
    else:
        messages.warning(
            request,
            pgettext(
                "deliberation",
                "The session is full: you are on the waiting list and will be told if a seat frees up.",  # noqa: E501
            ),
        )
    return redirect(s)


@action
def session_cancel(request, pk):
    s = get_object_or_404(Session, pk=pk)
    reg = get_object_or_404(Registration, session=s, user=request.user)
    services.registration_cancel(user=request.user, registration=reg)
    messages.success(request, pgettext("deliberation", "Your registration is cancelled."))
    return redirect(s)


def _ics_response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def session_ics(request, pk):
    s = get_object_or_404(Session, pk=pk)
    base = request.build_absolute_uri("/").rstrip("/")
    return _ics_response(ical.calendar([s], base_url=base), f"session-{s.pk}.ics")


def community_ics(request, code):
    area = community_or_404(code)
    sessions = Session.objects.filter(community=area).order_by("starts_at")
    base = request.build_absolute_uri("/").rstrip("/")
    return _ics_response(ical.calendar(sessions, name=area.name, base_url=base), f"{area.code}.ics")


def poll(request, pk):
    p = get_object_or_404(Poll.objects.select_related("community", "topic"), pk=pk)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next={request.path}")
        form = VoteForm(request.POST, poll=p, options=p.options.all())
        try:
            _valid(form)
            services.poll_vote(user=request.user, poll=p, option_ids=form.cleaned_data["option"])
        except REFUSALS as exc:
            show_as_message(request, exc)
        else:
            messages.success(request, pgettext("deliberation", "Your vote is counted."))
        return redirect(p)
    voted = request.user.is_authenticated and p.ballots.filter(user=request.user).exists()
    show = permissions.may_see_results(request.user, p)
    options = selectors.poll_tally(p) if show else list(p.options.all())
    return render(
        request,
        "deliberation/poll.html",
        {
            "poll": p,
            "form": VoteForm(poll=p, options=options),
            "options": options,
            "show_results": show,
            "voters": selectors.poll_voters(p) if show else None,
            "voted": voted,
            "open": p.is_open(),
        },
    )


@login_required
def mine(request):
    return render(request, "deliberation/mine.html", selectors.my_participation(request.user))


@login_required
def dashboard(request, code):
    """Topics raised, sessions held and check-ins per month, for the community's committee."""
    area = community_or_404(code)
    permissions.require_manage(
        request.user,
        area,
        message=pgettext("deliberation", "This dashboard is for the community's committee."),
    )
    trends = selectors_dashboard.monthly_trends(area)
    return render(
        request,
        "deliberation/dashboard.html",
        {
            "community": area,
            "charts": selectors_dashboard.trend_charts(trends),
            "totals": {k: sum(trends[k]) for k in ("topics", "sessions", "checkins")},
        },
    )
