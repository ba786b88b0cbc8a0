"""Candidate 三事分流 models, compared by evidence (issue #10, second part).

The portal serves `CHOSEN` (`build_shipped`): `services.training` fits it, with per-class
thresholds stored beside it, and `services.classification` applies them.  This module also
holds what `triage_compare` and `triage_learning_curve` measure (MODEL_CHOICE.md).  Every class
a pickled model refers to lives here at module level: a web process unpickles it by importing
`triage.modelling`.

Pieces:

* `normalise_text` puts placeholders in place of dates, times, sums, phone numbers and other
  digits, so that a model does not learn "2023年5月8日" or "601" as a signal and copes with the
  long letters of a real city, full of such details.
* `MatterFeatures`: one feature per matter type of the 三事分流清单
  (`data/sanshi_matters.csv`) and one per label: how many of its keywords the text contains.
* `CANDIDATES`: the pipelines compared (the current `classifier.build_pipeline` as the
  baseline, plus four others).  `CHOSEN` names the one MODEL_CHOICE.md argues for.
* `fit_thresholds` / `apply_thresholds`: per-class decision thresholds fitted on out-of-fold
  probabilities; below its class's threshold a request is "manual" (waits in the manual queue).
* `expected_calibration_error`.
* `learning_curve`: macro-F1 on a city's own held-out rows against how many of its labelled rows
  were added to the seed set.
* `read_labelled_csv`: a `text,label` CSV in UTF-8 (with or without BOM) or GBK/GB18030, with
  clear refusals (`CsvError`) for empty, label-less or unknown-label files.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import jieba
import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, recall_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from . import classifier

# jieba prints its dictionary loading to stderr unless told otherwise.
jieba.setLogLevel(logging.WARNING)

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED_V2 = DATA_DIR / "seed_v2.csv"
SEED_V2_HOLDOUT = DATA_DIR / "seed_v2_holdout.csv"
MATTERS = DATA_DIR / "sanshi_matters.csv"
CLASS_LABELS = ("大事", "小事", "私事")
MANUAL = "manual"
RANDOM_STATE = 20261205

# --------------------------------------------------------------------------- text


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_PATTERNS = [
    # phone numbers (mobile, landline) before any other digits
    (re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)"), "Ⓟ"),
    # dates: 2023年5月8日, 2023-05-08, 5月8日, 5月, 8日, 2023年
    (
        re.compile(
            r"\d{4}年(?:\d{1,2}月)?(?:\d{1,2}[日号])?|\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?"
            r"|(?<!\d)\d{1,2}月(?:\d{1,2}[日号])?|(?<!\d)\d{1,2}日"
        ),
        "Ⓓ",
    ),
    # times: 21:30, 9点 (numbers in Chinese numerals, 两点, are left alone)
    (re.compile(r"\d{1,2}[:：]\d{2}|\d{1,2}[点時时](?:\d{1,2}分?)?"), "Ⓣ"),
    # sums of money: 3000元, 1.2万元, 500块, ￥88
    (re.compile(r"[￥¥]\s*\d+(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:万元|万|元|块钱|块)"), "Ⓜ"),
    # any other number (door numbers, building numbers, areas, counts)
    # (the public hotlines 12345, 12315, 12333… stay: they say which channel a resident used)
    (re.compile(r"(?<!\d)(?!123\d\d(?!\d))\d+(?:\.\d+)?"), "Ⓝ"),
]


def normalise_text(text: str) -> str:
    """Whitespace folded, ASCII lower-cased, numbers replaced by placeholders."""
    text = classifier.normalise(text)
    text = text.translate(_FULLWIDTH_DIGITS).lower()
    for pattern, placeholder in _PATTERNS:
        text = pattern.sub(placeholder, text)
    return re.sub(r"\s+", " ", text).strip()


def jieba_tokens(text: str) -> list[str]:
    """Words of `text` by jieba (imported lazily; jieba prints to stderr on first load)."""

    jieba.setLogLevel(logging.WARNING)
    return [w for w in jieba.lcut(text) if w.strip()]


# --------------------------------------------------------------------------- 清单 features


def load_matters(path=MATTERS) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["keywords"] = [k.strip().lower() for k in row["keywords"].split("|") if k.strip()]
    return rows


def matter_rows(matters) -> list[dict]:
    """`matters` as given to `MatterFeatures`: (code, label, keywords) triples -> dicts."""
    return [
        {"code": code, "label": label, "keywords": [k.strip().lower() for k in kws if k.strip()]}
        for code, label, kws in matters
    ]


class MatterFeatures(BaseEstimator, TransformerMixin):
    """Keyword hits of the 三事分流清单: one column per matter type, one per label.

    Each column is log1p(number of the matter's keywords found in the text); the label columns
    add up their matters.  The matrix is sparse so that it joins TF-IDF in a FeatureUnion.
    `weight` scales the block against the TF-IDF block (whose rows have unit norm).

    The list is read at fit time and kept in the fitted model: `matters` — (code, label
    大事/小事/私事, keywords) triples, which the product passes from the active
    `MatterType` rows (`services.training.matters_for_training`) — or else the CSV at `path`
    (default `data/sanshi_matters.csv`, which the offline comparisons use so that their figures
    do not depend on a database).
    """

    def __init__(self, weight: float = 0.5, path: str | None = None, matters=None):
        self.weight = weight
        self.path = path
        self.matters = matters

    def fit(self, texts, y=None):
        if self.matters:
            matters = matter_rows(self.matters)
        else:
            matters = load_matters(self.path or MATTERS)
        self.codes_ = [m["code"] for m in matters]
        self.keywords_ = [m["keywords"] for m in matters]
        self.labels_ = sorted({m["label"] for m in matters})
        self.matter_label_ = np.array([self.labels_.index(m["label"]) for m in matters])
        return self

    def get_feature_names_out(self, input_features=None):
        return np.array([f"matter:{c}" for c in self.codes_] + [f"label:{x}" for x in self.labels_])

    def transform(self, texts):

        hits = np.zeros((len(texts), len(self.codes_)), dtype=float)
        for i, text in enumerate(texts):
            text = (text or "").lower()
            for j, words in enumerate(self.keywords_):
                hits[i, j] = sum(1 for w in words if w in text)
        per_label = np.zeros((len(texts), len(self.labels_)))
        for k in range(len(self.labels_)):
            per_label[:, k] = hits[:, self.matter_label_ == k].sum(axis=1)
        block = np.log1p(np.hstack([hits, per_label])) * self.weight
        return sparse.csr_matrix(block)


# --------------------------------------------------------------------------- candidates


def _normaliser():

    return FunctionTransformer(_normalise_many, validate=False)


def _normalise_many(texts):
    return [normalise_text(t) for t in texts]


def _chars(ngrams=(1, 4)):

    return TfidfVectorizer(
        analyzer="char", ngram_range=ngrams, sublinear_tf=True, min_df=2, max_df=0.9
    )


def _words():

    return TfidfVectorizer(
        tokenizer=jieba_tokens,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=2,
        max_df=0.9,
    )


def build_char_lr(c: float = 10.0):
    """Placeholders for numbers, character 1–4-grams (min_df 2), balanced logistic regression."""

    return Pipeline(
        [
            ("norm", _normaliser()),
            ("chars", _chars()),
            ("clf", LogisticRegression(C=c, class_weight="balanced", max_iter=3000)),
        ]
    )


def build_char_word_svm(c: float = 0.5):
    """Placeholders, character 1–3-grams + jieba word 1–2-grams, linear SVM calibrated (sigmoid)."""

    return Pipeline(
        [
            ("norm", _normaliser()),
            ("features", FeatureUnion([("chars", _chars((1, 3))), ("words", _words())])),
            (
                "clf",
                CalibratedClassifierCV(
                    LinearSVC(C=c, class_weight="balanced"), method="sigmoid", cv=3
                ),
            ),
        ]
    )


def build_char_matters_lr(c: float = 10.0, weight: float = 0.5, matters=None):
    """`build_char_lr` plus the 清单 keyword features (MatterFeatures)."""

    return Pipeline(
        [
            ("norm", _normaliser()),
            (
                "features",
                FeatureUnion(
                    [("chars", _chars()), ("matters", MatterFeatures(weight, matters=matters))]
                ),
            ),
            ("clf", LogisticRegression(C=c, class_weight="balanced", max_iter=3000)),
        ]
    )


def build_ensemble(matters=None):
    """Soft vote of `build_char_matters_lr` and `build_char_word_svm` (probabilities averaged)."""

    return VotingClassifier(
        [
            ("char_matters_lr", build_char_matters_lr(matters=matters)),
            ("char_word_svm", build_char_word_svm()),
        ],
        voting="soft",
    )


def build_baseline():
    """The model shipped today (`classifier.build_pipeline`), on classifier.normalise'd text."""
    return classifier.build_pipeline()


CANDIDATES = {
    "baseline_char13_lr": build_baseline,
    "char14_lr": build_char_lr,
    "char_word_svm": build_char_word_svm,
    "char14_matters_lr": build_char_matters_lr,
    "ensemble": build_ensemble,
}
CHOSEN = "ensemble"  # see triage/data/MODEL_CHOICE.md


# The per-class thresholds of the shipped model fitted on the seed set alone, from
# `triage_compare`'s out-of-fold probabilities (MODEL_CHOICE.md): the migration that ships the
# model stores these instead of fitting five more models at migrate time.
SEED_THRESHOLDS = {"大事": 0.764, "小事": 0.714, "私事": 0.753}
# CalibratedClassifierCV(cv=3) inside the ensemble: every label needs 3 rows in a fit.
MIN_ROWS_PER_LABEL = 3


def build(name: str = CHOSEN):
    return CANDIDATES[name]()


def build_shipped(matters=None):
    """The model the portal serves (`CHOSEN`), its 清单 features from `matters` if given."""
    return build_ensemble(matters=matters)


def fit_with_thresholds(texts, labels, *, matters=None, folds: int = 5, thresholds=None):
    """(fitted shipped model, per-class thresholds, out-of-fold figures).

    Without `thresholds`, they are fitted (`fit_thresholds`) on `folds`-fold out-of-fold
    probabilities of the same model (so `folds` + 1 fits); the figures then hold the
    out-of-fold ECE, macro-F1 and manual share.  The calibrated SVM needs
    `MIN_ROWS_PER_LABEL` rows of each label in every fit: with fewer rows, fewer folds; too few
    for two folds, the seed set's thresholds (`SEED_THRESHOLDS`) are kept and the figures say so.
    """
    texts, labels = list(texts), list(labels)
    oof_figures: dict = {}
    if thresholds is None:
        smallest = min(Counter(labels).values())
        k = min(folds, smallest // MIN_ROWS_PER_LABEL)
        classes = sorted(set(labels))
        if k < 2:
            thresholds = {c: SEED_THRESHOLDS.get(c, 1.0) for c in classes}
            oof_figures = {"folds": 0, "thresholds_from": "seed"}
        else:
            y = np.asarray(labels)
            oof = np.zeros((len(texts), len(classes)))
            skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=RANDOM_STATE)
            for train, test in skf.split(texts, y):
                model = build_shipped(matters).fit([texts[i] for i in train], y[train])
                probs = model.predict_proba([texts[i] for i in test])
                oof[test] = probs[:, [list(model.classes_).index(c) for c in classes]]
            thresholds = fit_thresholds(oof, y, classes)
            pred = np.array(classes)[oof.argmax(axis=1)]
            report = threshold_report(apply_thresholds(oof, classes, thresholds), y)
            oof_figures = {
                "folds": k,
                "ece": round(expected_calibration_error(oof, y, classes=classes), 4),
                "macro_f1": round(scores(y, pred, classes=classes)["macro_f1"], 4),
                "manual_share": round(report["manual_share"], 4),
            }
    model = build_shipped(matters).fit(texts, labels)
    return model, {str(k): float(v) for k, v in thresholds.items()}, oof_figures


# --------------------------------------------------------------------------- calibration


def expected_calibration_error(probs, y, bins: int = 10, classes=None) -> float:
    """ECE of the top-class confidence: sum over equal-width bins of |accuracy - confidence|
    weighted by the share of rows in the bin.

    `probs` is (n, k); `y` holds either class indices or labels (then `classes` gives the
    column order, as `estimator.classes_`).
    """
    probs = np.asarray(probs, dtype=float)
    y = np.asarray(y)
    if len(y) == 0:
        return 0.0
    if classes is not None:
        index = {c: i for i, c in enumerate(classes)}
        y = np.array([index[v] for v in y])
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == y).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    # a confidence of exactly 1.0 goes into the last bin; 0.0 into the first
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(ece)


# --------------------------------------------------------------------------- thresholds


def fit_thresholds(
    probs, y, classes, target_precision: float = 0.9, rule: str = "marginal"
) -> dict[str, float]:
    """Per-class decision thresholds from out-of-fold probabilities.

    Decision: a row goes to its top class c only if its probability p_c ≥ t_c; otherwise it
    waits in the manual queue.  t_c is found among the out-of-fold rows whose top class is c:

    * rule "marginal" (default): an isotonic (monotone) fit of "the prediction was right"
      against p_c estimates the precision AT each probability; t_c is the LOWEST probability
      at which that estimate reaches `target_precision`.  A row just above t_c is then right
      with about that precision, whatever the more confident rows do.
    * rule "cumulative": t_c is the lowest probability such that the precision of ALL rows at
      or above it reaches the target.  Looser: the many very confident rows carry the
      doubtful ones (on the seed set it sends nothing to the manual queue).

    The floor is 1/k (k classes).  A class that never reaches the target gets t_c = 1.0
    (always manual) — MODEL_CHOICE.md reports it if that happens.
    """

    probs = np.asarray(probs, dtype=float)
    y = np.asarray(y)
    top = probs.argmax(axis=1)
    conf = probs.max(axis=1)
    floor = 1.0 / len(classes)
    out = {}
    for k, name in enumerate(classes):
        mask = top == k
        p, ok = conf[mask], (y[mask] == name).astype(float)
        if len(p) == 0:
            out[str(name)] = 1.0
            continue
        if rule == "marginal":
            order = np.argsort(p)
            p, ok = p[order], ok[order]
            fitted = IsotonicRegression(increasing=True, out_of_bounds="clip").fit_transform(p, ok)
            good = np.nonzero(fitted >= target_precision)[0]
            out[str(name)] = float(max(floor, p[good[0]])) if len(good) else 1.0
        elif rule == "cumulative":
            order = np.argsort(-p)  # most confident first
            p, ok = p[order], ok[order]
            precision = np.cumsum(ok) / np.arange(1, len(ok) + 1)
            good = np.nonzero(precision >= target_precision)[0]
            out[str(name)] = float(max(floor, p[good[-1]])) if len(good) else 1.0
        else:
            raise ValueError(f"unknown threshold rule {rule!r}")
    return out


def apply_thresholds(probs, classes, thresholds: dict[str, float]) -> list[str]:
    """Top class of each row, or MANUAL when its probability is below that class's threshold."""
    probs = np.asarray(probs, dtype=float)
    out = []
    for row in probs:
        k = int(row.argmax())
        name = str(classes[k])
        out.append(name if row[k] >= thresholds.get(name, 1.0) else MANUAL)
    return out


def threshold_report(decisions: list[str], y) -> dict:
    """Share sent to manual, and accuracy / macro-F1 among the rows decided automatically."""

    y = list(y)
    auto = [(d, t) for d, t in zip(decisions, y, strict=True) if d != MANUAL]
    n = len(y)
    if not auto:
        return {"manual_share": 1.0, "auto_accuracy": 0.0, "auto_macro_f1": 0.0}
    pred, true = zip(*auto, strict=True)
    return {
        "manual_share": 1 - len(auto) / n,
        "auto_accuracy": float(np.mean([a == b for a, b in auto])),
        "auto_macro_f1": float(f1_score(true, pred, labels=sorted(set(true)), average="macro")),
    }


# --------------------------------------------------------------------------- evaluation


@dataclass
class CvResult:
    name: str
    macro_f1: float
    recall: dict[str, float]
    ece: float
    fit_seconds: float
    letter_macro_f1: float | None = None
    prior_macro_f1: float | None = None
    extra_macro_f1: float | None = None
    transfer: dict | None = None
    classes: list[str] = field(default_factory=list)
    oof: np.ndarray | None = None


REAL_PRIOR = {"大事": 0.78, "小事": 0.16, "私事": 0.06}


def prior_weights(y, prior=REAL_PRIOR) -> np.ndarray:
    """Sample weights that make the class mix of `y` look like `prior` (78/16/6 by default)."""
    y = np.asarray(y)
    w = np.ones(len(y))
    for name, share in prior.items():
        mask = y == name
        if mask.any():
            w[mask] = share / mask.mean()
    return w


def scores(y, pred, registers=None, classes=CLASS_LABELS) -> dict:

    y, pred = np.asarray(y), np.asarray(pred)
    present = [c for c in classes if c in set(y)]
    out = {
        "macro_f1": float(f1_score(y, pred, labels=present, average="macro", zero_division=0)),
        "recall": dict(
            zip(
                present,
                (float(r) for r in recall_score(y, pred, labels=present, average=None)),
                strict=True,
            )
        ),
    }
    if registers is not None:
        registers = np.asarray(registers)
        letters = registers == "letter"
        if letters.any():
            ly, lp = y[letters], pred[letters]
            out["letter_macro_f1"] = float(
                f1_score(ly, lp, labels=present, average="macro", zero_division=0)
            )
            out["prior_macro_f1"] = float(
                f1_score(
                    ly,
                    lp,
                    labels=present,
                    average="macro",
                    sample_weight=prior_weights(ly),
                    zero_division=0,
                )
            )
    return out


def cross_validate(
    name: str,
    texts,
    labels,
    *,
    registers=None,
    folds: int = 5,
    extra_mask=None,
    random_state: int = RANDOM_STATE,
) -> CvResult:
    """Stratified k-fold out-of-fold probabilities for candidate `name`, and their scores.

    `extra_mask` marks rows (e.g. a city's CSV appended to the seed) whose own macro-F1 is
    reported as `extra_macro_f1`.
    """

    texts, labels = list(texts), np.asarray(labels)
    classes = sorted(set(labels))
    oof = np.zeros((len(texts), len(classes)))
    seconds = 0.0
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    for train, test in skf.split(texts, labels):
        model = build(name)
        started = time.perf_counter()
        model.fit([texts[i] for i in train], labels[train])
        seconds += time.perf_counter() - started
        probs = model.predict_proba([texts[i] for i in test])
        order = [list(model.classes_).index(c) for c in classes]
        oof[test] = probs[:, order]
    pred = np.array(classes)[oof.argmax(axis=1)]
    s = scores(labels, pred, registers, classes=classes)
    result = CvResult(
        name=name,
        macro_f1=s["macro_f1"],
        recall=s["recall"],
        ece=expected_calibration_error(oof, labels, classes=classes),
        fit_seconds=seconds / folds,
        letter_macro_f1=s.get("letter_macro_f1"),
        prior_macro_f1=s.get("prior_macro_f1"),
        classes=classes,
        oof=oof,
    )
    if extra_mask is not None and np.any(extra_mask):
        m = np.asarray(extra_mask)
        result.extra_macro_f1 = scores(labels[m], pred[m], classes=classes)["macro_f1"]
    return result


# --------------------------------------------------------------------------- learning curve


@dataclass
class CurvePoint:
    size: int  # rows of the city added to the seed (0 = seed only)
    requested: int | None  # the size asked for (None = all)
    mean: float
    sd: float
    runs: list[float]


def learning_curve(
    city_texts,
    city_labels,
    seed_texts,
    seed_labels,
    sizes=(25, 50, 100, 200, None),
    *,
    repeats: int = 3,
    test_fraction: float = 0.3,
    name: str = CHOSEN,
    random_state: int = RANDOM_STATE,
    include_seed_only: bool = True,
) -> list[CurvePoint]:
    """Macro-F1 on a fixed held-out part of the city's rows against how many of its other rows
    were added to the seed set for training.

    The city's rows are split once (stratified, `test_fraction` held out).  For each size k
    (None = all the rest), `repeats` different stratified draws of k rows from the rest are
    added to the seed, a model is fitted and scored on the held-out part; mean ± sd of the runs.
    `all` is a single run (every draw would be the same).  Sizes larger than the rest are
    skipped.  The first point (size 0) is the seed alone.
    """

    city_texts, city_labels = list(city_texts), list(city_labels)
    seed_texts, seed_labels = list(seed_texts), list(seed_labels)
    pool_x, test_x, pool_y, test_y = train_test_split(
        city_texts,
        city_labels,
        test_size=test_fraction,
        random_state=random_state,
        stratify=city_labels,
    )
    classes = sorted(set(test_y))

    def run(extra_x, extra_y) -> float:

        model = build(name)
        model.fit(seed_texts + list(extra_x), seed_labels + list(extra_y))
        pred = model.predict(test_x)
        return float(f1_score(test_y, pred, labels=classes, average="macro", zero_division=0))

    points = []
    if include_seed_only and seed_texts:
        score = run([], [])
        points.append(CurvePoint(0, 0, score, 0.0, [score]))
    for requested in sizes:
        k = len(pool_x) if requested is None else int(requested)
        if k > len(pool_x) or k <= 0:
            continue
        runs = []
        for r in range(1 if k == len(pool_x) else repeats):
            if k == len(pool_x):
                xs, ys = pool_x, pool_y
            else:
                xs, _, ys, _ = train_test_split(
                    pool_x,
                    pool_y,
                    train_size=k,
                    random_state=random_state + r,
                    stratify=pool_y if _can_stratify(pool_y, k) else None,
                )
            if len(set(seed_labels) | set(ys)) < 2:
                continue
            runs.append(run(xs, ys))
        if runs:
            points.append(CurvePoint(k, requested, float(np.mean(runs)), float(np.std(runs)), runs))
    return points


def _can_stratify(labels, k: int) -> bool:

    counts = Counter(labels)
    return k >= len(counts) and len(labels) - k >= len(counts) and min(counts.values()) >= 2


def format_curve(points: list[CurvePoint]) -> tuple[str, str]:
    """(table, summary line `learning_curve=25:0.710,50:0.740,...`)."""
    lines = [f"{'city rows':>10}  {'macro-F1':>8}  {'± sd':>6}  runs"]
    for p in points:
        label = "seed only" if p.size == 0 else str(p.size)
        lines.append(f"{label:>10}  {p.mean:8.3f}  {p.sd:6.3f}  {len(p.runs)}")
    summary = "learning_curve=" + ",".join(
        f"{'all' if p.requested is None else p.size}:{p.mean:.3f}" for p in points if p.size
    )
    return "\n".join(lines), summary


# --------------------------------------------------------------------------- data


def combine_with_seed(city_texts, city_labels, seed_texts, seed_labels):
    """Seed + a city's rows for training; a city row whose text is also in the seed wins
    (the city's correction replaces the seed's label)."""
    city = {classifier.normalise(t): lab for t, lab in zip(city_texts, city_labels, strict=True)}
    texts, labels = [], []
    for t, lab in zip(seed_texts, seed_labels, strict=True):
        if classifier.normalise(t) not in city:
            texts.append(t)
            labels.append(lab)
    return texts + list(city), labels + list(city.values())


class CsvError(ValueError):
    """A CSV that cannot be used; `code` says why (see the commands for the messages)."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (BOM or not) first, then GB18030 (a superset of GBK)."""
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise CsvError("encoding") from exc


def read_labelled_csv(path, allowed: set[str] | None = None, with_registers: bool = False):
    """(texts, labels) — or (texts, labels, registers) — of a `text,label` CSV.

    Raises CsvError: "unreadable" (no such file), "encoding", "no_header" (no text or label
    column), "empty" (no row with both a text and a label), "unknown_labels" (labels outside
    `allowed`; details["labels"] lists them).
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise CsvError("unreadable", error=str(exc)) from exc
    content, encoding = decode_bytes(raw)
    reader = csv.DictReader(io.StringIO(content, newline=""))
    fields = [(f or "").strip().lower() for f in (reader.fieldnames or [])]
    if "text" not in fields or "label" not in fields:
        raise CsvError("no_header", columns=fields)
    reader.fieldnames = fields
    texts, labels, registers = [], [], []
    for row in reader:
        text = classifier.normalise(row.get("text") or "")
        label = (row.get("label") or "").strip()
        if text and label:
            texts.append(text)
            labels.append(label)
            registers.append((row.get("register") or "").strip())
    if not texts:
        raise CsvError("empty")
    if allowed is not None:
        bad = sorted(set(labels) - set(allowed))
        if bad:
            raise CsvError("unknown_labels", labels=bad)
    if with_registers:
        return texts, labels, registers
    return texts, labels


class ModelLoadError(RuntimeError):
    pass


def loads_checked(blob: bytes, probe: str = "路灯不亮"):
    """`classifier.loads` that also proves the model predicts; ModelLoadError otherwise.

    The switch (MODEL_CHOICE.md) calls it before activating a new version, so a model that
    cannot load is refused and the active model stays active.
    """
    try:
        model = classifier.loads(blob)
        probs = model.predict_proba([probe])
        if probs.shape != (1, len(model.classes_)):
            raise ValueError("unexpected output shape")
    except Exception as exc:  # noqa: BLE001 — any failure means "cannot load"
        raise ModelLoadError(f"{type(exc).__name__}: {exc}") from exc
    return model
