"""Compare the 三事分流 candidates by stratified cross-validation (see triage/modelling.py).

manage.py triage_compare                 # 5-fold CV on seed_v2.csv, then the chosen model
                                         # on seed_v2_holdout.csv
manage.py triage_compare --csv city.csv  # the city's rows join the seed in CV; their own
                                         # macro-F1 is a column
manage.py triage_compare --quick         # small and fast (a test)
"""

from __future__ import annotations

import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from triage import modelling
from triage.classifier import DATA_DIR
from triage.management.commands.triage_learning_curve import csv_error


class Command(BaseCommand):
    help = "Compare the 三事分流 classifier candidates by stratified cross-validation."

    def add_arguments(self, parser):
        parser.add_argument("--csv", help="a city's text,label CSV added to the seed set")
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument(
            "--candidates",
            help="comma-separated names (default: all): " + ",".join(modelling.CANDIDATES),
        )
        parser.add_argument("--chosen", default=modelling.CHOSEN)
        parser.add_argument("--precision", type=float, default=0.9, help="threshold target")
        parser.add_argument("--rule", choices=["marginal", "cumulative"], default="marginal")
        parser.add_argument(
            "--no-transfer",
            action="store_true",
            help="skip the other-register check (fit on all of seed_v2.csv, score on the v1 "
            "seed_class.csv + seed_class_holdout.csv, short app-style messages)",
        )
        parser.add_argument(
            "--quick",
            action="store_true",
            help="a stratified sample of 200 seed rows, 2 folds, no holdout fit (for tests)",
        )

    def handle(self, *args, **opts):
        # one BLAS/OpenMP thread: the machine is shared, and oversubscribed threads made
        # a 300-row fit take 8 s instead of 1 s

        with threadpool_limits(limits=1):
            return self._handle(*args, **opts)

    def _handle(self, *args, **opts):
        started = time.perf_counter()
        texts, labels, registers = modelling.read_labelled_csv(
            modelling.SEED_V2, with_registers=True
        )
        names = opts["candidates"].split(",") if opts["candidates"] else list(modelling.CANDIDATES)
        unknown = [n for n in names + [opts["chosen"]] if n not in modelling.CANDIDATES]
        if unknown:
            raise CommandError(f"unknown candidates {unknown}; known: {list(modelling.CANDIDATES)}")
        folds = opts["folds"]
        if not 2 <= folds <= 5:
            raise CommandError("--folds must be between 2 and 5")
        if opts["quick"]:
            texts, _, labels, _, registers, _ = train_test_split(
                texts,
                labels,
                registers,
                train_size=200,
                random_state=modelling.RANDOM_STATE,
                stratify=labels,
            )
            folds = 2
        extra = np.zeros(len(texts), dtype=bool)
        if opts["csv"]:
            try:
                city_x, city_y = modelling.read_labelled_csv(
                    opts["csv"], allowed=set(modelling.CLASS_LABELS)
                )
            except modelling.CsvError as problem:
                raise CommandError(csv_error(problem, opts["csv"])) from problem
            texts, labels = list(texts) + city_x, list(labels) + city_y
            registers = list(registers) + ["city"] * len(city_x)
            extra = np.concatenate([extra, np.ones(len(city_x), dtype=bool)])

        self.stdout.write(
            f"stratified {folds}-fold CV on {len(texts)} rows"
            + (f" ({int(extra.sum())} from {opts['csv']})" if extra.any() else "")
            + f", random_state={modelling.RANDOM_STATE}"
        )
        results = []
        for name in names:
            results.append(
                modelling.cross_validate(
                    name,
                    texts,
                    labels,
                    registers=registers,
                    folds=folds,
                    extra_mask=extra if extra.any() else None,
                )
            )
        if not (opts["quick"] or opts["no_transfer"]):
            for result in results:
                result.transfer = self.transfer(result.name, texts, labels)
        self.stdout.write(self.table(results, with_city=bool(extra.any())))
        best = max(results, key=lambda r: r.macro_f1)
        self.stdout.write(f"best_cv={best.name} macro_f1={best.macro_f1:.3f}")

        chosen = next((r for r in results if r.name == opts["chosen"]), None)
        if chosen is None:
            chosen = modelling.cross_validate(
                opts["chosen"], texts, labels, registers=registers, folds=folds
            )
        thresholds = modelling.fit_thresholds(
            chosen.oof,
            labels,
            chosen.classes,
            target_precision=opts["precision"],
            rule=opts["rule"],
        )
        decisions = modelling.apply_thresholds(chosen.oof, chosen.classes, thresholds)
        report = modelling.threshold_report(decisions, labels)
        self.stdout.write(
            f"\nchosen={chosen.name}; per-class thresholds ({opts['rule']} precision ≥ "
            f"{opts['precision']:.2f} on out-of-fold probabilities): "
            + ", ".join(f"{k} {v:.3f}" for k, v in thresholds.items())
        )
        self.stdout.write(
            f"out-of-fold: ECE={chosen.ece:.3f} manual={report['manual_share']:.1%} "
            f"auto accuracy={report['auto_accuracy']:.3f} "
            f"auto macro_f1={report['auto_macro_f1']:.3f}"
        )
        if not opts["quick"]:
            self.holdout(chosen.name, texts, labels, thresholds)
        self.stdout.write(f"seconds={time.perf_counter() - started:.1f}")

    def table(self, results, with_city=False) -> str:
        classes = results[0].classes
        head = (
            f"{'candidate':<20} {'macroF1':>7} "
            + " ".join(f"{'R' + c:>6}" for c in classes)
            + f" {'letters':>7} {'78/16/6':>7} {'ECE':>6} {'fit s':>6}"
        )
        with_transfer = any(getattr(r, "transfer", None) for r in results)
        if with_city:
            head += f" {'city F1':>7}"
        if with_transfer:
            head += f" {'v1 F1':>7} " + " ".join(f"{'v1R' + c:>6}" for c in classes)
        lines = [head]
        for r in results:
            line = (
                f"{r.name:<20} {r.macro_f1:7.3f} "
                + " ".join(f"{r.recall.get(c, 0):7.3f}" for c in classes)
                + f" {_f(r.letter_macro_f1)} {_f(r.prior_macro_f1)} {r.ece:6.3f}"
                f" {r.fit_seconds:6.1f}"
            )
            if with_city:
                line += f" {_f(r.extra_macro_f1)}"
            if with_transfer:
                t = r.transfer
                line += f" {t['macro_f1']:7.3f} " + " ".join(
                    f"{t['recall'].get(c, 0):7.3f}" for c in classes
                )
            lines.append(line)
        return "\n".join(lines)

    def transfer(self, name, texts, labels) -> dict:
        """Fit on all the seed rows; score on the v1 seed (another register: short messages)."""

        vx, vy = [], []
        for file in ("seed_class.csv", "seed_class_holdout.csv"):
            x, y = modelling.read_labelled_csv(DATA_DIR / file)
            vx, vy = vx + x, vy + y
        model = modelling.build(name).fit(list(texts), list(labels))
        return modelling.scores(vy, model.predict(vx), classes=sorted(set(labels)))

    def holdout(self, name, texts, labels, thresholds):

        hx, hy, hreg = modelling.read_labelled_csv(modelling.SEED_V2_HOLDOUT, with_registers=True)
        model = modelling.build(name)
        model.fit(list(texts), list(labels))
        classes = [str(c) for c in model.classes_]
        probs = model.predict_proba(hx)
        pred = np.array(classes)[probs.argmax(axis=1)]
        s = modelling.scores(hy, pred, hreg, classes=classes)
        ece = modelling.expected_calibration_error(probs, hy, classes=classes)
        report = modelling.threshold_report(
            modelling.apply_thresholds(probs, classes, thresholds), hy
        )
        self.stdout.write(f"\nheld out ({modelling.SEED_V2_HOLDOUT.name}, {len(hy)} rows):")
        self.stdout.write(
            f"macro_f1={s['macro_f1']:.3f} "
            + " ".join(f"recall_{c}={v:.3f}" for c, v in s["recall"].items())
            + f" letters_macro_f1={_f(s.get('letter_macro_f1')).strip()}"
            f" letters_78/16/6_macro_f1={_f(s.get('prior_macro_f1')).strip()} ECE={ece:.3f}"
        )
        self.stdout.write(
            f"with thresholds: manual={report['manual_share']:.1%} "
            f"auto accuracy={report['auto_accuracy']:.3f} "
            f"auto macro_f1={report['auto_macro_f1']:.3f}"
        )
        self.stdout.write("confusion (rows true, columns predicted): " + " ".join(classes))
        for c, row in zip(classes, confusion_matrix(hy, pred, labels=classes), strict=True):
            self.stdout.write(f"  {c} " + " ".join(f"{v:4d}" for v in row))


def _f(value) -> str:
    return f"{value:7.3f}" if value is not None else f"{'-':>7}"
