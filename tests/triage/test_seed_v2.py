"""The 三事分流 seed set v2 (triage/data/seed_v2*.csv) and its 清单 (sanshi_matters.csv).

Pure file checks: no database.  The near-duplicate check uses an inverted index of
character 3-grams so that it runs in seconds on a few thousand rows.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "triage" / "data"
MATTERS = DATA / "sanshi_matters.csv"
TRAIN = DATA / "seed_v2.csv"
HOLDOUT = DATA / "seed_v2_holdout.csv"

LABELS = {"大事", "小事", "私事"}
COLUMNS = ["text", "label", "matter", "register"]
MIN_ROWS = 2100
HOLDOUT_SHARE = 0.15
# Target share of each register (issue #10); the test allows ±10 points.
REGISTERS = {"letter": 0.55, "app": 0.20, "hotline": 0.15, "grid": 0.10}
LABEL_SHARES = {"大事": 0.60, "小事": 0.25, "私事": 0.15}
MAX_SHARED = 0.8


def _read(path):
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return reader.fieldnames, list(reader)


@pytest.fixture(scope="module")
def matters():
    fields, rows = _read(MATTERS)
    assert fields == [
        "code",
        "name",
        "label",
        "handler_kind",
        "keywords",
        "sensitive",
        "public_channel",
        "example",
    ]
    return {row["code"]: row for row in rows}


@pytest.fixture(scope="module")
def split():
    train_fields, train = _read(TRAIN)
    hold_fields, holdout = _read(HOLDOUT)
    assert train_fields == COLUMNS
    assert hold_fields == COLUMNS
    return train, holdout


@pytest.fixture(scope="module")
def rows(split):
    train, holdout = split
    return train + holdout


def test_matters_list_covers_the_three_classes(matters):
    assert 35 <= len(matters) <= 52
    by_label = Counter(m["label"] for m in matters.values())
    assert set(by_label) == LABELS
    for code, m in matters.items():
        assert code.isascii() and code == code.strip() and code
        assert m["name"] and m["handler_kind"] and m["example"]
        assert m["sensitive"] in {"true", "false"}
        keywords = m["keywords"].split("|")
        assert len(keywords) >= 3 and all(k.strip() for k in keywords), code
    # Property fees: above the approved price is 大事, service not given is 小事.
    assert matters["price_overcharge"]["label"] == "大事"
    assert matters["property_service"]["label"] == "小事"
    # One customer's refund is 私事, a business vanishing with many customers' money is 大事.
    assert matters["prepaid_refund"]["label"] == "私事"
    assert matters["business_collapse"]["label"] == "大事"
    # An owners' committee election is 小事 even when government is asked to act.
    assert matters["owners_committee"]["label"] == "小事"


def test_enough_rows_with_valid_labels_and_matters(rows, matters):
    assert len(rows) >= MIN_ROWS
    for row in rows:
        assert row["text"].strip() == row["text"] and row["text"], row
        assert "\n" not in row["text"]
        assert row["label"] in LABELS, row
        assert row["matter"] in matters, row["matter"]
        assert matters[row["matter"]]["label"] == row["label"], row
        assert row["register"] in REGISTERS, row


def test_every_matter_type_has_five_rows(rows, matters):
    counts = Counter(row["matter"] for row in rows)
    thin = {code: counts[code] for code in matters if counts[code] < 5}
    assert not thin


def test_register_and_label_proportions(rows):
    n = len(rows)
    registers = Counter(row["register"] for row in rows)
    for register, share in REGISTERS.items():
        assert abs(registers[register] / n - share) <= 0.10, (register, registers[register], n)
    labels = Counter(row["label"] for row in rows)
    for label, share in LABEL_SHARES.items():
        assert abs(labels[label] / n - share) <= 0.05, (label, labels[label], n)


def test_register_lengths(rows):
    letters = [len(r["text"]) for r in rows if r["register"] == "letter"]
    apps = [len(r["text"]) for r in rows if r["register"] == "app"]
    assert all(120 <= n <= 600 for n in letters)
    assert all(15 <= n <= 80 for n in apps)


def test_every_class_has_sensitive_rows(rows, matters):
    sensitive_labels = {
        row["label"] for row in rows if matters[row["matter"]]["sensitive"] == "true"
    }
    assert sensitive_labels == LABELS


def _grams(text):
    return {text[i : i + 3] for i in range(len(text) - 2)}


def test_no_two_rows_share_more_than_80_percent_of_their_3grams(rows):
    """Containment |A∩B| / min(|A|, |B|) over character 3-gram sets, every pair.

    Pairs sharing no 3-gram are never visited: each row only counts the earlier rows found
    through the inverted index of its own 3-grams.
    """
    grams = [_grams(row["text"]) for row in rows]
    index = defaultdict(list)
    offenders = []
    for i, g in enumerate(grams):
        shared = Counter()
        for gram in g:
            shared.update(index[gram])
        for j, count in shared.items():
            smaller = min(len(g), len(grams[j])) or 1
            if count / smaller > MAX_SHARED:
                offenders.append((rows[j]["text"][:30], rows[i]["text"][:30]))
        for gram in g:
            index[gram].append(i)
    assert not offenders


def test_the_duplicate_check_can_fail():
    a = "楼下烧烤摊天天摆到凌晨两点，油烟全往窗户里灌，晚上根本睡不着"
    b = a + "，请城管来管一管"
    shared = len(_grams(a) & _grams(b)) / min(len(_grams(a)), len(_grams(b)))
    assert shared > MAX_SHARED


def test_holdout_is_disjoint_and_stratified(split):
    train, holdout = split
    assert not {r["text"] for r in train} & {r["text"] for r in holdout}
    assert len({r["text"] for r in train + holdout}) == len(train) + len(holdout)
    whole = Counter((r["label"], r["register"]) for r in train + holdout)
    held = Counter((r["label"], r["register"]) for r in holdout)
    for stratum, n in whole.items():
        assert abs(held[stratum] - n * HOLDOUT_SHARE) <= 1, (stratum, held[stratum], n)
    assert abs(len(holdout) / (len(train) + len(holdout)) - HOLDOUT_SHARE) <= 0.02
