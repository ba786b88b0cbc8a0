"""How many of its own labelled rows does a city need?  Macro-F1 on a held-out part of the
city's CSV against the number of its rows added to the seed set (see
`triage.modelling.learning_curve`).

    manage.py triage_learning_curve city.csv [--target class] [--sizes 25,50,100,200,all]
"""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from threadpoolctl import threadpool_limits

from triage import modelling
from triage.classifier import SEED_DEPARTMENT


def csv_error(problem: modelling.CsvError, path) -> str:
    """The translated message for a CSV that cannot be used."""
    if problem.code == "unreadable":
        return _("Cannot read %(path)s: %(error)s") % {"path": path, **problem.details}
    if problem.code == "encoding":
        return _("%(path)s is neither UTF-8 nor GBK/GB18030 text.") % {"path": path}
    if problem.code == "no_header":
        return _("%(path)s needs a header row with the columns text and label.") % {"path": path}
    if problem.code == "empty":
        return _("%(path)s has no row with both a text and a label.") % {"path": path}
    if problem.code == "unknown_labels":
        return _("%(path)s has unknown labels: %(labels)s. Allowed: %(allowed)s.") % {
            "path": path,
            "labels": "、".join(problem.details["labels"][:10]),
            "allowed": "、".join(problem.details.get("allowed") or modelling.CLASS_LABELS),
        }
    return str(problem)


class Command(BaseCommand):
    help = "Print the learning curve (macro-F1 against the number of a city's labelled rows)."

    def add_arguments(self, parser):
        parser.add_argument("csv", help="text,label CSV (UTF-8 with or without BOM, or GBK)")
        parser.add_argument("--target", choices=["class", "department"], default="class")
        parser.add_argument("--sizes", default="25,50,100,200,all")
        parser.add_argument("--repeats", type=int, default=3)
        parser.add_argument("--test-fraction", type=float, default=0.3)
        parser.add_argument("--model", default=modelling.CHOSEN, choices=list(modelling.CANDIDATES))
        parser.add_argument(
            "--seed",
            help="the seed CSV the city's rows are added to (default: seed_v2.csv for class, "
            "seed_department.csv for department); 'none' for the city's rows alone",
        )

    def handle(self, *args, **opts):
        # one BLAS/OpenMP thread: the machine is shared, and oversubscribed threads made
        # a 300-row fit take 8 s instead of 1 s

        with threadpool_limits(limits=1):
            return self._handle(*args, **opts)

    def _handle(self, *args, csv, target, sizes, repeats, test_fraction, model, seed, **opts):
        allowed = set(modelling.CLASS_LABELS) if target == "class" else None
        try:
            texts, labels = modelling.read_labelled_csv(csv, allowed=allowed)
        except modelling.CsvError as problem:
            raise CommandError(csv_error(problem, csv)) from problem
        if len(set(labels)) < 2:
            raise CommandError(_("%(path)s needs at least two different labels.") % {"path": csv})
        try:
            wanted = [None if s.strip() == "all" else int(s) for s in sizes.split(",") if s.strip()]
        except ValueError as exc:
            raise CommandError(_("--sizes takes numbers and 'all', e.g. 25,50,all.")) from exc

        seed_path = seed or (modelling.SEED_V2 if target == "class" else SEED_DEPARTMENT)
        seed_x, seed_y = [], []
        if str(seed_path).lower() != "none":
            try:
                seed_x, seed_y = modelling.read_labelled_csv(seed_path)
            except modelling.CsvError as problem:
                raise CommandError(csv_error(problem, seed_path)) from problem

        if min(Counter(labels).values()) < 2:
            raise CommandError(
                _("%(path)s needs at least two rows of every label.") % {"path": csv}
            )
        counts = ", ".join(f"{k} {v}" for k, v in sorted(Counter(labels).items()))
        self.stdout.write(
            f"{csv}: {len(texts)} rows ({counts}); "
            f"seed {len(seed_x)} rows; model {model}; {test_fraction:.0%} of the city held out; "
            f"{repeats} draws per size"
        )
        points = modelling.learning_curve(
            texts,
            labels,
            seed_x,
            seed_y,
            sizes=wanted,
            repeats=repeats,
            test_fraction=test_fraction,
            name=model,
        )
        table, summary = modelling.format_curve(points)
        self.stdout.write(table)
        self.stdout.write(summary)
