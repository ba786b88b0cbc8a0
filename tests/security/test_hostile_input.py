"""Hostile input on every form and API endpoint (issue 9): no 500, and a refusal changes nothing.

Every URL pattern of our apps is taken from the resolver (a new one without an entry in
URL_KWARGS fails `test_every_endpoint_is_covered`).  For each, as a resident and as a site
administrator, hypothesis sends the endpoint's fields (read from its rendered forms, plus
FIELDS for action-only views and the API) filled with hostile values mixed with the
crashes found by hand: NUL, control characters, lone quotes, 10,000 characters, huge and
negative integers, 25-digit ids, impossible dates, markup, formulas, RTL overrides,
invalid UTF-8 in urlencoded and multipart bodies, repeated keys.

Each example runs inside a savepoint that is rolled back, so every example starts from the
same world.  Deterministic (derandomize); HOSTILE_EXAMPLES sets the number of examples per
endpoint (default 6; CI-sized; raise it locally to search harder).
"""

from __future__ import annotations

import datetime
import hashlib
import os
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests import factories

pytestmark = pytest.mark.django_db(transaction=False)

OUR_APPS = ("portal", "cms", "credits", "deliberation", "triage")
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "6"))

KNOWN = [
    "\x00",
    "a\x00b",
    '"',
    "'",
    "\\",
    "2026-02-30T10:00:00Z",
    "2026-02-30",
    "2026-02-30T10:00",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "0000-00-00",
    str(2**31),
    str(2**63),
    "1234567890123456789012345",
    "-1",
    "-" + "9" * 30,
    "0",
    "1e999",
    "NaN",
    "Infinity",
    "²",
    "x" * 10_000,
    "漏" * 10_000,
    "<script>alert(1)</script>",
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "@SUM(A1)",
    "\u202egnp.exe",
    "\x07\x1b[31m",
    "\r\n\t",
    "NEAR(a b) * ( - : ^",
    "",
    " ",
    "[]",
    "None",
    "true",
    "../../etc/passwd",
    "javascript:alert(1)",
    "//evil.example/",
]

text = st.one_of(
    st.sampled_from(KNOWN),
    st.text(max_size=40),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.dates(min_value=datetime.date(1, 1, 1)).map(str),
)


# --- the world every example starts from ------------------------------------------


@pytest.fixture
def world(tree):
    from credits import services as credits_services
    from credits.models import Reward
    from deliberation import services as dsvc
    from tests.credits.factories import fund, log, reward
    from tests.deliberation.factories import held_session, poll, session, topic
    from tests.triage.factories import world as triage_world
    from triage import services as tsvc
    from triage.models import ApiKey, Request

    w = triage_world(tree)
    w["tree"] = tree
    community = tree["community"]
    committee = w["people"]["committee"]
    resident = factories.resident(tree["grid"], phone="13912345678", phone_verified=True)
    admin = factories.member("site_admin", tree["city"])
    admin.is_superuser = admin.is_staff = True
    admin.save()
    w.update(resident=resident, admin=admin, committee=committee, community=community)
    t = topic(community, resident, title="加装电梯")
    dsvc.topic_status_set(user=committee, topic=t, status="discussion")
    w["topic"] = t
    w["contribution"] = dsvc.contribution_add(user=resident, topic=t, text="同意", stance="support")
    w["session"] = session(community, committee)
    w["poll"] = poll(community, committee)
    decided = topic(community, resident, title="楼道灯")
    held_session(community, committee, decided)
    outcome = dsvc.outcome_publish(
        user=committee,
        topic=decided,
        decision="装灯",
        followups=[
            {"action": "买灯", "responsible": "物业", "due_date": datetime.date(2030, 1, 1)}
        ],
    )
    w["followup"] = outcome.followups.first()
    fund(resident, community)
    prize = reward(community, kind=Reward.Kind.GOODS)
    w["reward"] = prize
    w["redemption"] = credits_services.redemption_reserve(
        user=resident, reward=prize, idempotency_key="hostile:1"
    )
    w["log"] = log(resident, community)
    w["request"] = tsvc.request_submit(
        channel=Request.Channel.WEB,
        text="楼道灯坏了",
        area=tree["grid"],
        reporter=resident,
    )
    w["org"] = w["orgs"]["committee"]
    _key, w["api_key"] = ApiKey.issue("hostile")
    from triage.models import ServiceAttribute, ServiceType

    road = ServiceType.objects.filter(code="road").first() or ServiceType.objects.first()
    ServiceAttribute.objects.create(service_type=road, code="size", description="多大")
    from triage.models import WorkdayOverride

    WorkdayOverride.objects.create(date=datetime.date(2027, 1, 1), note="元旦")
    # A live site has its settings row; Wagtail creates it on the first page that reads it,
    # which would look like a refused request changing a table.
    from wagtail.models import Site

    from cms.models import SiteSettings

    SiteSettings.for_site(Site.objects.get(is_default_site=True))
    # A 私事 referred to the resident, who asked a volunteer for help (issue 10).
    from triage.models import ServiceDirectoryEntry
    from triage.services import referrals

    w["entry"] = ServiceDirectoryEntry.objects.create(
        name="志愿者小王",
        kind="volunteer",
        area=community,
        volunteer=factories.resident(tree["grid2"]),
        services="水龙头",
    )
    w["private"] = tsvc.request_submit(
        channel=Request.Channel.WEB,
        text="家里水龙头坏了一直滴水，装修公司装的，想找个师傅上门修一下",
        area=tree["grid"],
        reporter=resident,
    )
    assert w["private"].status == "referred"
    w["offer"] = referrals.help_ask(request=w["private"], user=resident, entry=w["entry"])
    return w


# URL name → kwargs for reverse(), from the world.  Every pattern of our apps needs one.
URL_KWARGS = {
    "healthz": lambda w: {},
    "favicon": lambda w: {},
    "manifest": lambda w: {},
    "service_worker": lambda w: {},
    "offline": lambda w: {},
    "styleguide": lambda w: {},
    "cms:robots_txt": lambda w: {},
    "wagtail_serve": lambda w: {"path": ""},  # Wagtail's pages, through cms.sites.serve
    "triage:claim": lambda w: {"token": "not-a-signed-token"},
    "portal:dashboard": lambda w: {},
    "portal:residency": lambda w: {},
    "portal:residency_queue": lambda w: {},
    "portal:preferences": lambda w: {},
    "portal:notifications": lambda w: {},
    "portal:notification_settings": lambda w: {},
    # allauth's pages that text a code, wrapped by portal.signup (issue 13).
    "account_signup": lambda w: {},
    "account_request_login_code": lambda w: {},
    "account_confirm_login_code": lambda w: {},
    "account_verify_phone": lambda w: {},
    "account_change_phone": lambda w: {},
    "cms:search": lambda w: {},
    "credits:index": lambda w: {},
    "credits:statement": lambda w: {},
    "credits:statement_csv": lambda w: {},
    "credits:rewards": lambda w: {},
    "credits:redeem": lambda w: {"pk": w["reward"].pk},
    "credits:redemptions": lambda w: {},
    "credits:redemption": lambda w: {"pk": w["redemption"].pk},
    "credits:redemption_cancel": lambda w: {"pk": w["redemption"].pk},
    "credits:hours": lambda w: {},
    "credits:certificate": lambda w: {},
    "credits:certificate_check": lambda w: {"serial": "AAAA-AAAA-AAAA-AAAA"},
    "credits:verify": lambda w: {},
    "credits:revoke": lambda w: {"pk": w["log"].pk},
    "credits:record": lambda w: {},
    "credits:fulfil": lambda w: {},
    "credits:community": lambda w: {"code": w["community"].code},
    "credits:dashboard": lambda w: {},
    "deliberation:index": lambda w: {},
    "deliberation:mine": lambda w: {},
    "deliberation:community": lambda w: {"code": w["community"].code},
    "deliberation:topic_raise": lambda w: {"code": w["community"].code},
    "deliberation:community_ics": lambda w: {"code": w["community"].code},
    "deliberation:dashboard": lambda w: {"code": w["community"].code},
    "deliberation:topic": lambda w: {"pk": w["topic"].pk},
    "deliberation:topic_support": lambda w: {"pk": w["topic"].pk},
    "deliberation:topic_follow": lambda w: {"pk": w["topic"].pk},
    "deliberation:contribute": lambda w: {"pk": w["topic"].pk},
    "deliberation:topic_status": lambda w: {"pk": w["topic"].pk},
    "deliberation:topic_outcome": lambda w: {"pk": w["topic"].pk},
    "deliberation:topic_edit": lambda w: {"pk": w["topic"].pk},
    "deliberation:contribution_edit": lambda w: {"pk": w["contribution"].pk},
    "deliberation:contribution_report": lambda w: {"pk": w["contribution"].pk},
    "deliberation:contribution_moderate": lambda w: {"pk": w["contribution"].pk},
    "deliberation:followup_status": lambda w: {"pk": w["followup"].pk},
    "deliberation:session": lambda w: {"pk": w["session"].pk},
    "deliberation:session_register": lambda w: {"pk": w["session"].pk},
    "deliberation:session_cancel": lambda w: {"pk": w["session"].pk},
    "deliberation:session_ics": lambda w: {"pk": w["session"].pk},
    "deliberation:poll": lambda w: {"pk": w["poll"].pk},
    "deliberation_admin:home": lambda w: {},
    "deliberation_admin:moderation": lambda w: {},
    "deliberation_admin:checkin": lambda w: {"pk": w["session"].pk},
    "deliberation:desk": lambda w: {},
    "deliberation:desk_session": lambda w: {"pk": w["session"].pk},
    "deliberation_admin:attendance_xlsx": lambda w: {"pk": w["session"].pk},
    "deliberation_admin:add_to_session": lambda w: {"pk": w["topic"].pk},
    "deliberation_admin:poll": lambda w: {"pk": w["poll"].pk},
    "deliberation_admin:poll_xlsx": lambda w: {"pk": w["poll"].pk},
    "triage:index": lambda w: {},
    "triage:new": lambda w: {},
    "triage:intake": lambda w: {},
    "triage:queue": lambda w: {},
    "triage:inbox": lambda w: {"org_pk": w["org"].pk},
    "triage:dashboard": lambda w: {},
    "triage:export": lambda w: {},
    "triage:directory": lambda w: {},
    "triage:sanshi": lambda w: {},
    "triage:detail": lambda w: {"pk": w["request"].pk},
    "triage:confirm": lambda w: {"pk": w["request"].pk},
    "triage:start": lambda w: {"pk": w["request"].pk},
    "triage:transfer": lambda w: {"pk": w["request"].pk},
    "triage:supervise": lambda w: {"pk": w["request"].pk},
    "triage:resolve": lambda w: {"pk": w["request"].pk},
    "triage:reply": lambda w: {"pk": w["request"].pk},
    "triage:rate": lambda w: {"pk": w["request"].pk},
    "triage:reopen": lambda w: {"pk": w["request"].pk},
    "triage:topic": lambda w: {"pk": w["request"].pk},
    "triage:o311_services": lambda w: {"fmt": "json"},
    "triage:o311_service": lambda w: {"code": "road", "fmt": "xml"},
    "triage:o311_requests": lambda w: {"fmt": "json"},
    "triage:o311_request": lambda w: {"pk": w["request"].pk, "fmt": "xml"},
    "triage:o311_discovery": lambda w: {"fmt": "json"},
    "triage:o311_discovery_v2": lambda w: {"fmt": "xml"},
    "triage:o311_token": lambda w: {"token": "t-1", "fmt": "json"},
    "triage:o311_not_found": lambda w: {"rest": "v2/nothing.json"},
    "triage:o311_claim": lambda w: {"token": "not-a-signed-token"},
    "triage:ask_help": lambda w: {"pk": w["private"].pk, "entry_pk": w["entry"].pk},
    "triage:close_referral": lambda w: {"pk": w["private"].pk},
    "triage:help_list": lambda w: {},
    "triage:help": lambda w: {"offer_pk": w["offer"].pk},
    "triage:help_accept": lambda w: {"offer_pk": w["offer"].pk},
    "triage:help_decline": lambda w: {"offer_pk": w["offer"].pk},
    "triage:help_hours": lambda w: {"offer_pk": w["offer"].pk},
    "triage:help_confirm": lambda w: {"offer_pk": w["offer"].pk},
}

LIST_FILTERS = {
    "status": "assigned",
    "class": "government",
    "type": "road",
    "area": "1",
    "from": "2026-01-01",
    "to": "2026-12-31",
    "sort": "new",
    "page": "1",
}

# Fields of views that read request.POST / request.GET directly (no rendered form),
# with a valid value each where one helps to reach the deeper code.
FIELDS = {
    "portal:preferences": {"language": "en", "elder_mode": "1", "text_size": "large", "next": "/"},
    "portal:notification_settings": {"on": "triage:email"},
    "account_request_login_code": {"phone": "13912340001"},
    "account_confirm_login_code": {"code": "123456", "action": "resend"},
    "account_verify_phone": {"code": "123456", "action": "resend"},
    "account_change_phone": {"phone": "13912340001", "action": "verify"},
    "portal:residency_queue": {"membership": "1", "decision": "confirm", "note": ""},
    "cms:search": {"q": "电梯", "page": "1", "type": "topic", "area": "x"},
    "credits:statement": {"account": "1", "before": "1"},
    "credits:statement_csv": {"account": "1"},
    "credits:verify": {
        **LIST_FILTERS,
        "q": "垃圾",
        "sort": "hours",
        "log": "1",
        "action": "approve",
        "reason": "x",
    },
    "credits:revoke": {"reason": "x"},
    "credits:fulfil": {
        **LIST_FILTERS,
        "q": "券",
        "sort": "expires",
        "code": "123456",
        "community": "1",
    },
    "credits:rewards": {"community": "x"},
    "deliberation:community": {"format": "", "status": "", "tag": "", "q": "", "page": "1"},
    "deliberation:topic": {"page": "1"},
    "deliberation:topic_follow": {"follow": "0"},
    "deliberation:topic_status": {"status": "agenda", "reason": "x"},
    "deliberation:topic_outcome": {"decision": "x", "votes_for": "1"},
    "deliberation:topic_edit": {"title": "x", "body": "x"},
    "deliberation:contribute": {"text": "x", "stance": "", "parent": "1"},
    "deliberation:contribution_edit": {"text": "x"},
    "deliberation:contribution_report": {"reason": "x"},
    "deliberation:contribution_moderate": {"decision": "hide", "reason": "x", "next": "/"},
    "deliberation:followup_status": {"status": "done"},
    "deliberation:poll": {"option": "1"},
    "deliberation_admin:checkin": {**LIST_FILTERS, "sort": "checked", "code": "ABC123"},
    "deliberation_admin:home": {**LIST_FILTERS, "q": "电梯", "community": "1", "sort": "support"},
    "deliberation_admin:moderation": {
        **LIST_FILTERS,
        "q": "x",
        "community": "1",
        "sort": "reports",
    },
    "deliberation:desk_session": {"code": "ABC123", "via": "camera"},
    "deliberation_admin:add_to_session": {"session": "1"},
    # lists through portal/listing.py: filters, dates, sort and page in the URL
    "triage:index": LIST_FILTERS,
    "triage:queue": LIST_FILTERS,
    "triage:inbox": LIST_FILTERS,
    "triage:directory": {"q": "开锁", "kind": "provider", "area": "1", "sort": "name", "page": "1"},
    "triage:dashboard": {"area": "1"},
    "credits:dashboard": {"area": "1"},
    "triage:export": {"area": "1"},
    "triage:supervise": {"note": "x"},
    "triage:help_hours": {"hours": "2", "service_date": "2026-01-01", "note": "x"},
    "triage:close_referral": {"outcome": "solved", "comment": "x"},
    "triage:o311_requests": {
        "service_request_id": "1",
        "service_code": "road",
        "status": "open",
        "start_date": "2026-01-01T00:00:00Z",
        "end_date": "2026-12-31T00:00:00Z",
        "description": "井盖丢了",
        "lat": "36.06",
        "long": "120.38",
        "address_string": "x",
        "first_name": "x",
        "last_name": "x",
        "phone": "13812345678",
    },
}


SNIPPET_VIEWS = {"add", "edit", "delete"}


def _our_snippet(namespace: str) -> str | None:
    """'credits.reward' for the namespace of a snippet viewset of one of our models."""
    if not namespace.startswith("wagtailsnippets_"):
        return None
    app, _, model = namespace.removeprefix("wagtailsnippets_").rstrip(":").partition("_")
    return f"{app}.{model}" if app in OUR_APPS else None


def url_kwargs(name: str, w) -> dict:
    namespace, _, view = name.rpartition(":")
    label = _our_snippet(namespace + ":")
    if label and view in ("edit", "delete"):
        from django.contrib.admin.utils import quote

        return {"pk": quote(apps.get_model(label)._default_manager.order_by("pk").first().pk)}
    if label:
        return {}
    return URL_KWARGS[name](w)


def our_patterns():
    """(url name, pattern) for every view of our apps, from the resolver itself."""
    found = []

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern):
                module = getattr(p.callback, "__module__", "") or ""
                if _our_snippet(namespace):
                    if p.name in SNIPPET_VIEWS:
                        found.append(f"{namespace}{p.name}")
                elif module.split(".")[0] in OUR_APPS and p.name:
                    found.append(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    return sorted(set(found))


def test_every_endpoint_is_covered():
    missing = [
        n
        for n in our_patterns()
        if n not in URL_KWARGS and not _our_snippet(n.rpartition(":")[0] + ":")
    ]
    assert not missing, f"add these URL names to URL_KWARGS in {__file__}: {missing}"
    stale = [name for name in URL_KWARGS if name not in our_patterns()]
    snippets = {n for n in our_patterns() if _our_snippet(n.rpartition(":")[0] + ":")}
    assert "wagtailsnippets_credits_reward:edit" in snippets, snippets
    assert not stale, stale


class _Forms(HTMLParser):
    """Names and offered values of every field in the page's forms."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("input", "select", "textarea", "button") and a.get("name"):
            values = self.fields.setdefault(a["name"], [])
            if a.get("value") is not None:
                values.append(a["value"])
            self._select = a["name"] if tag == "select" else None
        elif tag == "option" and getattr(self, "_select", None):
            self.fields[self._select].append(a.get("value") or "")


def snapshot() -> dict:
    """Row count and a checksum of every table of our apps."""
    state = {}
    for label in OUR_APPS:
        for model in apps.get_app_config(label).get_models():
            rows = list(model._default_manager.order_by("pk").values_list())
            digest = hashlib.sha256(repr(rows).encode("utf-8", "backslashreplace")).hexdigest()
            state[model._meta.label] = (len(rows), digest)
    return state


def _refused(response, method: str) -> bool:
    if response.status_code >= 400:
        return True
    storage = getattr(response.wsgi_request, "_messages", None)
    queued = [m.level for m in getattr(storage, "_queued_messages", [])]
    if message_levels.ERROR in queued and message_levels.SUCCESS not in queued:
        return True
    return method == "POST" and response.status_code == 200 and _has_form_errors(response)


def _has_form_errors(response) -> bool:
    context = getattr(response, "context", None)
    if not context:
        return False
    form = context.get("form")
    return bool(form is not None and getattr(form, "errors", None))


@pytest.fixture(autouse=True)
def _quiet(settings, caplog):
    settings.PORTAL_REQUIRE_STAFF_MFA = False
    caplog.set_level("CRITICAL", logger="django.request")


@pytest.mark.parametrize("name", our_patterns())
def test_hostile_input_never_500_and_refusals_change_nothing(name, world):
    url = reverse(name, kwargs=url_kwargs(name, world))
    clients = {}
    for role in ("resident", "admin"):
        client = Client(raise_request_exception=False)
        client.force_login(world[role])
        clients[role] = client
    clients["anonymous"] = Client(raise_request_exception=False)

    # The fields to attack: from the rendered forms (as the most powerful role), plus FIELDS.
    fields: dict[str, list[str]] = {}
    page = clients["admin"].get(url)
    assert page.status_code < 500, (url, page.status_code)
    if "html" in page.get("Content-Type", ""):
        parser = _Forms()
        parser.feed(page.content.decode("utf-8", "replace"))
        fields.update(parser.fields)
    for key, value in FIELDS.get(name, {}).items():
        fields.setdefault(key, []).append(value)
    fields.pop("csrfmiddlewaretoken", None)
    if name == "triage:o311_requests":
        fields["api_key"] = [world["api_key"]]
    names = sorted(fields) or ["q"]

    def value_for(field):
        offered = [v for v in fields.get(field, []) if v is not None]
        return st.one_of(st.sampled_from(offered), text) if offered else text

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded in time
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def attack(data):
        role = data.draw(st.sampled_from(["resident", "admin", "anonymous"]), label="role")
        method = data.draw(st.sampled_from(["POST", "POST", "GET"]), label="method")
        chosen = data.draw(st.lists(st.sampled_from(names), unique=True), label="fields")
        body = {f: data.draw(value_for(f), label=f) for f in names if f in chosen or fields.get(f)}
        for f in data.draw(st.lists(st.sampled_from(names), max_size=2, unique=True)):
            body[f] = [body.get(f, ""), data.draw(text)]  # a repeated key
        encoding = data.draw(st.sampled_from(["form", "multipart", "raw"]), label="encoding")
        client = clients[role]
        sid = transaction.savepoint()
        try:
            before = snapshot()
            if method == "GET":
                response = client.get(url, {k: v for k, v in body.items()})
            elif encoding == "raw":
                raw = data.draw(st.binary(max_size=200), label="raw body")
                key = (names[0] + "=").encode()
                response = client.post(
                    url, key + raw, content_type="application/x-www-form-urlencoded"
                )
            elif encoding == "multipart":
                blob = {k: v for k, v in body.items()}
                blob[names[0]] = data.draw(st.binary(max_size=64), label="bytes")  # bad UTF-8
                response = client.post(url, blob)
            else:
                response = client.post(
                    url,
                    "&".join(_urlencode(k, v) for k, v in body.items()),
                    content_type="application/x-www-form-urlencoded",
                )
            exc = getattr(response, "exc_info", None)
            assert response.status_code < 500, (role, method, url, body, exc and exc[1])
            if _refused(response, method):
                after = snapshot()
                changed = sorted(k for k in after if after[k] != before.get(k))
                assert not changed, (role, method, url, body, response.status_code, changed)
        finally:
            transaction.savepoint_rollback(sid)

    attack()


def _urlencode(key, value) -> str:
    from urllib.parse import quote

    values = value if isinstance(value, list) else [value]
    return "&".join(f"{quote(key)}={quote(str(v), safe='')}" for v in values)


def test_known_crashes_are_among_the_inputs():
    for value in ("2026-02-30T10:00:00Z", "\x00", '"', str(2**31), "1234567890123456789012345"):
        assert value in KNOWN
    assert timezone.now()
