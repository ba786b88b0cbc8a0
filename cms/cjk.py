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
