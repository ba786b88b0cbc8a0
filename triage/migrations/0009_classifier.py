"""Ship the chosen class model (issue #10, MODEL_CHOICE.md): the ensemble of
`triage.modelling.build_shipped`, fitted on seed_v2.csv with the active 三事分流清单 as its
清单 features, with the per-class thresholds measured on the seed set
(`modelling.SEED_THRESHOLDS`) stored in its metrics.

It replaces only the model the portal shipped before (source "seed:class", the plain
character LR of 0002): a model a city trained itself (`triage_train`) stays active.  One fit,
about 3 seconds (the thresholds are not refitted here).
"""

import re

from django.db import migrations

LABELS = {"government": "大事", "community": "小事", "private": "私事"}


def ship_ensemble(apps, schema_editor):
    from threadpoolctl import threadpool_limits

    from triage import classifier, modelling

    ClassifierModel = apps.get_model("triage", "ClassifierModel")
    MatterType = apps.get_model("triage", "MatterType")
    active = ClassifierModel.objects.filter(target="class", is_active=True).first()
    if active is not None and (active.source != "seed:class" or "thresholds" in active.metrics):
        return
    matters = tuple(
        (m.code, LABELS[m.request_class], tuple(k for k in re.split(r"[\s,，|]+", m.keywords) if k))
        for m in MatterType.objects.filter(is_active=True).order_by("request_class", "order", "pk")
    )
    texts, labels = modelling.read_labelled_csv(modelling.SEED_V2)
    hx, hy = modelling.read_labelled_csv(modelling.SEED_V2_HOLDOUT)
    with threadpool_limits(limits=1):
        model, thresholds, _oof = modelling.fit_with_thresholds(
            texts, labels, matters=matters or None, thresholds=dict(modelling.SEED_THRESHOLDS)
        )
        probs = model.predict_proba(hx)
    classes = [str(c) for c in model.classes_]
    report = modelling.threshold_report(modelling.apply_thresholds(probs, classes, thresholds), hy)
    holdout = {
        **classifier.evaluate(model, hx, hy),
        "ece": round(modelling.expected_calibration_error(probs, hy, classes=classes), 4),
        "manual_share": round(report["manual_share"], 4),
        "auto_accuracy": round(report["auto_accuracy"], 4),
    }
    last = ClassifierModel.objects.filter(target="class").order_by("-version").first()
    ClassifierModel.objects.filter(target="class", is_active=True).update(is_active=False)
    ClassifierModel.objects.create(
        target="class",
        version=(last.version + 1) if last else 1,
        blob=classifier.dumps(model),
        data_hash=classifier.data_hash(texts, labels),
        n_samples=len(texts),
        labels=sorted(set(labels)),
        metrics={"model": modelling.CHOSEN, "thresholds": thresholds, "holdout": holdout},
        source="seed:class",
        is_active=True,
    )


class Migration(migrations.Migration):
    dependencies = [("triage", "0008_sanshi_list")]

    operations = [migrations.RunPython(ship_ensemble, migrations.RunPython.noop)]
