"""portal.exports: one XLSX/CSV writer for the site (issue 9, finding 7)."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from portal.exports import csv_cell, csv_rows, xlsx_bytes, xlsx_cell, xml_text

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_becomes_quoted_text(text):
    assert xlsx_cell(text) == "'" + text
    assert csv_cell(text) == "'" + text


def test_control_characters_are_stripped_before_the_formula_check():
    assert xlsx_cell("路灯\x07坏了\x00") == "路灯坏了"
    assert xlsx_cell("\x07=1+1") == "'=1+1"
    assert xlsx_cell("第一行\n第二行\t完") == "第一行\n第二行\t完"
    assert xml_text("a\x07\x1b\ufffeb") == "ab"


def test_numbers_and_dates_stay_typed():
    shanghai = ZoneInfo("Asia/Shanghai")
    utc = dt.datetime(2026, 3, 1, 2, 30, tzinfo=dt.UTC)
    assert xlsx_cell(-5) == -5 and xlsx_cell(Decimal("-2.50")) == Decimal("-2.50")
    assert xlsx_cell(utc) == dt.datetime(2026, 3, 1, 10, 30)  # naive Shanghai time
    assert csv_cell(utc) == "2026-03-01T10:30:00+08:00"
    assert csv_cell(Decimal("-2.50")) == "-2.50" and csv_cell(None) == ""
    assert xlsx_cell(dt.date(2026, 3, 1)) == dt.date(2026, 3, 1)
    assert csv_cell(utc.astimezone(shanghai).date()) == "2026-03-01"


def test_a_workbook_with_hostile_text_opens_and_holds_text():
    data = xlsx_bytes([("结果\x07[1]", [["标题", *HOSTILE, "a\x07b", 3]])])
    wb = load_workbook(io.BytesIO(data))
    row = next(wb.active.iter_rows(values_only=True))
    assert row[1:6] == tuple("'" + t for t in HOSTILE[:5])
    assert row[6] in ("'\r=1", "'\n=1")  # XML reads a lone CR back as LF
    assert row[7] == "ab" and row[8] == 3
    assert wb.active.cell(1, 2).data_type == "s"


def test_csv_rows_start_with_a_bom_and_quote_formulas():
    text = "".join(csv_rows([["memo", '=HYPERLINK("http://x","y")\x07']]))
    assert text.startswith("\ufeff")
    assert '\'=HYPERLINK(""http://x"",""y"")' in text and "\x07" not in text
