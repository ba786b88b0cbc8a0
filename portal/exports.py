"""The one way the site writes spreadsheets: XLSX (openpyxl) and CSV responses.

Every cell goes through `xlsx_cell` / `csv_cell`:

- text loses the control characters XML cannot hold (what openpyxl's
  ``ILLEGAL_CHARACTERS_RE`` matches, plus U+FFFE/U+FFFF and lone surrogates; tab, newline
  and carriage return stay), so one ``\\x07`` in a resident's text can no longer fail the
  whole export;
- text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
  tab or carriage return, after that stripping) is prefixed with ``'`` (OWASP CSV
  injection), so ``=HYPERLINK(…)`` from a resident arrives as text;
- numbers, booleans and dates stay typed values; datetimes are written in Asia/Shanghai
  local time: naive in XLSX (which has no zones), ISO 8601 with ``+08:00`` in CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


def xml_text(value) -> str:
    """`value` as text XML 1.0 can hold: control characters other than tab, newline and
    carriage return, U+FFFE/U+FFFF and lone surrogates removed (for any XML writer)."""
    return _NOT_XML.sub("", ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def clean_text(value) -> str:
    text = xml_text(value)
    if text.startswith(FORMULA_START):
        text = "'" + text
    return text


def _local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:  # USE_TZ: naive means already local
        return value.replace(tzinfo=LOCAL_TZ)
    return value.astimezone(LOCAL_TZ)


def xlsx_cell(value):
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        return _local(value).replace(tzinfo=None)
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    return clean_text(value)


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return _local(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return clean_text(value)


def _sheet_title(title) -> str:
    return _SHEET_TITLE_BAD.sub(" ", clean_text(title).lstrip("'"))[:31] or "Sheet"


def xlsx_bytes(sheets: Iterable[tuple[str, Iterable[Iterable]]]) -> bytes:
    """One workbook from (title, rows) pairs; rows are streamed (write-only mode)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, rows in sheets:
        ws = wb.create_sheet(_sheet_title(title))
        for row in rows:
            ws.append([xlsx_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _attachment(response, filename: str):
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def xlsx_response(sheets, *, filename: str) -> HttpResponse:
    return _attachment(HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE), filename)


class _Echo:
    def write(self, value):
        return value


def csv_rows(rows: Iterable[Iterable]) -> Iterable[str]:
    """Lines of CSV text, a UTF-8 BOM first so spreadsheet programs read Chinese right."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([csv_cell(v) for v in row])


def csv_response(rows: Iterable[Iterable], *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_rows(rows), content_type="text/csv; charset=utf-8")
    return _attachment(response, filename)
