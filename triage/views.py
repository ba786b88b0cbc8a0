"""Pages of the request loop.  Thin: forms in, services do the writing."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.listing import AreaChoice, Choice, DateRange, Listing, Search, Sort
from portal.models import Area, Membership, Organisation
from portal.permissions import areas_for, can, is_site_admin, require
from portal.refusals import (
    REFUSALS,
    refusal_messages,
    refusal_status,
    show_as_message,
    show_on_form,
)
from portal.scoping import drill_down

from . import forms, selectors, selectors_dashboard, selectors_maps, workhours
from .export import response_for
from .models import (
    MAX_PHOTOS,
    REOPEN_DAYS,
    Event,
    Request,
    RequestClass,
    ServiceDirectoryEntry,
    ServiceType,
)
from .permissions import UNTRIAGED, can_read, filing_home, intake_roots, standing
from .privacy import public_text
from .services import claims, followup, routing, topics
from .services.classification import class_thresholds
from .services.intake import request_intake, request_submit

MY_ROWS = 50


REQUEST_SORTS = [
    Sort("new", gettext_lazy("Newest first"), "-created_at", "-pk"),
    Sort("old", gettext_lazy("Oldest first"), "created_at", "pk"),
    Sort("deadline", gettext_lazy("Deadline first"), F("deadline").asc(nulls_last=True), "pk"),
    Sort("status", gettext_lazy("By status"), "status", "-created_at", "-pk"),
]
PUBLIC_STATUSES = [
    (v, label) for v, label in Request.Status.choices if v not in ("submitted", "triaged")
]
PUBLIC_CLASSES = [
    (v, label) for v, label in RequestClass.choices if v in ("government", "community")
]


def request_filters(areas, *, statuses=None, classes=None) -> list:
    """The filters of every list of requests: status, class, service type, area, dates."""
    types = list(
        ServiceType.objects.filter(is_active=True).order_by("name").values_list("code", "name")
    )
    return [
        Choice("status", _("Status"), statuses or Request.Status.choices),
        Choice("class", _("Class"), classes or RequestClass.choices, "request_class"),
        Choice("type", _("Service type"), types, "service_type__code"),
        AreaChoice("area", _("Area"), choices=areas),
        DateRange("created_at"),
    ]


LIST_KINDS = (Area.Kind.DISTRICT, Area.Kind.STREET, Area.Kind.COMMUNITY)


def list_areas(request, roots=None) -> list[Area]:
    """The districts, streets and communities a list may be filtered by, under `roots` (or
    the whole city): the top ones and, along the branch of the chosen one (the request's
    `area` filter), its ancestors and its children (`drill_down`), each labelled by its
    place in the tree.  Choosing a district offers its streets, a street its communities:
    a few dozen options however many areas the city has."""
    if roots is None:
        tops = Area.objects.filter(depth__lte=2, kind__in=LIST_KINDS)
    else:
        roots = [r for r in roots if r is not None]
        if not roots:
            return []
        # A root of another kind (a city's hotline) offers its districts, streets or
        # communities one level down; a grid's has none.
        q = Q(pk__in=[r.pk for r in roots])
        for r in roots:
            if r.kind not in LIST_KINDS:
                q |= Q(path__startswith=r.path, depth=r.depth + 1)
        tops = Area.objects.filter(q, kind__in=LIST_KINDS)
    tops = list(tops.order_by("path"))
    if not tops:
        return []
    _, areas = drill_down(tops, request.GET.get("area", ""), LIST_KINDS, fallback=False)
    for a in areas:
        a._full_name = "\u3000" * max(0, a.depth - 2) + a.name
    return areas


def index(request):
    listing = Listing(
        request,
        selectors.public_requests(),
        filters=request_filters(
            list_areas(request),
            statuses=PUBLIC_STATUSES,
            classes=PUBLIC_CLASSES,
        ),
        sorts=REQUEST_SORTS,
    )
    listing.rows = selectors.with_public_text(selectors.with_places(listing.rows))
    area = None
    if "area" in listing.values:
        area = next(a for a in listing.filters[3].choices if str(a.pk) == listing.values["area"])
    user = request.user
    # The person's own requests, newest first, whatever their state (a request waiting for
    # triage is not public yet): the list the home panel's "All my requests" opens.
    mine = (
        list(selectors.requests_for_reporter(user).order_by("-created_at", "-pk")[:MY_ROWS])
        if user.is_authenticated
        else []
    )
    return render(
        request,
        "triage/index.html",
        {
            "page": listing.page,
            "listing": listing,
            "area": area,
            "mine": mine,
            "can_report": filing_home(user) is not None,
            "can_intake": bool(intake_roots(user)[0]) if user.is_authenticated else False,
            "can_triage": can(user, "triage.triage"),
            "orgs": selectors.handler_orgs(user),
            "can_dashboard": can(user, "triage.view_dashboard"),
        },
    )


def _sent_by_script(request) -> bool:
    """A draft kept on the device while offline, sent by portal/static/portal/offline.js:
    it is answered in JSON (what was made, or why it was refused), not with a page."""
    return request.method == "POST" and "application/json" in request.headers.get("Accept", "")


def _refused_json(form=None, reasons=(), status=400) -> JsonResponse:
    """Why a draft was refused, in the reader's language: each field's label with its
    error, so the device can show the reason beside the draft it keeps."""
    reasons = list(reasons)
    if form is not None:
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            label = field.label if field is not None and not field.widget.is_hidden else ""
            reasons.extend(f"{label}：{e}" if label else str(e) for e in errors)
    return JsonResponse({"ok": False, "reasons": reasons}, status=status)


def _offline_limits() -> dict:
    """What the device checks before it keeps a draft (the server checks them again)."""
    return {"max_photo_bytes": settings.PORTAL_MAX_IMAGE_BYTES, "max_photos": MAX_PHOTOS}


@login_required
def new(request):
    membership = filing_home(request.user)
    if membership is None:
        residency_first = _("Please declare your home grid first; the committee confirms it.")
        if _sent_by_script(request):
            return _refused_json(reasons=[residency_first])
        messages.warning(request, residency_first)
        return redirect("portal:residency")
    grid = membership.area
    form = forms.RequestForm(
        request.POST or None, request.FILES or None, initial={"address": membership.address}
    )
    if request.method == "POST" and form.is_valid():
        try:
            req = request_submit(
                channel=Request.Channel.WEB,
                text=form.cleaned_data["text"],
                area=grid,
                reporter=request.user,
                contact=form.cleaned_data["contact"],
                address=form.cleaned_data["address"],
                lat=form.cleaned_data["lat"],
                lon=form.cleaned_data["lon"],
                photos=form.cleaned_data["photos"],
                service_type=form.cleaned_data["service_type"],
                client_key=form.cleaned_data["client_key"],
            )
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            if req.status in UNTRIAGED:
                when = workhours.in_words(workhours.assign_by(req.created_at))
                thanks = _(
                    "Thank you. We have received your request %(n)s and will hand it to "
                    "the organisation in charge by %(when)s."
                ) % {"n": req.number, "when": when}
            else:
                thanks = _("Thank you. Your request %(n)s is on its way.") % {"n": req.number}
            if _sent_by_script(request):
                url = reverse("triage:detail", args=[req.pk])
                return JsonResponse(
                    {"ok": True, "number": req.number, "url": url, "message": thanks}
                )
            messages.success(request, thanks)
            return redirect("triage:detail", req.pk)
    if _sent_by_script(request):
        return _refused_json(form)
    return render(
        request,
        "triage/new.html",
        {
            "form": form,
            "grid": grid,
            "pending": membership.status == Membership.Status.PENDING,
            **_offline_limits(),
            "picker": selectors_maps.picker_map(grid),
        },
    )


@login_required
def intake(request):
    channels, grids, by_channel = intake_roots(request.user)
    if not channels:
        raise PermissionDenied(_("Only grid workers and hotline staff enter requests for others."))
    form = forms.IntakeForm(
        request.POST or None, request.FILES or None, channels=channels, grids=grids
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            req = request_intake(
                operator=request.user,
                roots=by_channel.get(data["channel"], []),
                number=data["resident_phone"],
                channel=data["channel"],
                text=data["text"],
                area=data["grid"],
                reporter_name=data["reporter_name"],
                contact=data["contact"],
                address=data["address"],
                lat=data["lat"],
                lon=data["lon"],
                photos=data["photos"],
                service_type=data["service_type"],
                client_key=data["client_key"],
            )
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            # The same answer whether the number belongs to an account or not, and never
            # whose: the operator goes back to a fresh form, not to the request's page.
            entered = _("Request %(n)s entered. The resident's number was recorded.") % {
                "n": req.number
            }
            if _sent_by_script(request):
                return JsonResponse({"ok": True, "number": req.number, "message": entered})
            messages.success(request, entered)
            return redirect("triage:intake")
    if _sent_by_script(request):
        return _refused_json(form)
    return render(request, "triage/intake.html", {"form": form, **_offline_limits()})


@login_required
def claim(request, token: str):
    """The link texted to a resident whose request was entered for them."""
    try:
        if request.method != "POST":
            claims.claim_payload(token)  # a forged or expired link says so at once
            return render(request, "triage/claim.html", {"errors": []})
        req = claims.request_claim(token=token, user=request.user)
    except REFUSALS as exc:
        return render(
            request,
            "triage/claim.html",
            {"errors": refusal_messages(exc)},
            status=refusal_status(exc),
        )
    messages.success(request, _("The request %(n)s is now on your account.") % {"n": req.number})
    return redirect("triage:detail", req.pk)


def detail(request, pk: int):
    return _detail(request, pk)


# Which form of the request page each action posts: a refused post shows that form again,
# bound, with what was typed and why it was refused.
_FORM_KEYS = {
    forms.ConfirmForm: "confirm_form",
    forms.TransferForm: "transfer_form",
    forms.NoteForm: "note_form",
    forms.ReplyForm: "reply_form",
    forms.RateForm: "rate_form",
    forms.ReopenForm: "reopen_form",
}


def _detail(request, pk: int, *, bound=None):
    req = get_object_or_404(
        Request.objects.with_public_flag().select_related(
            "area", "organisation", "supervisor", "service_type", "reporter", "topic", "matter"
        ),
        pk=pk,
    )
    user = request.user
    who = standing(user, req)
    # Handlers, supervisors and (while it waits) triagers read it by the rule itself;
    # asking can_read for them too would only repeat the answer with one more query.
    full = who.reads or can_read(user, req)
    if not (full or req.public_view):
        # Untriaged, private or sensitive: nobody else's business, not even its existence.
        raise Http404
    sees_reporter = who.sees_reporter
    is_reporter = user.is_authenticated and req.reporter_id == user.pk
    handler = who.handles or bool(is_site_admin(user) and req.organisation_id)
    events = list(req.events.select_related("actor", "organisation"))
    if not full:  # the public view: public steps, names and numbers masked
        events = [e for e in events if e.public]
        for e in events:
            e.note = public_text(req, e.note)
    # The classifier's figures (suggested class, confidence, model version) are for staff:
    # the resident who reported it reads plain words.
    sees_figures = full and (who.staff or is_site_admin(user) or not is_reporter)
    if not sees_figures:
        events = resident_events(events)
    awaiting = req.status in UNTRIAGED
    reopen_open = bool(
        is_reporter and req.closed_at and (timezone.now() - req.closed_at).days < REOPEN_DAYS
    )
    ctx = {
        "r": req,
        "full": full,
        "text": req.text if full else public_text(req),
        "reply": req.reply if full else public_text(req, req.reply),
        "events": events,
        "photos": req.photos.all() if full else [],
        "sees_reporter": sees_reporter,
        # The account behind the request: not for whoever typed the number in.
        "sees_account": sees_reporter and (is_reporter or who.staff or is_site_admin(user)),
        "is_reporter": is_reporter,
        "handler": handler,
        "can_triage": req.status in ("submitted", "triaged") and who.triages,
        "can_supervise": req.is_open and who.supervises,
        "reopen_open": reopen_open,
        "confirm_form": forms.ConfirmForm(
            initial={"request_class": req.suggested_class, "service_type": req.service_type}
        ),
        "transfer_form": forms.TransferForm(),
        "note_form": forms.NoteForm(),
        "reply_form": forms.ReplyForm(),
        "rate_form": forms.RateForm(initial={"score": req.satisfaction}),
        "reopen_form": forms.ReopenForm(),
        "is_mediation": bool(req.service_type and req.service_type.is_mediation),
        "topic": req.topic if req.topic_id else None,
        "sees_figures": sees_figures,
        "awaiting": awaiting,
    }
    if awaiting:
        due = workhours.assign_by(req.created_at)
        ctx["assign_by"] = workhours.in_words(due)
        ctx["assign_late"] = due < timezone.now()
    if bound is not None:
        ctx[_FORM_KEYS[type(bound)]] = bound
    ctx["transfer_form"].offer_only_serving(req.area)
    return render(request, "triage/detail.html", ctx)


def resident_events(events):
    """The timeline as the resident reads it: no classifier step, and no mark of whether
    staff agreed with the classifier."""
    shown = []
    for e in events:
        if e.kind == Event.Kind.CLASSIFIED:
            continue
        if e.kind == Event.Kind.TRIAGED:
            e.note = e.note.removesuffix(" ✎")
        shown.append(e)
    return shown


def _act(request, pk, form_class, fn, success: str):
    req = get_object_or_404(Request, pk=pk)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        show_as_message(request, ValidationError(form.errors))
        return _detail(request, pk, bound=form)
    try:
        fn(req, form.cleaned_data if form else {})
    except ValidationError as exc:
        show_as_message(request, exc)
        if form is not None:
            return _detail(request, pk, bound=form)
    else:
        messages.success(request, success)
    return redirect("triage:detail", pk)


@require_POST
@login_required
def confirm(request, pk):
    return _act(
        request,
        pk,
        forms.ConfirmForm,
        lambda r, d: routing.request_confirm(request=r, actor=request.user, **d),
        _("Triage saved and routed."),
    )


@require_POST
@login_required
def start(request, pk):
    return _act(
        request,
        pk,
        None,
        lambda r, d: followup.request_start(request=r, actor=request.user),
        _("Marked as in progress."),
    )


@require_POST
@login_required
def transfer(request, pk):
    return _act(
        request,
        pk,
        forms.TransferForm,
        lambda r, d: routing.request_transfer(request=r, actor=request.user, **d),
        _("Transferred."),
    )


@require_POST
@login_required
def supervise(request, pk):
    return _act(
        request,
        pk,
        forms.NoteForm,
        lambda r, d: followup.request_supervise(request=r, actor=request.user, note=d["note"]),
        _("Supervision recorded."),
    )


@require_POST
@login_required
def resolve(request, pk):
    return _act(
        request,
        pk,
        None,
        lambda r, d: followup.request_resolve(
            request=r, actor=request.user, note=request.POST.get("note", "")
        ),
        _("Marked as resolved."),
    )


@require_POST
@login_required
def reply(request, pk):
    return _act(
        request,
        pk,
        forms.ReplyForm,
        lambda r, d: followup.request_reply(request=r, actor=request.user, **d),
        _("Reply sent; the request is closed."),
    )


@require_POST
@login_required
def rate(request, pk):
    return _act(
        request,
        pk,
        forms.RateForm,
        lambda r, d: followup.request_rate(request=r, user=request.user, **d),
        _("Thank you for rating."),
    )


@require_POST
@login_required
def reopen(request, pk):
    return _act(
        request,
        pk,
        forms.ReopenForm,
        lambda r, d: followup.request_reopen(request=r, user=request.user, **d),
        _("Reopened; the handler has been told."),
    )


@login_required
def make_topic(request, pk):
    """The committee turns a 小事 into a round-table topic, with a title and description it
    edits (proposed: the first sentence and the request's public text)."""
    req = get_object_or_404(Request.objects.select_related("area", "organisation"), pk=pk)
    try:
        topics.check_make_topic(req, request.user)
    except ValidationError as exc:
        show_as_message(request, exc)
        return redirect("triage:detail", pk)
    form = forms.TopicForm(request.POST or None, initial=topics.topic_draft(req))
    if request.method == "POST" and form.is_valid():
        try:
            req = topics.request_make_topic(request=req, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            messages.success(
                request,
                _("Raised as a round-table topic. Its published decision will close the request."),
            )
            return redirect(req.topic)
    return render(request, "triage/make_topic.html", {"r": req, "form": form})


@login_required
def inbox(request, org_pk: int):
    org = get_object_or_404(Organisation.objects.select_related("area"), pk=org_pk)
    if not (is_site_admin(request.user) or org in selectors.handler_orgs(request.user)):
        raise PermissionDenied(_("This is not your organisation's inbox."))
    open_statuses = [(v, label) for v, label in Request.Status.choices if v != "closed"]
    listing = Listing(
        request,
        selectors.inbox(org, request.user),
        filters=request_filters(list_areas(request, [org.area]), statuses=open_statuses),
        sorts=[REQUEST_SORTS[2], *REQUEST_SORTS[:2], REQUEST_SORTS[3]],
    )
    listing.rows = selectors.with_places(listing.rows)
    return render(
        request,
        "triage/inbox.html",
        {"org": org, "rows": listing.rows, "listing": listing, "now": timezone.now()},
    )


@login_required
def queue(request):
    require(request.user, "triage.triage")
    listing = Listing(
        request,
        selectors.triage_queue(request.user).select_related("matter"),
        filters=request_filters(
            list_areas(request, areas_for(request.user, "triage.triage")),
            statuses=[(v, label) for v, label in Request.Status.choices if v in UNTRIAGED],
        ),
        sorts=[REQUEST_SORTS[1], REQUEST_SORTS[0]],
    )
    listing.rows = selectors.with_places(listing.rows)
    thresholds = class_thresholds()
    shown = [(RequestClass(c).label, t) for c, t in thresholds.items()]
    return render(
        request,
        "triage/queue.html",
        {"rows": listing.rows, "listing": listing, "thresholds": shown},
    )


def _dashboard_area(request) -> tuple[Area, list[Area]]:
    roots = selectors.dashboard_roots(request.user)
    if not roots:
        raise PermissionDenied(_("Dashboards are for committees, grid workers and departments."))
    return drill_down(roots, request.GET.get("area", ""), selectors.DASHBOARD_KINDS)


@login_required
def dashboard(request):
    area, areas = _dashboard_area(request)
    stats = selectors.dashboard_stats(area)
    area_map = selectors_maps.staff_map(area, request.user)
    trends = selectors_dashboard.dashboard_trends(area)
    return render(
        request,
        "triage/dashboard.html",
        {
            "stats": stats,
            "area_map": area_map,
            "grid_rows": selectors_maps.grid_rows(area_map),
            "charts": selectors_dashboard.trend_charts(trends),
            "form": forms.DashboardAreaForm(initial={"area": area.pk}, areas=areas),
            "area": area,
            "can_export": can(request.user, "triage.export", area),
        },
    )


@login_required
def export(request):
    area, _areas = _dashboard_area(request)
    # Seeing the figures is not reading every request's text: the workbook has its own action.
    require(
        request.user,
        "triage.export",
        area,
        message=_("Only committees and departments can download the requests of an area."),
    )
    return response_for(area, request.user)


@dataclass(frozen=True)
class ServedAreaChoice(AreaChoice):
    """Entries serving the chosen area: those of the area or above it (a district-wide
    provider serves every community in it), and those inside it."""

    lookup: str = "area__path"

    def q(self, data):
        value = data.get(self.name)
        if not value:
            return None
        area = next(a for a in self.choices if str(a.pk) == value)
        return Q(area__path__in=area.ancestor_paths()) | Q(area__path__startswith=area.path)


def directory(request):
    areas = list_areas(request)
    listing = Listing(
        request,
        ServiceDirectoryEntry.objects.filter(is_active=True).select_related("area"),
        filters=[
            Search("q", _("Search"), ("name", "services")),
            Choice("kind", _("Category"), ServiceDirectoryEntry.Kind.choices),
            ServedAreaChoice("area", _("Area"), choices=areas),
        ],
        sorts=[
            Sort("kind", gettext_lazy("By category"), "kind", "name", "pk"),
            Sort("name", gettext_lazy("By name"), "name", "pk"),
        ],
    )
    listing.rows = list(listing.rows)
    Area.attach_full_names(e.area for e in listing.rows)
    chosen = str(listing.values.get("area", ""))
    area = next((a for a in areas if str(a.pk) == chosen), None) if chosen else None
    return render(
        request,
        "triage/directory.html",
        {
            "entries": listing.rows,
            "listing": listing,
            "directory_map": selectors_maps.directory_map(listing.rows, area),
        },
    )
