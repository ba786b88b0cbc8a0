"""bench/city.py: the generated city is a city the product can read — a sound area tree,
residents who belong to a grid, requests and topics in the right places, and a ledger that
reconciles — and it goes on from what was there (the demo community takes its share)."""

import pytest

from bench import city
from credits.models import Account, Entry
from credits.reconcile import reconcile
from deliberation.models import Topic
from portal.models import Area, Membership
from tests import factories as base
from tests.credits.factories import fund
from triage.models import Request

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_generated_city_is_consistent_and_reconciles(tree):
    community = tree["community"]
    fund(base.resident(tree["grid"]), community, "30")  # a ledger that was there before
    before = {m: m.objects.count() for m in (Request, Topic, Membership, Entry)}

    got = city.generate(0.003, attach=community.code, log=lambda *_: None)

    n = got["sizes"]
    assert n["communities"] == 3
    assert Area.find_problems() == ([], [], [], [], [])
    generated = Area.objects.filter(code__startswith="bench-city-")
    assert generated.filter(kind="community").count() == 3
    assert generated.filter(kind="grid").count() == 30
    assert Request.objects.count() - before[Request] == n["requests"]
    assert Topic.objects.count() - before[Topic] == n["topics"]
    assert Membership.objects.count() - before[Membership] == n["residents"]
    assert Entry.objects.count() - before[Entry] == n["entries"]
    # Every request lies in a grid, with the grid's path, and the attached community has
    # its share of requests and topics.
    assert not Request.objects.exclude(area__kind="grid").exists()
    mismatched = [
        r for r in Request.objects.select_related("area")[:200] if r.area_path != r.area.path
    ]
    assert mismatched == []
    assert Request.objects.filter(area_path__startswith=community.path).count() > before[Request]
    assert Topic.objects.filter(community=community).exists()
    # Every generated resident has one account in the community of their grid.
    acc = Account.objects.filter(user__username__startswith="bench-city-").select_related("user")
    assert acc.count() == n["residents"]
    assert reconcile() == []
