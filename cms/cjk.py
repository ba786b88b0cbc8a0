"""Chinese text for full-text search, without a dictionary.

SQLite FTS5 and PostgreSQL's text search both treat a run of Chinese characters as one
token, so "漏水" never matches "家中漏水该找谁".  We index every run of CJK characters as
its overlapping character bigrams (plus each single character), the scheme Lucene's
CJKAnalyzer uses, and turn a query's CJK runs into the same bigrams joined by AND.  It
needs no word list, so new words (place names, estates) are found as well as old ones.
"""

import re

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_text(text: str) -> str:
    """Tokens to add to the index for `text`: unigrams and bigrams of each CJK run."""
    tokens: list[str] = []
    for run in CJK_RUN.findall(text or ""):
        tokens.extend(run)
        tokens.extend(_bigrams(run) if len(run) > 1 else [])
    return " ".join(tokens)


def query_text(query: str) -> str:
    """Rewrite a query so each CJK run becomes its bigrams; other words stay as typed."""
    spaced = CJK_RUN.sub(lambda m: " " + " ".join(_bigrams(m.group())) + " ", query or "")
    return " ".join(spaced.split())


def has_cjk(text: str) -> bool:
    return bool(CJK_RUN.search(text or ""))


# Letters, digits and marks of any script (CJK included); everything else separates terms.
_TERM = re.compile(r"[^\W_]+")
MAX_QUERY_TERMS = 32
MAX_TERM_LENGTH = 50


def safe_query(query: str) -> str:
    """Plain search terms from whatever was typed: no search-engine syntax survives.

    SQLite FTS5 fails on a lone `"` and reads `*`, `^`, `:`, `(`, `-`, NEAR as operators;
    PostgreSQL refuses NUL.  Only runs of letters and digits are kept (each at most
    MAX_TERM_LENGTH characters, at most MAX_QUERY_TERMS of them); bare AND, OR, NOT and
    NEAR stay ordinary words because the backend quotes every term it sends.
    """
    terms = _TERM.findall(query or "")[:MAX_QUERY_TERMS]
    return " ".join(term[:MAX_TERM_LENGTH] for term in terms)
