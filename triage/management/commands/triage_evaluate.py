from django.core.management.base import BaseCommand, CommandError

from triage import classifier
from triage.services.training import model_ensure_default


class Command(BaseCommand):
    help = (
        "Evaluate the active model on a CSV (text,label): accuracy, macro-F1, per-class "
        "precision/recall and the confusion matrix; the last line is macro_f1=0.XXX."
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
            texts, labels = classifier.read_csv(csv)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {csv}: {exc}")
        if not texts:
            raise CommandError("The CSV has no rows with text and label.")
        if holdout:
            _train, (texts, labels) = classifier.split_holdout(texts, labels)
        model_ensure_default(target)
        record, pipe = classifier.active(target)
        self.stdout.write(f"model: {target} v{record.version} ({record.source})")
        self.stdout.write(classifier.format_report(classifier.evaluate(pipe, texts, labels)))
