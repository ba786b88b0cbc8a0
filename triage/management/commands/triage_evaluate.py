from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from threadpoolctl import threadpool_limits

from triage import classifier, modelling
from triage.management.commands.triage_learning_curve import csv_error
from triage.services.training import model_ensure_default


class Command(BaseCommand):
    help = (
        "Evaluate the active model on a CSV (text,label): accuracy, macro-F1, per-class "
        "precision/recall and the confusion matrix; for the class model also the expected "
        "calibration error and the share its per-class thresholds send to the manual queue. "
        "The last line is macro_f1=0.XXX."
    )

    def add_arguments(self, parser):
        parser.add_argument("--csv", required=True)
        parser.add_argument("--target", choices=["class", "department"], required=True)
        parser.add_argument(
            "--holdout",
            action="store_true",
            help="Evaluate only the fixed held-out 20%% of the file (the seed set's test part).",
        )

    def handle(self, *args, csv, target, holdout, **options):
        try:
            texts, labels = modelling.read_labelled_csv(csv)
        except modelling.CsvError as problem:
            raise CommandError(csv_error(problem, csv)) from problem
        if holdout:
            _train, (texts, labels) = classifier.split_holdout(texts, labels)
        model_ensure_default(target)
        record, pipe = classifier.active(target)
        if pipe is None:
            raise CommandError(
                _("The model cannot be loaded (%(error)s); the active model stays active.")
                % {"error": f"{target} v{record.version}"}
            )
        self.stdout.write(f"model: {target} v{record.version} ({record.source})")
        with threadpool_limits(limits=1):
            report = classifier.evaluate(pipe, texts, labels)
            thresholds = (record.metrics or {}).get("thresholds")
            if thresholds:
                probs = pipe.predict_proba([classifier.normalise(t) for t in texts])
                classes = [str(c) for c in pipe.classes_]
                decided = modelling.apply_thresholds(probs, classes, thresholds)
                share = modelling.threshold_report(decided, labels)
                ece = modelling.expected_calibration_error(probs, labels, classes=classes)
                self.stdout.write(
                    "thresholds="
                    + ",".join(f"{k}:{v:.3f}" for k, v in sorted(thresholds.items()))
                    + f" ECE={ece:.3f} manual={share['manual_share']:.1%}"
                    + f" auto_accuracy={share['auto_accuracy']:.3f}"
                )
        self.stdout.write(classifier.format_report(report))
