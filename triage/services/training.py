"""Training the classifier: a model from texts and labels, the shipped default, and the
nightly retrain on staff corrections.

The class model is `modelling.build_shipped` (the ensemble chosen in MODEL_CHOICE.md), its
清单 features read from the active `MatterType` rows, its per-class thresholds stored in
`ClassifierModel.metrics["thresholds"]` (label -> probability); `request_classify` sends a
request below its class's threshold to the manual queue.  The department model stays the
plain character LR (`classifier.build_pipeline`).

A new model is loaded back from its stored bytes before it is activated: one that cannot
load is refused and the active model stays active.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import classifier, modelling
from ..models import CSV_LABELS, ClassifierModel, Label, MatterType

CLASS_LABELS = tuple(CSV_LABELS)  # 大事, 小事, 私事
_LABEL_OF = {v: k for k, v in CSV_LABELS.items()}


def matters_for_training() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """The active 三事分流清单 as `MatterFeatures` takes it: (code, 大事/小事/私事, keywords)."""
    rows = MatterType.objects.filter(is_active=True).order_by("request_class", "order", "pk")
    return tuple(
        (m.code, _LABEL_OF[m.request_class], tuple(m.keyword_list()))
        for m in rows
        if m.request_class in _LABEL_OF
    )


def _refuse_unloadable(blob: bytes) -> None:
    try:
        modelling.loads_checked(blob)
    except modelling.ModelLoadError as exc:
        raise ValidationError(
            _("The model cannot be loaded (%(error)s); the active model stays active.")
            % {"error": str(exc)[:200]},
            code="unloadable",
        ) from exc


def _fit_class_model(texts, labels, holdout, thresholds, folds):
    model, thresholds, oof = modelling.fit_with_thresholds(
        texts, labels, matters=matters_for_training() or None, folds=folds, thresholds=thresholds
    )
    metrics = {"model": modelling.CHOSEN, "thresholds": thresholds}
    if oof:
        metrics["out_of_fold"] = oof
    if holdout and holdout[0]:
        hx = [classifier.normalise(t) for t in holdout[0]]
        probs = model.predict_proba(hx)
        classes = [str(c) for c in model.classes_]
        decisions = modelling.apply_thresholds(probs, classes, thresholds)
        report = modelling.threshold_report(decisions, holdout[1])
        metrics["holdout"] = {
            **classifier.evaluate(model, *holdout),
            "ece": round(
                modelling.expected_calibration_error(probs, holdout[1], classes=classes), 4
            ),
            "manual_share": round(report["manual_share"], 4),
            "auto_accuracy": round(report["auto_accuracy"], 4),
        }
    return model, metrics


def model_train(
    *,
    texts: list[str],
    labels: list[str],
    target: str,
    source: str = "",
    holdout: tuple[list[str], list[str]] | None = None,
    activate: bool = True,
    thresholds: dict[str, float] | None = None,
    folds: int = 5,
) -> ClassifierModel:
    """Fit, store and (by default) activate a new version.

    For the class target, `thresholds` (label -> probability) are stored as given, or else
    fitted on `folds`-fold out-of-fold probabilities (see `modelling.fit_with_thresholds`).
    The fitting runs outside any transaction (it takes seconds); storing and activating is
    one transaction.
    """
    if target not in ClassifierModel.Target.values:
        raise ValidationError(_("Unknown target."))
    if not texts:
        raise ValidationError(_("There is nothing to train on."), code="empty")
    if len(set(labels)) < 2:
        raise ValidationError(_("Training needs at least two different labels."))
    if target == ClassifierModel.Target.CLASS:
        bad = sorted(set(labels) - set(CLASS_LABELS))
        if bad:
            raise ValidationError(
                _("Unknown labels: %(labels)s. Allowed: %(allowed)s.")
                % {"labels": "、".join(bad[:10]), "allowed": "、".join(CLASS_LABELS)},
                code="labels",
            )
        few = sorted(x for x in set(labels) if labels.count(x) < modelling.MIN_ROWS_PER_LABEL)
        if few:
            raise ValidationError(
                _("Every label needs at least %(n)s rows; too few: %(labels)s.")
                % {"n": modelling.MIN_ROWS_PER_LABEL, "labels": "、".join(few)},
                code="few",
            )
        pipe, metrics = _fit_class_model(texts, labels, holdout, thresholds, folds)
    else:
        pipe = classifier.fit(texts, labels)
        metrics = {}
        if holdout and holdout[0]:
            metrics["holdout"] = classifier.evaluate(pipe, *holdout)
    metrics["train"] = classifier.evaluate(pipe, texts, labels)
    blob = classifier.dumps(pipe)
    _refuse_unloadable(blob)
    with transaction.atomic():
        last = (
            ClassifierModel.objects.select_for_update()
            .filter(target=target)
            .order_by("-version")
            .first()
        )
        record = ClassifierModel.objects.create(
            target=target,
            version=(last.version + 1) if last else 1,
            blob=blob,
            data_hash=classifier.data_hash(texts, labels),
            n_samples=len(texts),
            labels=sorted(set(labels)),
            metrics=metrics,
            source=source[:200],
        )
        if activate:
            _activate(record)
    return record


@transaction.atomic
def model_activate(*, model: ClassifierModel) -> ClassifierModel:
    """Make `model` the active version of its target, if its stored bytes load."""
    blob = ClassifierModel.objects.values_list("blob", flat=True).get(pk=model.pk)
    _refuse_unloadable(bytes(blob))
    return _activate(model)


def _activate(model: ClassifierModel) -> ClassifierModel:
    ClassifierModel.objects.filter(target=model.target, is_active=True).exclude(pk=model.pk).update(
        is_active=False
    )
    ClassifierModel.objects.filter(pk=model.pk).update(is_active=True)
    model.is_active = True
    return model


def seed_training_data(target: str):
    """((train texts, labels), (holdout texts, labels)) of the shipped seed set.

    Class: `seed_v2.csv` and its own held-out file `seed_v2_holdout.csv`.  Department: the
    fixed stratified 80/20 split of `seed_department.csv`.
    """
    if target == ClassifierModel.Target.CLASS:
        return (
            modelling.read_labelled_csv(modelling.SEED_V2),
            modelling.read_labelled_csv(modelling.SEED_V2_HOLDOUT),
        )
    texts, labels = classifier.read_csv(classifier.SEED_DEPARTMENT)
    return classifier.split_holdout(texts, labels)


def model_ensure_default(target: str = "class") -> ClassifierModel:
    """The shipped model: trained on the seed set (not its held-out part).  The class model
    takes the thresholds measured on the seed set (`modelling.SEED_THRESHOLDS`) rather than
    fitting five more models."""
    existing = ClassifierModel.objects.filter(target=target, is_active=True).first()
    if existing is not None:
        return existing
    (tx, ty), holdout = seed_training_data(target)
    thresholds = None
    if target == ClassifierModel.Target.CLASS:
        thresholds = dict(modelling.SEED_THRESHOLDS)
    return model_train(
        texts=tx,
        labels=ty,
        target=target,
        holdout=holdout,
        source=f"seed:{target}",
        thresholds=thresholds,
    )


def model_retrain(target: str = "class") -> ClassifierModel | None:
    """Seed training part + every staff label (a staff label replaces the seed's label of the
    same text); skipped when the data did not change.  The class model's thresholds are
    refitted on out-of-fold probabilities, so the corrections move them too."""
    (tx, ty), holdout = seed_training_data(target)
    labels = list(Label.objects.filter(target=target).values_list("text", "label"))
    texts, ys = modelling.combine_with_seed(
        [t for t, _lab in labels], [lab for _t, lab in labels], tx, ty
    )
    digest = classifier.data_hash(texts, ys)
    current = ClassifierModel.objects.filter(target=target, is_active=True).first()
    if current is not None and current.data_hash == digest:
        return None
    return model_train(
        texts=texts, labels=ys, target=target, holdout=holdout, source=f"seed+{len(labels)} labels"
    )
