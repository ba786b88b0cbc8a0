from django.core.management.base import BaseCommand, CommandError

from triage import classifier
from triage.services.training import model_train


class Command(BaseCommand):
    help = "Train a classifier from a CSV (text,label) and make it the active model."

    def add_arguments(self, parser):
        parser.add_argument("--csv", required=True, help="UTF-8 CSV with a text,label header")
        parser.add_argument("--target", choices=["class", "department"], required=True)
        parser.add_argument(
            "--holdout",
            action="store_true",
            help="Leave out the fixed stratified 20%% (as the shipped model does).",
        )
        parser.add_argument("--no-activate", action="store_true")

    def handle(self, *args, csv, target, holdout, no_activate, **options):
        try:
            texts, labels = classifier.read_csv(csv)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {csv}: {exc}")
        if target == "class":
            bad = sorted(set(labels) - {"大事", "小事", "私事"})
            if bad:
                raise CommandError(f"--target class needs labels 大事/小事/私事, found {bad[:5]}")
        held = None
        if holdout:
            (texts, labels), held = classifier.split_holdout(texts, labels)
        record = model_train(
            texts=texts,
            labels=labels,
            target=target,
            holdout=held,
            source=str(csv)[-200:],
            activate=not no_activate,
        )
        self.stdout.write(
            f"trained {target} v{record.version} on {record.n_samples} texts "
            f"({len(record.labels)} labels), hash {record.data_hash[:12]}"
            + (", active" if record.is_active else "")
        )
        if held:
            self.stdout.write(f"holdout macro_f1={record.metrics['holdout']['macro_f1']:.3f}")
