"""No personal data anywhere in the public API (issue 11): every endpoint, every page of
every list and every record's detail, walked on the demo site, is searched for each
demo person's name, phone number and email, and for every reporter's name, phone and
address the requests hold."""

import re

import pytest
from django.core.management import call_command

from portal.models import Membership, User
from triage.models import Request

pytestmark = pytest.mark.django_db

LISTS = [
    "areas",
    "communities",
    "topics",
    "sessions",
    "outcomes",
    "request-statistics",
    "moral-bank",
]
DETAIL_KEY = {
    "areas": "code",
    "communities": "code",
    "topics": "id",
    "sessions": "id",
    "outcomes": "id",
    "moral-bank": "community",
}


def personal_strings() -> set[str]:
    """What would identify a demo person: the name without the role in brackets
    ("李娜（网格员）" → 李娜), the phone, the email, the username, reporters' details."""
    out: set[str] = set()
    for u in User.objects.all():
        name = re.split(r"[（(]", u.display_name)[0].strip()
        out |= {name, u.get_full_name().strip(), u.email or "", u.phone, u.public_name}
        if not u.username.isascii() or any(c.isdigit() for c in u.username):
            out.add(u.username)
    for r in Request.objects.all():
        out |= {r.reporter_name, r.reporter_phone, r.address}
    out |= set(Membership.objects.values_list("address", flat=True))
    # the anonymous label is no person; two-letter Latin fragments are no name
    return {s for s in out if s and len(s) >= 2 and s not in {"匿名居民"}}


def walk(client) -> list[tuple[str, str]]:
    bodies = []
    for name in LISTS:
        url = f"/api/v1/{name}/?page_size=200"
        while url:
            response = client.get(url)
            assert response.status_code == 200, (url, response.content[:300])
            bodies.append((url, response.content.decode()))
            data = response.json()
            key = DETAIL_KEY.get(name)
            for row in data["results"] if key else []:
                detail = client.get(f"/api/v1/{name}/{row[key]}/")
                assert detail.status_code == 200
                bodies.append((detail.request["PATH_INFO"], detail.content.decode()))
            url = data["next"]
    schema = client.get("/api/v1/schema/")
    bodies.append(("/api/v1/schema/", schema.content.decode()))
    return bodies


def test_no_demo_persons_data_in_any_response(client, settings):
    settings.PUBLIC_API_RATE = "100000/min"
    call_command("load_demo", stdout=open("/dev/null", "w"))
    secrets = personal_strings()
    assert {"陈阿姨", "13900000001", "chen@example.cn", "李娜"} <= secrets  # the search is real
    bodies = walk(client)
    assert len(bodies) > 30
    # the demo has published topics, outcomes with follow-ups and request statistics
    joined = "".join(b for _u, b in bodies)
    assert '"followups":[{' in joined and '"received":' in joined
    leaks = [(url, s) for url, body in bodies for s in secrets if s in body]
    assert leaks == []
