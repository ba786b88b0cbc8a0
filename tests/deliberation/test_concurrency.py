"""Races that must come out exact, on PostgreSQL with one connection per thread."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from deliberation import services
from deliberation.models import Ballot, Registration, Vote
from tests import factories
from tests.deliberation.factories import poll as make_poll
from tests.deliberation.factories import session as make_session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(users, work):
    barrier = threading.Barrier(len(users))
    errors = []

    def run(user):
        try:
            barrier.wait()
            work(user)
        except ValidationError as exc:
            errors.append(exc)
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_registrations_for_last_seats(tree):
    committee = factories.member("committee", tree["community"])
    session = make_session(tree["community"], committee, capacity=3)
    people = [factories.resident(tree["grid"]) for _ in range(10)]
    errors = _race(people, lambda u: services.registration_create(user=u, session=session))
    assert errors == []
    statuses = list(Registration.objects.filter(session=session).values_list("status", flat=True))
    assert statuses.count("registered") == 3
    assert statuses.count("waiting") == 7


def test_concurrent_votes_exact_tally(tree):
    committee = factories.member("committee", tree["community"])
    poll = make_poll(tree["community"], committee)
    yes = poll.options.first()
    people = [factories.resident(tree["grid"]) for _ in range(8)]
    # every resident votes twice at once: exactly one ballot each survives
    errors = _race(people * 2, lambda u: services.poll_vote(user=u, poll=poll, option_ids=[yes.pk]))
    assert len(errors) == 8 and all(isinstance(e, ValidationError) for e in errors)
    assert Ballot.objects.filter(poll=poll).count() == 8
    assert Vote.objects.filter(option=yes).count() == 8
