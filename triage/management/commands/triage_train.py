"""Train a classifier from a `text,label` CSV and make it the active model.

    manage.py triage_train --csv city.csv --target class [--with-seed] [--holdout] [--no-activate]
    manage.py triage_train --target class --activate-version 3

The CSV may be UTF-8 (with or without BOM) or GBK/GB18030.  `--with-seed` trains on the
shipped seed set plus the city's rows (a city row whose text is in the seed replaces the seed's
label).  For the class target the per-class thresholds are fitted on out-of-fold
probabilities.  Whatever goes wrong — an empty or label-less CSV, unknown labels, a model
that cannot load — the command says why and the active model stays active.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from threadpoolctl import threadpool_limits

from triage import classifier, modelling
from triage.management.commands.triage_learning_curve import csv_error
from triage.models import ClassifierModel
from triage.services import training
from triage.services.training import CLASS_LABELS, model_activate, model_train


def _message(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


class Command(BaseCommand):
    help = "Train a classifier from a CSV (text,label) and make it the active model."

    def add_arguments(self, parser):
        parser.add_argument("--csv", help="CSV with a text,label header (UTF-8 or GBK)")
        parser.add_argument("--target", choices=["class", "department"], required=True)
        parser.add_argument(
            "--with-seed",
            action="store_true",
            help="Train on the seed set plus the CSV rows (a CSV row wins on a shared text).",
        )
        parser.add_argument(
            "--holdout",
            action="store_true",
            help="Leave out the fixed stratified 20%% of the CSV and report the model on it.",
        )
        parser.add_argument("--folds", type=int, default=5, help="folds for the class thresholds")
        parser.add_argument("--no-activate", action="store_true")
        parser.add_argument(
            "--activate-version",
            type=int,
            help="Make a stored version active again (refused if it cannot be loaded).",
        )

    def handle(self, *args, **opts):
        # one BLAS/OpenMP thread: the machine is shared (see triage_learning_curve)
        with threadpool_limits(limits=1):
            return self._handle(**opts)

    def _handle(self, *, csv, target, with_seed, holdout, folds, no_activate, **opts):
        if opts.get("activate_version") is not None:
            return self._activate(target, opts["activate_version"])
        if not csv:
            raise CommandError(_("Give the CSV to train on (--csv)."))
        allowed = set(CLASS_LABELS) if target == "class" else None
        try:
            texts, labels = modelling.read_labelled_csv(csv, allowed=allowed)
        except modelling.CsvError as problem:
            if problem.code == "unknown_labels":
                problem.details["allowed"] = list(CLASS_LABELS)
            raise CommandError(csv_error(problem, csv)) from problem
        held = None
        if holdout:
            if min(labels.count(x) for x in set(labels)) < 2:
                raise CommandError(_("--holdout needs at least two rows of every label."))
            (texts, labels), held = classifier.split_holdout(texts, labels)
        n_city = len(texts)
        if with_seed:
            (seed_x, seed_y), _seed_holdout = training.seed_training_data(target)
            texts, labels = modelling.combine_with_seed(texts, labels, seed_x, seed_y)
        try:
            record = model_train(
                texts=texts,
                labels=labels,
                target=target,
                holdout=held,
                source=("seed+" if with_seed else "") + str(csv)[-190:],
                activate=not no_activate,
                folds=folds,
            )
        except ValidationError as exc:
            raise CommandError(_message(exc)) from exc
        self.stdout.write(
            _(
                "trained %(target)s v%(version)s on %(n)s texts (%(city)s from the CSV, "
                "%(labels)s labels), hash %(hash)s"
            )
            % {
                "target": target,
                "version": record.version,
                "n": record.n_samples,
                "city": n_city,
                "labels": len(record.labels),
                "hash": record.data_hash[:12],
            }
            + (_(", active") if record.is_active else "")
        )
        thresholds = record.metrics.get("thresholds")
        if thresholds:
            self.stdout.write(
                "thresholds=" + ",".join(f"{k}:{v:.3f}" for k, v in sorted(thresholds.items()))
            )
        if held:
            self.stdout.write(f"holdout macro_f1={record.metrics['holdout']['macro_f1']:.3f}")

    def _activate(self, target, version):
        record = ClassifierModel.objects.filter(target=target, version=version).first()
        if record is None:
            raise CommandError(
                _("There is no %(target)s model v%(version)s.")
                % {"target": target, "version": version}
            )
        try:
            model_activate(model=record)
        except ValidationError as exc:
            raise CommandError(_message(exc)) from exc
        self.stdout.write(
            _("%(target)s v%(version)s is active") % {"target": target, "version": version}
        )
