"""Lists people can work with: paging, filters and sorting, all kept in the URL (#14).

One helper for every list page (the requests, the triage queue, an inbox, the hours waiting
for verification, the redemptions to hand out …).  A view describes its filters and sort
orders; `Listing` reads them from the GET parameters through one form, applies the values
that exist, pages the result and says which parameters page links keep:

    listing = Listing(
        request,
        queryset,
        filters=[
            Choice("status", _("Status"), Request.Status.choices),
            AreaChoice("area", _("Area"), choices=areas),
            DateRange("created_at"),
        ],
        sorts=[Sort("new", _("Newest first"), "-created_at", "-pk"), …],
    )
    # template: {% include "portal/includes/list_filters.html" with listing=listing %}
    #           … rows of listing.page …
    #           {% include "portal/includes/pagination.html" with page=listing.page
    #                      keep=listing.keep %}

A value that does not exist (`?status=nope`, `?area=999999`, `?from=2026-13-40`) is named in
`listing.errors` with a translated message, and only that filter is left out: the other
filters, the sort order and the page still apply, and page links drop the bad value.

Every choice list is computed before the query (a list, or one query for areas or service
types), so a page costs the same number of queries whatever the number of rows.  The count
stops at `COUNT_CAP` rows ("more than 1,000 found"): counting every public request of a
whole city would cost more than the page itself, and nobody pages past the fiftieth page
(filters narrow the list instead).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ALL = pgettext_lazy("listing", "All")
COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` rows (`SELECT count(*) FROM (… LIMIT cap + 1)`),
    so a page of a list of a million rows costs what a page of a thousand does."""

    def __init__(self, object_list, per_page, *, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def _counted(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        """True when there are more rows than were counted."""
        return self._counted > self.cap


NO_SUCH_VALUE = _("There is no such choice; this filter is not applied.")


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of values, matched against `lookup` (the field by default)."""

    name: str
    label: Any
    choices: list | tuple
    lookup: str = ""

    def fields(self) -> dict:
        return {
            self.name: forms.ChoiceField(
                label=self.label,
                required=False,
                choices=[("", ALL), *self.choices],
                error_messages={"invalid_choice": NO_SUCH_VALUE},
            )
        }

    def q(self, data: dict) -> Q | None:
        value = data.get(self.name)
        return Q(**{self.lookup or self.name: value}) if value else None


@dataclass(frozen=True)
class AreaChoice(Choice):
    """An area among those given, and everything below it (by the rows' stored path)."""

    choices: list = field(default_factory=list)  # the Area objects offered
    lookup: str = "area_path"

    def fields(self) -> dict:
        return {
            self.name: forms.ChoiceField(
                label=self.label,
                required=False,
                choices=[("", ALL), *[(str(a.pk), _area_label(a)) for a in self.choices]],
                error_messages={"invalid_choice": NO_SUCH_VALUE},
            )
        }

    def q(self, data: dict) -> Q | None:
        value = data.get(self.name)
        if not value:
            return None
        area = next(a for a in self.choices if str(a.pk) == value)
        return Q(**{f"{self.lookup}__startswith": area.path})


def _area_label(area) -> str:
    return getattr(area, "_full_name", None) or area.name


@dataclass(frozen=True)
class Search:
    """Words typed in a box: every word must occur in one of `lookups` (icontains, so a
    Chinese word is found inside Chinese text on SQLite and PostgreSQL alike)."""

    name: str
    label: Any
    lookups: tuple
    max_length: int = 100

    def fields(self) -> dict:
        return {
            self.name: forms.CharField(
                label=self.label,
                required=False,
                max_length=self.max_length,
                widget=forms.TextInput(attrs={"type": "search"}),
                error_messages={
                    "max_length": _("Type at most %(limit_value)d characters to search.")
                },
            )
        }

    def q(self, data: dict) -> Q | None:
        words = (data.get(self.name) or "").split()[:8]
        if not words:
            return None
        q = Q()
        for word in words:
            one = Q()
            for lookup in self.lookups:
                one |= Q(**{f"{lookup}__icontains": word})
            q &= one
        return q


@dataclass(frozen=True)
class DateRange:
    """`from` and `to` (YYYY-MM-DD, both ends included) on the date of a datetime field."""

    lookup: str
    start: str = "from"
    end: str = "to"

    def fields(self) -> dict:
        def date_field(label):
            return forms.DateField(
                label=label,
                required=False,
                input_formats=["%Y-%m-%d"],
                widget=forms.DateInput(attrs={"type": "date"}),
                error_messages={"invalid": _("Enter a date as year-month-day, e.g. 2026-05-01.")},
            )

        return {
            self.start: date_field(pgettext_lazy("listing", "From")),
            self.end: date_field(pgettext_lazy("listing", "To")),
        }

    def q(self, data: dict) -> Q | None:
        q = Q()
        if data.get(self.start):
            q &= Q(**{f"{self.lookup}__date__gte": data[self.start]})
        if data.get(self.end):
            q &= Q(**{f"{self.lookup}__date__lte": data[self.end]})
        return q or None

    def check(self, data: dict) -> str | None:
        a, b = data.get(self.start), data.get(self.end)
        if a and b and a > b:
            return _("The start date is after the end date; the dates are not applied.")
        return None


@dataclass(frozen=True)
class Sort:
    key: str
    label: Any
    ordering: tuple

    def __init__(self, key, label, *ordering):
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "ordering", ordering)


class ListForm(forms.Form):
    """The GET form above a list: built from the list's filters and sorts."""

    def __init__(self, data, *, filters, sorts, **kwargs):
        kwargs.setdefault("auto_id", "lf-%s")
        super().__init__(data, **kwargs)
        for f in filters:
            self.fields.update(f.fields())
        if len(sorts) > 1:
            self.fields["sort"] = forms.ChoiceField(
                label=pgettext_lazy("listing", "Sort by"),
                required=False,
                choices=[(s.key, s.label) for s in sorts],
                error_messages={"invalid_choice": NO_SUCH_VALUE},
            )


class Listing:
    """A filtered, sorted page of `queryset` as the GET parameters ask (see the module)."""

    def __init__(self, request, queryset, *, filters=(), sorts=(), per_page: int = 20):
        self.filters = list(filters)
        self.sorts = list(sorts)
        params = request.GET
        self.form = ListForm(params, filters=self.filters, sorts=self.sorts)
        self.form.is_valid()
        data = getattr(self.form, "cleaned_data", {})
        self.errors = [
            f"{self.form.fields[name].label}: {' '.join(str(m) for m in errs)}"
            for name, errs in self.form.errors.items()
            if name in self.form.fields
        ]
        bad = set(self.form.errors)
        for f in self.filters:
            message = getattr(f, "check", lambda d: None)(data)
            if message:
                self.errors.append(str(message))
                bad |= set(f.fields())
        good = {k: v for k, v in data.items() if k not in bad}
        qs = queryset
        for f in self.filters:
            if set(f.fields()) & bad:
                continue
            q = f.q(good)
            if q is not None:
                qs = qs.filter(q)
        sort = next((s for s in self.sorts if s.key == good.get("sort")), None)
        sort = sort or (self.sorts[0] if self.sorts else None)
        if sort is not None:
            qs = qs.order_by(*sort.ordering)
        self.sort = sort
        self.values = {k: v for k, v in good.items() if v not in (None, "")}
        self.active = any(k != "sort" for k in self.values)
        self.page = CappedPaginator(qs, per_page).get_page(params.get("page"))
        # Page links keep the filters that applied, never a refused value.
        self.keep = " ".join(name for name in self.form.fields if name in self.values)
        self.bad = bad

    @property
    def rows(self):
        return self.page.object_list

    @rows.setter
    def rows(self, value):
        self.page.object_list = value


@dataclass(frozen=True)
class DayRange(DateRange):
    """`from` and `to` on a date field (DateRange is for datetimes)."""

    def q(self, data: dict) -> Q | None:
        q = Q()
        if data.get(self.start):
            q &= Q(**{f"{self.lookup}__gte": data[self.start]})
        if data.get(self.end):
            q &= Q(**{f"{self.lookup}__lte": data[self.end]})
        return q or None


def areas_under(roots) -> list:
    """The districts, streets and communities at or below `roots` a list may be filtered by:
    one query, each labelled by its place in the tree (indented by depth)."""
    from portal.models import Area
    from portal.scoping import area_q

    roots = [r for r in roots if r is not None]
    if not roots:
        return []
    areas = list(
        Area.objects.filter(
            area_q(roots, "path"),
            kind__in=[Area.Kind.DISTRICT, Area.Kind.STREET, Area.Kind.COMMUNITY],
        ).order_by("path")
    )
    for a in areas:
        a._full_name = "\u3000" * max(0, a.depth - 2) + a.name
    return areas
