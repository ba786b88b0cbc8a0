"""Wagtail's database search backend, taught to find Chinese words inside Chinese text,
and made safe against whatever a visitor types.

Indexing: pages and snippets add `index.SearchField("search_cjk")` (see
`cms.models.CJKSearchMixin`), which yields the CJK bigrams of their text.
Querying: this backend rewrites the query's CJK runs into the same bigrams and requires
all of them (operator "and"), on SQLite FTS5 and PostgreSQL alike.

Every query passes through `cjk.safe_query` first, here, in the one place queries reach the
database (site search, deliberation search, the Wagtail admin's searches): only letters,
digits and CJK characters survive, so FTS5 or tsquery syntax (`"`, `*`, `(`, `-`, `:`,
`^`, NUL) is never sent to the database, and a query is at most a few dozen terms.
"""

from modelsearch.backends import database as database_backends
from modelsearch.query import And, Boost, Not, Or, Phrase, PlainText

from .cjk import has_cjk, query_text, safe_query


def _safe(query):
    """The same query with every user-typed string reduced to plain search terms."""
    if isinstance(query, str):
        return safe_query(query)
    if isinstance(query, PlainText):
        return PlainText(safe_query(query.query_string), query.operator, query.boost)
    if isinstance(query, Phrase):
        return Phrase(safe_query(query.query_string))
    if isinstance(query, And | Or):
        subqueries = [q for q in map(_safe, query.subqueries) if not _empty(q)]
        if len(subqueries) < 2:
            return subqueries[0] if subqueries else ""
        return type(query)(subqueries)
    if isinstance(query, Not):
        subquery = _safe(query.subquery)
        return "" if _empty(subquery) else Not(subquery)
    if isinstance(query, Boost):
        subquery = _safe(query.subquery)
        return "" if _empty(subquery) else Boost(subquery, query.boost)
    return query


def _empty(query) -> bool:
    if isinstance(query, str):
        return not query
    return isinstance(query, PlainText | Phrase) and not query.query_string


def _cjk_search(search_method):
    def search(self, query, model_or_queryset, fields=None, operator=None, *args, **kwargs):
        query = _safe(query)
        if _empty(query):
            query = ""  # the backend answers an empty query with no results
        elif isinstance(query, str) and has_cjk(query):
            query = query_text(query)
            operator = "and"
        elif isinstance(query, PlainText) and has_cjk(query.query_string):
            query = PlainText(query_text(query.query_string), "and", query.boost)
        return search_method(self, query, model_or_queryset, fields, operator, *args, **kwargs)

    return search


_classes: dict[type, type] = {}


def SearchBackend(params):  # noqa: N802 - Wagtail looks this name up
    backend = database_backends.SearchBackend(params)
    base = type(backend)
    if base not in _classes:
        _classes[base] = type(
            f"CJK{base.__name__}",
            (base,),
            {"search": _cjk_search(base.search), "autocomplete": _cjk_search(base.autocomplete)},
        )
    backend.__class__ = _classes[base]
    return backend
