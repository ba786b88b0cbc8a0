"""Wagtail's database search backend, taught to find Chinese words inside Chinese text.

Indexing: pages and snippets add `index.SearchField("search_cjk")` (see
`cms.models.CJKSearchMixin`), which yields the CJK bigrams of their text.
Querying: this backend rewrites the query's CJK runs into the same bigrams and requires
all of them (operator "and"), on SQLite FTS5 and PostgreSQL alike.
"""

from modelsearch.backends import database as database_backends

from .cjk import has_cjk, query_text


def _cjk_search(search_method):
    def search(self, query, model_or_queryset, fields=None, operator=None, *args, **kwargs):
        if isinstance(query, str) and has_cjk(query):
            query = query_text(query)
            operator = "and"
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
