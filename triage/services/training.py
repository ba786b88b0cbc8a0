"""Training the classifier: a model from texts and labels, the shipped default (the seed
set minus its held-out fifth), and the nightly retrain on staff corrections."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import classifier
from ..models import ClassifierModel, Label


@transaction.atomic
def model_train(
    *,
    texts: list[str],
    labels: list[str],
    target: str,
    source: str = "",
    holdout: tuple[list[str], list[str]] | None = None,
    activate: bool = True,
) -> ClassifierModel:
    if target not in ClassifierModel.Target.values:
        raise ValidationError(_("Unknown target."))
    if len(set(labels)) < 2:
        raise ValidationError(_("Training needs at least two different labels."))
    pipe = classifier.fit(texts, labels)
    metrics = {"train": classifier.evaluate(pipe, texts, labels)}
    if holdout and holdout[0]:
        metrics["holdout"] = classifier.evaluate(pipe, *holdout)
    last = ClassifierModel.objects.filter(target=target).order_by("-version").first()
    record = ClassifierModel.objects.create(
        target=target,
        version=(last.version + 1) if last else 1,
        blob=classifier.dumps(pipe),
        data_hash=classifier.data_hash(texts, labels),
        n_samples=len(texts),
        labels=sorted(set(labels)),
        metrics=metrics,
        source=source[:200],
    )
    if activate:
        model_activate(model=record)
    return record


@transaction.atomic
def model_activate(*, model: ClassifierModel) -> ClassifierModel:
    ClassifierModel.objects.filter(target=model.target, is_active=True).exclude(pk=model.pk).update(
        is_active=False
    )
    ClassifierModel.objects.filter(pk=model.pk).update(is_active=True)
    model.is_active = True
    return model


def seed_training_data(target: str):
    path = classifier.SEED_CLASS if target == "class" else classifier.SEED_DEPARTMENT
    texts, labels = classifier.read_csv(path)
    return classifier.split_holdout(texts, labels)


def model_ensure_default(target: str = "class") -> ClassifierModel:
    """The shipped model: trained on the seed set minus its held-out fifth."""
    existing = ClassifierModel.objects.filter(target=target, is_active=True).first()
    if existing is not None:
        return existing
    (tx, ty), holdout = seed_training_data(target)
    return model_train(texts=tx, labels=ty, target=target, holdout=holdout, source=f"seed:{target}")


def model_retrain(target: str = "class") -> ClassifierModel | None:
    """Seed training part + every staff label; skipped when the data did not change."""
    (tx, ty), holdout = seed_training_data(target)
    labels = list(Label.objects.filter(target=target).values_list("text", "label"))
    texts = tx + [t for t, _lab in labels]
    ys = ty + [lab for _t, lab in labels]
    digest = classifier.data_hash(texts, ys)
    current = ClassifierModel.objects.filter(target=target, is_active=True).first()
    if current is not None and current.data_hash == digest:
        return None
    return model_train(
        texts=texts, labels=ys, target=target, holdout=holdout, source=f"seed+{len(labels)} labels"
    )
