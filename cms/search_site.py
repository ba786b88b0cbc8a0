"""Reading the site search: one query over `SearchDocument`, facets, snippets (issue 14).

`site_search()` answers a page of results with facets by type and by area in a constant
number of queries (one GROUP BY for both facets and the total, the facet areas' names,
the page; one more to look up an area filter),
whatever the number of results.  Who sees what: documents hold only what their audience
may read (see cms/search_models.py); members-only documents (the reward catalogue) need a
signed-in user.

Matching: the query is reduced to plain terms (`cjk.safe_query`), CJK runs become their
bigrams (`cjk.query_text`), and every term must be a token of the document: on
PostgreSQL through the GIN index over the stored `to_tsvector('simple', tokens)`, on SQLite by
matching the space-padded token.  So "路灯" finds "小区路灯坏了" on both.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import reduce
from operator import and_
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, Case, Count, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from portal.models import Area

from .cjk import CJK_RUN, MAX_QUERY_TERMS, query_text, safe_query
from .search_models import SearchDocument

PER_PAGE = 10
MAX_AREA_FACETS = 20
SNIPPET_CHARS = 120
RANK_LIMIT = 2000  # up to this many matches, title matches come first (see site_search)
MAX_TOKENS = 48  # bigrams of a long CJK run are many; a query needs far fewer to be precise
# The facets and the total count at most this many matches: a word in most of 100,000
# documents would otherwise be grouped in full on every search (p95 ~130 ms in
# bench/search.py).  Above it the counts are shown as lower bounds ("2000+").  With the
# cap: p50 32.6 ms, p95 85.2 ms at 100,000 documents on PostgreSQL (bench/search.py).
FACET_LIMIT = 2000


def query_tokens(query: str) -> list[str]:
    """The index tokens a query requires, in order, each once."""
    tokens = query_text(safe_query(query)).lower().split()
    return list(dict.fromkeys(tokens))[:MAX_TOKENS]


def _match(tokens: list[str]) -> Q:
    if connection.vendor == "postgresql":
        # Terms hold only letters and digits (safe_query), so quoting each is enough.
        tsquery = " & ".join(f"'{t}'" for t in tokens)
        return Q(
            RawSQL(
                # `tsv`: to_tsvector('simple', tokens), stored and GIN-indexed (0005)
                "tsv @@ to_tsquery('simple'::regconfig, %s)",
                [tsquery],
                output_field=BooleanField(),
            )
        )
    return reduce(and_, [Q(tokens__contains=f" {t} ") for t in tokens])


def visible_documents(user):
    qs = SearchDocument.objects.all()
    if not getattr(user, "is_authenticated", False):
        qs = qs.filter(audience=SearchDocument.Audience.PUBLIC)
    return qs


# --- snippets ----------------------------------------------------------------------------


def _needles(query: str) -> re.Pattern | None:
    words = safe_query(query).split()[:MAX_QUERY_TERMS]
    parts = set(words)
    for w in words:  # a word typed in pieces is still marked where its bigrams stand
        for run in CJK_RUN.findall(w):
            parts.update(run[i : i + 2] for i in range(len(run) - 1))
    parts = sorted((p for p in parts if p), key=len, reverse=True)
    if not parts:
        return None
    return re.compile("|".join(re.escape(p) for p in parts), re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern | None, *, limit: int | None = None) -> SafeString:
    """`text` escaped, each match of `pattern` in <mark>; cut to `limit` characters around
    the first match, with an ellipsis where it was cut."""
    text = " ".join((text or "").split())
    if limit and len(text) > limit:
        first = pattern.search(text) if pattern else None
        start = max(0, first.start() - limit // 3) if first else 0
        end = min(len(text), start + limit)
        text = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    if pattern is None:
        return escape(text)
    out, pos = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[pos : m.start()]))
        out.append(f"<mark>{escape(m.group())}</mark>")
        pos = m.end()
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above


# --- the search --------------------------------------------------------------------------


@dataclass
class Facet:
    value: str
    label: str
    count: int
    selected: bool
    url: str = ""
    capped: bool = False  # counted among the first FACET_LIMIT matches only: "n+"


def _link(query: str, kind: str, area: str) -> str:
    """The search page's address for these filters (a selected facet's link clears it)."""
    params = [("q", query)] + [(k, v) for k, v in (("type", kind), ("area", area)) if v]
    return "?" + urlencode(params)


@dataclass
class SearchResults:
    query: str
    page: Page | None = None
    kinds: list[Facet] = field(default_factory=list)
    areas: list[Facet] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    kind: str = ""
    area: str = ""
    capped: bool = False  # more than FACET_LIMIT matches: the total and counts are "n+"

    @property
    def total(self) -> int:
        return self.page.paginator.count if self.page else 0


def _area_filter(code: str, errors: list[str]) -> Area | None:
    if not code:
        return None
    found = Area.objects.filter(code=code[:64]).only("pk", "name", "code").first()
    if found is None:
        errors.append(
            _("There is no area “%(area)s”; showing results from every area.") % {"area": code[:64]}
        )
    return found


def site_search(*, query: str, user, kind: str = "", area: str = "", page=1) -> SearchResults:
    """A page of what `user` may find for `query`, with facets; bad filters are dropped
    with a message (never an error page)."""
    result = SearchResults(query=query)
    tokens = query_tokens(query)
    if not tokens:
        return result
    if kind and kind not in SearchDocument.Kind.values:
        result.errors.append(
            _("There is no type “%(kind)s”; showing every type.") % {"kind": kind[:40]}
        )
        kind = ""
    area_obj = _area_filter(area, result.errors)
    result.kind, result.area = kind, area_obj.code if area_obj else ""

    found = visible_documents(user).filter(_match(tokens))

    # One GROUP BY (type, area) over the matches gives both facets and the total: the type
    # facet counts within the chosen area, the area facet within the chosen type.  It
    # groups at most FACET_LIMIT + 1 matches (a LIMITed subquery): one more than the cap
    # tells that there are more, and then every count is a lower bound.
    limit = FACET_LIMIT
    sample = SearchDocument.objects.filter(pk__in=found.order_by().values("pk")[: limit + 1])
    by_kind, by_area = Counter(), Counter()
    seen = 0
    for k, a, n in sample.order_by().values_list("kind", "area_id").annotate(n=Count("pk")):
        seen += n
        if area_obj is None or a == area_obj.pk:
            by_kind[k] += n
        if a is not None and (not kind or k == kind):
            by_area[a] += n
    capped = result.capped = seen > limit
    labels = dict(SearchDocument.Kind.choices)
    area_code = result.area
    result.kinds = [
        Facet(
            value,
            str(labels[value]),
            by_kind[value],
            value == kind,
            _link(query, "" if value == kind else value, area_code),
            capped,
        )
        for value in SearchDocument.Kind.values
        if by_kind[value]
    ]
    top = dict(by_area.most_common(MAX_AREA_FACETS))
    if area_obj is not None and area_obj.pk in by_area:
        top[area_obj.pk] = by_area[area_obj.pk]  # the chosen area stays in view
    names = Area.objects.filter(pk__in=list(top)).values_list("pk", "code", "name") if top else []
    result.areas = sorted(
        (
            Facet(code, name, top[pk], code == area_code, _link(query, kind, code), capped)
            for pk, code, name in names
        ),
        key=lambda f: (-f.count, f.label),
    )
    for f in result.areas:
        if f.selected:  # a chosen area's link clears it
            f.url = _link(query, kind, "")

    words = safe_query(query).lower().split()[:MAX_QUERY_TERMS]
    in_title = Case(
        When(reduce(and_, [Q(title__icontains=w) for w in words]), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = found.filter(kind=kind) if kind else found
    rows = rows.filter(area=area_obj) if area_obj else rows
    total = by_kind[kind] if kind else sum(by_kind.values())
    if capped and (kind or area_obj):
        # The sample's count of the chosen type or area is only a lower bound: count the
        # filtered matches themselves, again at most FACET_LIMIT + 1 (one more query).
        total = rows.order_by()[: limit + 1].count()
        result.capped = capped = total > limit
    if capped:
        total = limit  # pages up to the cap; past it, narrow the search
    rows = rows.select_related("area").only(
        "kind", "title", "body", "url", "updated_at", "area__name", "area__code"
    )
    if not capped and total <= RANK_LIMIT:
        # Few matches: those with every word in the title first, then the newest.
        rows = rows.annotate(in_title=in_title).order_by("-in_title", "-updated_at", "-pk")
    else:
        # Many (a word in most documents): newest first, read along the date index, which
        # stops after a page instead of testing every match's title.
        rows = rows.order_by("-updated_at", "-pk")
    paginator = Paginator(rows, PER_PAGE)
    paginator.count = total  # counted by the facets' GROUP BY: no count(*) again
    result.page = paginator.get_page(page)

    pattern = _needles(query)
    for doc in result.page.object_list:
        doc.title_html = highlight(doc.title, pattern)
        doc.snippet_html = highlight(doc.body, pattern, limit=SNIPPET_CHARS)
        doc.kind_label = labels.get(doc.kind, "")
    return result
