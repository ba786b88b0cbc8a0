"""Storing, loading and scoring classifier models; the department model.

The class model (大事/小事/私事) is `triage.modelling.build_shipped` (see
`triage/data/MODEL_CHOICE.md`), fitted by `services.training`.  The department model is
still `build_pipeline` below: character 1–3-grams, then a balanced logistic regression.

Models are `ClassifierModel` rows (joblib bytes).  Each process keeps the active model in
memory keyed by its primary key, so a retrain in the Celery worker reaches the web
processes at their next lookup of the active row.

scikit-learn is imported inside the functions that fit, split and score: it is heavy
(about a second and tens of MB), and a web process that only predicts with a stored
pipeline never needs those imports (joblib brings in what unpickling needs).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import threading
from pathlib import Path

import joblib

from .models import ClassifierModel

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED_CLASS = DATA_DIR / "seed_class.csv"
SEED_DEPARTMENT = DATA_DIR / "seed_department.csv"
HOLDOUT_SEED = 20260405
HOLDOUT_FRACTION = 0.2

logger = logging.getLogger(__name__)
_cache: dict[str, tuple[int, object]] = {}
_lock = threading.Lock()
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACE.sub(" ", (text or "").strip())


def build_pipeline(c: float = 8.0):
    """Character 1–3-grams (char_wb) into a balanced logistic regression.

    jieba word features were tried: with them 5-fold macro-F1 on the seed set fell from
    0.908 to 0.887 (words split the many spoken variants apart), so they are left out.
    """
    # scikit-learn is heavy: imported only where a model is fitted (see the module docstring).
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)),
            ("clf", LogisticRegression(C=c, class_weight="balanced", max_iter=2000)),
        ]
    )


def read_csv(path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            text, label = normalise(row.get("text", "")), (row.get("label") or "").strip()
            if text and label:
                texts.append(text)
                labels.append(label)
    return texts, labels


def data_hash(texts: list[str], labels: list[str]) -> str:
    h = hashlib.sha256()
    for t, lab in zip(texts, labels, strict=True):
        h.update(f"{t}\t{lab}\n".encode())
    return h.hexdigest()


def split_holdout(texts, labels):
    """The fixed stratified 80/20 split of a seed file: (train, holdout) pairs."""
    from sklearn.model_selection import train_test_split

    tr_x, ho_x, tr_y, ho_y = train_test_split(
        texts, labels, test_size=HOLDOUT_FRACTION, random_state=HOLDOUT_SEED, stratify=labels
    )
    return (list(tr_x), list(tr_y)), (list(ho_x), list(ho_y))


def fit(texts: list[str], labels: list[str]):
    pipe = build_pipeline()
    pipe.fit([normalise(t) for t in texts], labels)
    return pipe


def dumps(pipe) -> bytes:
    buf = io.BytesIO()
    joblib.dump(pipe, buf, compress=3)
    return buf.getvalue()


def loads(blob: bytes):
    return joblib.load(io.BytesIO(bytes(blob)))


def evaluate(pipe, texts: list[str], labels: list[str]) -> dict:
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
    )

    pred = list(pipe.predict([normalise(t) for t in texts]))
    names = sorted(set(labels) | set(pred))
    p, r, f, s = precision_recall_fscore_support(labels, pred, labels=names, zero_division=0)
    return {
        "n": len(labels),
        "accuracy": float(accuracy_score(labels, pred)),
        "macro_f1": float(f1_score(labels, pred, labels=sorted(set(labels)), average="macro")),
        "labels": names,
        "per_class": {
            n: {
                "precision": float(p[i]),
                "recall": float(r[i]),
                "f1": float(f[i]),
                "support": int(s[i]),
            }
            for i, n in enumerate(names)
        },
        "confusion": confusion_matrix(labels, pred, labels=names).tolist(),
    }


def format_report(m: dict) -> str:
    lines = [f"samples={m['n']}", f"accuracy={m['accuracy']:.3f}", "", "per class:"]
    width = max(len(n) for n in m["labels"]) + 2
    lines.append(f"{'label':<{width}} precision recall  f1     support")
    for n in m["labels"]:
        c = m["per_class"][n]
        lines.append(
            f"{n:<{width}} {c['precision']:.3f}     {c['recall']:.3f}   "
            f"{c['f1']:.3f}  {c['support']}"
        )
    lines += ["", "confusion matrix (rows = true, columns = predicted):"]
    lines.append(" " * width + " ".join(f"{n[:6]:>6}" for n in m["labels"]))
    for n, row in zip(m["labels"], m["confusion"], strict=True):
        lines.append(f"{n:<{width}}" + " ".join(f"{v:>6}" for v in row))
    lines.append(f"macro_f1={m['macro_f1']:.3f}")
    return "\n".join(lines)


def active_record(target: str):
    """The active model's row for `target` (without its bytes), or None."""
    return ClassifierModel.objects.filter(target=target, is_active=True).defer("blob").first()


def active(target: str):
    """(record, pipeline) of the active model for `target`, or (None, None).

    An active model whose stored blob cannot be loaded gives (record, None): the caller
    then leaves the request to people (the manual queue) instead of failing."""
    record = active_record(target)
    if record is None:
        return None, None
    cached = _cache.get(target)
    if cached is None or cached[0] != record.pk:
        with _lock:
            cached = _cache.get(target)
            if cached is None or cached[0] != record.pk:
                blob = ClassifierModel.objects.values_list("blob", flat=True).get(pk=record.pk)
                try:
                    model = loads(blob)
                except Exception:  # noqa: BLE001 — a corrupt blob must not break intake
                    logger.exception("%s v%s cannot be loaded", target, record.version)
                    return record, None
                cached = (record.pk, model)
                _cache[target] = cached
    pipe = cached[1]
    return record, pipe


def predict_with(pipe, text: str) -> dict[str, float]:
    probs = pipe.predict_proba([normalise(text)])[0]
    return {str(c): float(p) for c, p in zip(pipe.classes_, probs, strict=True)}
