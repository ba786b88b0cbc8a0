"""Thin views: read through selectors, write through services, show translated errors."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal import permissions, qr
from portal.exports import csv_response
from portal.inputs import parse_id, parse_ids
from portal.listing import AreaChoice, DateRange, DayRange, Listing, Search, Sort, areas_under
from portal.models import Area
from portal.refusals import REFUSALS, refusal_messages, show_as_message, show_on_form
from portal.scoping import drill_down

from . import selectors, selectors_dashboard, services
from .forms import (
    BulkRecordForm,
    FulfilForm,
    RevokeForm,
    ServiceLogForm,
    VerifyChoiceForm,
    VerifyForm,
    communities_qs,
)
from .models import Account, Redemption, Reward, ServiceLog
from .permissions import can_cancel, can_redeem, provider_ids_for


def index(request):
    context = {}
    if request.user.is_authenticated:
        context.update(selectors.balance_summary(request.user))
        context.update(selectors.hours_summary(request.user))
        context["home"] = selectors.home_community(request.user)
        context["can_verify"] = permissions.can(request.user, "credits.verify_hours")
        context["can_fulfil"] = permissions.can(request.user, "credits.fulfil")
        context["can_dashboard"] = permissions.can(request.user, selectors_dashboard.ACTION)
    context["communities"] = Area.objects.filter(kind=Area.Kind.COMMUNITY).order_by("path")
    return render(request, "credits/index.html", context)


def _own_account(request, accounts=None) -> Account | None:
    accounts = selectors.accounts_of(request.user) if accounts is None else accounts
    wanted = request.GET.get("account")
    if wanted:
        for account in accounts:
            if str(account.pk) == wanted:
                return account
        raise Http404
    return accounts[0] if accounts else None


def _int_or_none(value):
    if not value:
        return None
    number = parse_id(value)
    if number is None:
        raise Http404
    return number


@login_required
def statement(request):
    accounts = selectors.accounts_of(request.user)
    account = _own_account(request, accounts)
    rows, next_before = ([], None)
    if account is not None:
        rows, next_before = selectors.statement_page(
            account, before=_int_or_none(request.GET.get("before"))
        )
    return render(
        request,
        "credits/statement.html",
        {
            "account": account,
            "accounts": accounts,
            "rows": rows,
            "next_before": next_before,
        },
    )


@login_required
def statement_csv(request):
    account = _own_account(request)
    if account is None:
        raise Http404

    def rows():
        yield [_("Time"), _("Kind"), _("Memo"), _("Amount"), _("Balance after")]
        for e in selectors.statement_rows(account):
            yield [
                e.created_at,
                e.transaction.get_kind_display(),
                _memo(e.transaction),
                e.amount,  # typed: a negative amount is a number, not a formula
                e.balance_after,
            ]

    return csv_response(rows(), filename=f"statement-{account.pk}.csv")


def _memo(tx) -> str:
    """The statement's memo, with the reason when a cap reduced the earning."""
    if not tx.cap:
        return tx.memo
    return f"{tx.memo} ({tx.cap_note})" if tx.memo else tx.cap_note


@login_required
def rewards(request):
    code = request.GET.get("community")
    community = (
        get_object_or_404(Area, code=code, kind=Area.Kind.COMMUNITY)
        if code
        else selectors.home_community(request.user)
    )
    items = list(selectors.catalogue(community)) if community else []
    for item in items:
        item.request_key = uuid.uuid4().hex  # one idempotency key per rendered button
    return render(
        request,
        "credits/rewards.html",
        {
            "community": community,
            "rewards": items,
            "can_redeem": community is not None and can_redeem(request.user, community),
            **selectors.balance_summary(request.user),
        },
    )


@login_required
@require_POST
def reward_redeem(request, pk: int):
    reward = get_object_or_404(Reward, pk=pk)
    key = request.POST.get("key") or ""
    try:
        redemption = services.redemption_reserve(
            user=request.user, reward=reward, idempotency_key=f"redeem:{request.user.pk}:{key}"
        )
    except ValidationError as exc:
        show_as_message(request, exc)
        return redirect(f"{reverse('credits:rewards')}?community={reward.community.code}")
    return redirect("credits:redemption", pk=redemption.pk)


@login_required
def redemptions(request):
    return render(
        request,
        "credits/redemptions.html",
        {"redemptions": selectors.my_redemptions(request.user)[:100]},
    )


@login_required
def redemption_detail(request, pk: int):
    redemption = get_object_or_404(Redemption.objects.select_related("reward", "community"), pk=pk)
    if redemption.user_id != request.user.pk:
        raise Http404  # a stranger must not even learn the code exists
    svg = None
    if redemption.status == Redemption.Status.RESERVED:
        url = request.build_absolute_uri(
            f"{reverse('credits:fulfil')}?community={redemption.community.code}&code={redemption.code}"
        )
        svg = qr.svg(url)
    return render(request, "credits/redemption.html", {"r": redemption, "qr_svg": svg})


@login_required
@require_POST
def redemption_cancel(request, pk: int):
    redemption = get_object_or_404(Redemption, pk=pk)
    if not can_cancel(request.user, redemption):
        raise Http404
    try:
        services.redemption_cancel(actor=request.user, redemption=redemption)
        messages.success(request, _("The reservation is cancelled; the coins are available again."))
    except ValidationError as exc:
        show_as_message(request, exc)
    if redemption.user_id == request.user.pk:
        return redirect("credits:redemptions")
    return redirect("credits:fulfil")


@login_required
def hours(request):
    communities = communities_qs(permissions.areas_for(request.user, "credits.log_hours"))
    form = ServiceLogForm(request.POST or None, request.FILES or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_log_create(volunteer=request.user, **form.cleaned_data)
        except REFUSALS as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("Your hours are logged and await verification."))
            return redirect("credits:hours")
    return render(
        request,
        "credits/hours.html",
        {
            "form": form,
            "logs": selectors.my_logs(request.user)[:100],
            "can_log": communities.exists(),
            **selectors.hours_summary(request.user),
        },
    )


@login_required
def certificate(request):
    certs = services.certificates_of(request.user)
    for cert in certs:
        cert.check_url = request.build_absolute_uri(
            reverse("credits:certificate_check", args=[cert.serial])
        )
        cert.qr = qr.data_uri(cert.check_url)
    return render(
        request,
        "credits/certificate.html",
        {"certificates": certs, "person": request.user, **selectors.hours_summary(request.user)},
    )


def certificate_check(request, serial: str):
    """Anyone (anonymous) checks a certificate by its serial: the QR code leads here."""
    cert = selectors.certificate_check(serial)
    if cert is None:
        return render(request, "credits/certificate_check.html", {"serial": serial}, status=404)
    return render(request, "credits/certificate_check.html", {"cert": cert, "serial": serial})


def verify_listing(request, queue) -> Listing:
    """The hours waiting for verification as the URL asks: community, day of service, words
    of the activity, place or volunteer's name; oldest first unless asked otherwise."""
    return Listing(
        request,
        queue,
        filters=[
            Search("q", gettext_lazy("Search"), ("activity", "place", "volunteer__display_name")),
            AreaChoice(
                "area",
                gettext_lazy("Area"),
                choices=areas_under(permissions.areas_for(request.user, "credits.verify_hours")),
                lookup="community__path",
            ),
            DayRange("date"),
        ],
        sorts=[
            Sort("old", gettext_lazy("Oldest first"), "date", "start", "pk"),
            Sort("new", gettext_lazy("Newest first"), "-date", "-start", "-pk"),
            Sort("hours", gettext_lazy("Most hours first"), "-hours", "date", "pk"),
        ],
        per_page=50,
    )


@login_required
def verify_queue(request):
    if not permissions.can(request.user, "credits.verify_hours"):
        raise PermissionDenied
    queue = selectors.verification_queue(request.user)
    form = VerifyForm()
    ticked = set()
    if request.method == "POST":
        form = VerifyForm(request.POST)
        ids = parse_ids(request.POST.getlist("log"))
        action = request.POST.get("action")
        chosen = list(queue.filter(pk__in=ids))
        refused = None
        if not chosen:
            refused = _("Choose at least one log.")
        elif not form.is_valid():
            refused = _("Please check the form.")
        elif action == "reject" and not form.cleaned_data["reason"].strip():
            refused = _("Give a reason for the rejection.")
        if refused:
            # The page again, with the ticked logs and the typed reason (the bound form).
            messages.error(request, refused)
            ticked = {log.pk for log in chosen}
        elif action in ("approve", "reject"):
            done, errors = services.service_log_decide_bulk(
                actor=request.user,
                logs=chosen,
                approve=action == "approve",
                reason=form.cleaned_data["reason"],
            )
            if done:
                messages.success(request, _("%(n)s logs decided.") % {"n": done})
            for error in errors:
                messages.error(request, error)
        if not refused:
            return redirect(request.get_full_path())  # the same filtered page
    listing = verify_listing(request, queue)
    queue = list(listing.rows)
    listing.rows = queue
    quotes = services.service_log_quotes(queue)
    for log in queue:
        log.quote = quotes[log.pk]
    return render(
        request,
        "credits/verify.html",
        {
            "listing": listing,
            "queue": queue,
            "rows": [(log, VerifyChoiceForm(log, ticked=log.pk in ticked)) for log in queue],
            "recent": [(log, RevokeForm(log)) for log in selectors.recently_verified(request.user)],
            "form": form,
        },
    )


@login_required
@require_POST
def log_revoke(request, pk: int):
    log = get_object_or_404(ServiceLog, pk=pk)
    try:
        services.service_log_revoke(
            actor=request.user, log=log, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("The verification is revoked and its coins reversed."))
    except ValidationError as exc:
        show_as_message(request, exc)
    return redirect("credits:verify")


@login_required
def record_bulk(request):
    communities = communities_qs(permissions.areas_for(request.user, "credits.verify_hours"))
    if not communities.exists():
        raise PermissionDenied
    form = BulkRecordForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            logs = services.service_log_record_bulk(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("Hours recorded for %(n)s attendees.") % {"n": len(logs)})
            return redirect("credits:verify")
    return render(request, "credits/record.html", {"form": form})


@login_required
def fulfil(request):
    communities = selectors.fulfil_communities(request.user)
    provider_ids = provider_ids_for(request.user)
    if provider_ids:
        extra = selectors.provider_communities(provider_ids)
        communities = sorted({*communities, *extra}, key=lambda a: a.path)
    if not communities:
        raise PermissionDenied
    qs = Area.objects.filter(pk__in=[c.pk for c in communities]).order_by("path")
    initial = {"code": request.GET.get("code", "")}
    if request.GET.get("community"):
        initial["community"] = qs.filter(code=request.GET["community"]).first()
    elif len(communities) == 1:
        initial["community"] = communities[0]
    form = FulfilForm(request.POST or None, communities=qs, initial=initial)
    done = None
    if request.method == "POST" and form.is_valid():
        try:
            done = services.redemption_fulfil(
                actor=request.user,
                community=form.cleaned_data["community"],
                code=form.cleaned_data["code"],
            )
        except REFUSALS as exc:
            form.add_error("code", refusal_messages(exc))  # beside the code that was typed
        else:
            messages.success(
                request,
                _("Handed over: %(reward)s to %(name)s.")
                % {"reward": done.reward.name, "name": done.user.get_full_name()},
            )
            return redirect("credits:fulfil")
    open_qs = selectors.open_redemptions(
        [c for c in communities if permissions.can(request.user, "credits.fulfil", c)]
    )
    if provider_ids:
        open_qs = open_qs | selectors.open_redemptions(communities).filter(
            reward__provider_id__in=provider_ids
        )
    # `community` and `code` in the URL fill in the handover form; the list reads `area`.
    listing = Listing(
        request,
        open_qs,
        filters=[
            Search("q", gettext_lazy("Search"), ("reward__name", "user__display_name")),
            AreaChoice(
                "area",
                gettext_lazy("Community"),
                choices=areas_under(communities),
                lookup="community__path",
            ),
            DateRange("reserved_at"),
        ],
        sorts=[
            Sort("expires", gettext_lazy("Expiring first"), "expires_at", "pk"),
            Sort("new", gettext_lazy("Newest first"), "-reserved_at", "-pk"),
            Sort("old", gettext_lazy("Oldest first"), "reserved_at", "pk"),
        ],
        per_page=50,
    )
    return render(
        request,
        "credits/fulfil.html",
        {"form": form, "open": listing.rows, "listing": listing},
    )


def community(request, code: str):
    area = get_object_or_404(Area, code=code, kind=Area.Kind.COMMUNITY)
    return render(
        request,
        "credits/community.html",
        {
            "community": area,
            **selectors.community_stats(area),
            "leaderboard": selectors.leaderboard(area),
            "rewards": selectors.catalogue(area)[:30],
        },
    )


@login_required
def dashboard(request):
    """Hours verified, coins earned and coins redeemed per month in one of the viewer's
    areas (a committee's community, or the street or district above it)."""
    from portal.forms import DashboardAreaForm  # the same area picker as the requests'

    roots = selectors_dashboard.dashboard_roots(request.user)
    if not roots:
        raise PermissionDenied(_("The moral bank's dashboard is for community committees."))
    area, areas = drill_down(roots, request.GET.get("area", ""), selectors_dashboard.KINDS)
    permissions.require(request.user, selectors_dashboard.ACTION, area)
    areas = [a for a in areas if permissions.can(request.user, selectors_dashboard.ACTION, a)]
    trends = selectors_dashboard.monthly_trends(area)
    return render(
        request,
        "credits/dashboard.html",
        {
            "area": area,
            "form": DashboardAreaForm(initial={"area": area.pk}, areas=areas),
            "charts": selectors_dashboard.trend_charts(trends),
            "totals": {key: sum(trends[key], start=0) for key in ("hours", "earned", "redeemed")},
        },
    )
