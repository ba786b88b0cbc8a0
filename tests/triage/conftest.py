import pytest

from tests import factories


@pytest.fixture
def w(w, tree):
    """The triage world of tests/conftest.py, with a resident whose phone is verified."""
    data = w
    data["resident"] = factories.resident(tree["grid"], phone="13912345678", phone_verified=True)
    return data


@pytest.fixture(autouse=True)
def _small_seed_for_retraining(monkeypatch):
    """Retraining fits the shipped ensemble 6 times (5 folds for the thresholds, then the
    model): on the whole seed set a minute on the test machine.  Tests that retrain check
    versions, labels and refusals, not accuracy, so they retrain on 20 seed rows per class.
    The shipped model itself is fitted once per test session, by migration 0009."""
    from triage.services import training

    full = training.seed_training_data

    def small(target):
        (tx, ty), holdout = full(target)
        if target != "class":
            return (tx, ty), holdout
        return _first_per_label(tx, ty, 20), _first_per_label(*holdout, 10)

    monkeypatch.setattr(training, "seed_training_data", small)


def _first_per_label(texts, labels, n):
    seen, out = {}, ([], [])
    for t, lab in zip(texts, labels, strict=True):
        seen[lab] = seen.get(lab, 0) + 1
        if seen[lab] <= n:
            out[0].append(t)
            out[1].append(lab)
    return out
