"""Every URL the site serves, as every role, against one expected-status table (issue 9).

The test walks `get_resolver().url_patterns` recursively; a pattern with no row in
`EXPECTED` (and not in `EXCLUDED`, with its reason) fails `test_every_url_has_a_row`.  To add
a URL: add its path parameters to `PARAMS` (if it has any) and a row to `EXPECTED`:
`row(default, role=status, ...)`.  Statuses: 200 shown, 302 redirected (to sign in for
anonymous, or back to a page with a message), 403 refused, 404 not found or hidden,
405 wrong method (POST-only endpoints).  Set URL_MATRIX_PRINT=1 to print what the site
answers now in the table's own syntax.

Community A (新湛社区) holds every object; community B (延安三路社区) is the other one.
"""

from __future__ import annotations

import datetime as dt
import os

from django.test import TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from credits import services as credits
from deliberation import services as deliberation
from deliberation.models import Contribution, ContributionReport, FollowUp, Topic
from portal.models import Membership
from tests import factories
from tests.credits import factories as cf
from tests.deliberation import factories as df
from tests.triage.factories import world
from triage import services as triage
from triage.models import HelpOffer, Request, ServiceDirectoryEntry
from triage.services import referrals

ROLES = [
    "anonymous",
    "resident_a",
    "resident_b",
    "volunteer",
    "grid_worker",
    "committee_a",
    "committee_b",
    "department",
    "hotline",
    "supervisor",
    "site_admin",
]

# Route prefixes not walked, each with its reason.
EXCLUDED = {
    "admin/": "the Wagtail admin: behind staff MFA, covered by tests/portal and tests/cms",
    "django-admin/": "the Django admin: superusers only, another helper's scope (issue 9 #5)",
    "accounts/": "allauth's sign-in, sign-up and MFA pages: allauth's own tests",
    "_util/": "Wagtail's private-page password and login forms (need a view restriction)",
    "documents/authenticate_with_password/": "Wagtail document password form (no restriction)",
}


def row(default: int, **roles: int) -> dict[str, int]:
    unknown = set(roles) - set(ROLES)
    assert not unknown, unknown
    return {role: roles.get(role, default) for role in ROLES}


def signed_in(status: int, **roles: int) -> dict[str, int]:
    """Anonymous is sent to sign in; everyone signed in gets `status` unless told."""
    return row(status, anonymous=302, **roles)


STAFF_DASHBOARD = dict(grid_worker=200, committee_a=200, committee_b=200)
STAFF_DASHBOARD.update(department=200, hotline=200, supervisor=200, site_admin=200)

EXPECTED: dict[str, dict[str, int]] = {}  # filled at the end of the module


def _walk(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route, p


def all_routes() -> list[str]:
    return [route for route, _p in _walk(get_resolver().url_patterns)]


def walked_routes() -> list[str]:
    return [r for r in all_routes() if not any(r.startswith(x) for x in EXCLUDED)]


# The API's rate limit per address would refuse this walk of every URL for every role.
@override_settings(PORTAL_REQUIRE_STAFF_MFA=True, PUBLIC_API_RATE="100000/min")
class URLMatrix(TestCase):
    @classmethod
    def setUpTestData(cls):
        tree = factories.city_tree()
        w = world(tree)
        cls.tree, cls.w = tree, w
        orgs, people = w["orgs"], w["people"]
        a, b = tree["community"], tree["other_community"]
        u = {
            "resident_a": factories.resident(
                tree["grid"], phone="13900000001", phone_verified=True
            ),
            "resident_b": factories.resident(tree["other_grid"]),
            "volunteer": factories.member("volunteer", a),
            "grid_worker": people["grid_worker"],
            "committee_a": people["committee"],
            "committee_b": factories.member("committee", b, orgs["other_committee"]),
            "department": people["chengguan"],
            "hotline": people["hotline"],
            "supervisor": people["street"],
            "site_admin": factories.member("site_admin", tree["city"]),
        }
        cls.users = u
        # Staff reach staff surfaces only with TOTP set up (portal.middleware): give the site
        # administrator an authenticator, as production demands, so the table shows what
        # her role allows rather than the MFA redirect (tests/portal/test_staff_mfa.py).
        from allauth.mfa.models import Authenticator

        Authenticator.objects.create(
            user=u["site_admin"], type=Authenticator.Type.TOTP, data={"secret": "x"}
        )
        neighbour = factories.resident(tree["grid2"])
        # deliberation
        topic = df.topic(a, raised_by=neighbour)
        cls.topic = topic
        cls.contribution = deliberation.contribution_add(
            user=neighbour, topic=topic, text="赞成加装电梯", stance="support"
        )
        decided = df.topic(a, raised_by=neighbour, title="楼道灯")
        df.held_session(a, u["committee_a"], decided)
        outcome = deliberation.outcome_publish(
            user=u["committee_a"],
            topic=decided,
            decision="同意更换",
            followups=[
                {"action": "更换灯泡", "responsible": "物业", "due_date": dt.date(2030, 1, 1)}
            ],
        )
        cls.followup = FollowUp.objects.get(outcome=outcome)
        cls.session = df.session(a, u["committee_a"])
        cls.poll = df.poll(a, u["committee_a"])
        # moral bank
        cf.rule(a)
        cls.reward = cf.reward(a, cost="10.00")
        cf.fund(u["resident_a"], a, "50.00")
        cls.redemption = credits.redemption_reserve(
            user=u["resident_a"], reward=cls.reward, idempotency_key="matrix-1"
        )
        cls.log = credits.service_log_approve(
            actor=u["committee_a"], log=cf.log(u["resident_a"], a)
        )
        # a request triaged to 小事 (the committee of A handles it)
        cls.request = triage.request_submit(
            channel="web",
            text="两户邻居因楼道堆物发生争执，申请调解",
            area=tree["grid"],
            reporter=u["resident_a"],
            service_type=w["types"]["dispute"],
        )
        if cls.request.status == "triaged":  # below the classifier's threshold: confirmed
            cls.request = triage.request_confirm(
                request=cls.request, actor=u["committee_a"], request_class="community"
            )
        assert cls.request.organisation == orgs["committee"]
        cls.inbox_org = orgs["committee"]
        # a 私事 referred to resident A, who asked a volunteer of the directory (issue 10)
        cls.entry = ServiceDirectoryEntry.objects.create(
            name="志愿者小王",
            kind="volunteer",
            area=a,
            volunteer=factories.resident(tree["grid2"]),
            services="水龙头",
        )
        cls.private = triage.request_submit(
            channel="web",
            text="家里水龙头坏了一直滴水，装修公司装的，想找个师傅上门修一下",
            area=tree["grid"],
            reporter=u["resident_a"],
        )
        assert cls.private.status == "referred"
        cls.offer = referrals.help_ask(request=cls.private, user=u["resident_a"], entry=cls.entry)

    # --- path parameters ------------------------------------------------------------

    def params(self) -> dict[str, dict]:
        a = self.tree["community"]
        return {
            "credits/rewards/<id:pk>/redeem/": {"pk": self.reward.pk},
            "credits/redemptions/<id:pk>/": {"pk": self.redemption.pk},
            "credits/redemptions/<id:pk>/cancel/": {"pk": self.redemption.pk},
            "credits/verify/<id:pk>/revoke/": {"pk": self.log.pk},
            "credits/community/<slug:code>/": {"code": a.code},
            "credits/certificates/<str:serial>/": {"serial": "AAAA-AAAA-AAAA-AAAA"},
            "deliberation/c/<slug:code>/": {"code": a.code},
            "deliberation/c/<slug:code>/raise/": {"code": a.code},
            "deliberation/c/<slug:code>/calendar.ics": {"code": a.code},
            "deliberation/c/<slug:code>/dashboard/": {"code": a.code},
            "deliberation/contribution/<id:pk>/edit/": {"pk": self.contribution.pk},
            "deliberation/contribution/<id:pk>/report/": {"pk": self.contribution.pk},
            "deliberation/contribution/<id:pk>/moderate/": {"pk": self.contribution.pk},
            "deliberation/followup/<id:pk>/status/": {"pk": self.followup.pk},
            "deliberation/p/<id:pk>/": {"pk": self.poll.pk},
            "triage/inbox/<id:org_pk>/": {"org_pk": self.inbox_org.pk},
            "triage/claim/<str:token>/": {"token": "not-a-signed-token"},
            "triage/claim/email/<str:token>/": {"token": "not-a-signed-token"},
            "triage/open311/discovery.<str:fmt>": {"fmt": "json"},
            "triage/open311/v2/discovery.<str:fmt>": {"fmt": "xml"},
            "triage/open311/v2/tokens/<str:token>.<str:fmt>": {"token": "nope", "fmt": "json"},
            "api/v1/areas/<slug:code>/": {"code": a.code},
            "api/v1/communities/<slug:code>/": {"code": a.code},
            "api/v1/moral-bank/<slug:code>/": {"code": a.code},
            "api/v1/topics/<int:pk>/": {"pk": self.topic.pk},
            "api/v1/sessions/<int:pk>/": {"pk": self.session.pk},
            "api/v1/outcomes/<int:pk>/": {"pk": self.followup.outcome_id},
            "triage/open311/v2/services.<str:fmt>": {"fmt": "json"},
            "triage/open311/v2/services/<slug:code>.<str:fmt>": {"code": "road", "fmt": "json"},
            "triage/open311/v2/requests.<str:fmt>": {"fmt": "json"},
            "triage/open311/v2/requests/<id:pk>.<str:fmt>": {
                "pk": self.request.pk,
                "fmt": "json",
            },
            **{
                r: {"pk": self.topic.pk}
                for r in walked_routes()
                if r.startswith("deliberation/t/<id:pk>/")
            },
            **{
                r: {"pk": self.session.pk}
                for r in walked_routes()
                if r.startswith("deliberation/s/<id:pk>/")
            },
            **{
                r: {"pk": self.request.pk}
                for r in walked_routes()
                if r.startswith("triage/r/<id:pk>/")
            },
            "triage/r/<id:pk>/help/<id:entry_pk>/": {
                "pk": self.private.pk,
                "entry_pk": self.entry.pk,
            },
            "triage/r/<id:pk>/close/": {"pk": self.private.pk},
            **{
                r: {"offer_pk": self.offer.pk}
                for r in walked_routes()
                if r.startswith("triage/help/<id:offer_pk>/")
            },
        }

    def url_for(self, route: str) -> str:
        if route == "documents/^(\\d+)/(.*)$":  # Wagtail's regex route: a missing document
            return "/documents/999999/missing.pdf"
        if route == "^(?P<path>(?:[\\w\\-]+/)*)$":  # Wagtail's page tree: the home page
            return "/"
        if route == "triage/open311/^(?P<rest>.*)$":  # Open311's catch-all: an Open311 404
            return "/triage/open311/v2/nothing.json"
        return self._reverse(route, self.params().get(route) or {})

    def _reverse(self, route: str, kwargs: dict) -> str:
        url = "/" + route
        for name, value in kwargs.items():
            for conv in ("id", "int", "str", "slug", "path"):
                url = url.replace(f"<{conv}:{name}>", str(value))
        assert "<" not in url, (route, url)
        return url

    def answer(self, role: str, url: str, method: str = "get", data=None) -> int:
        if role == "anonymous":
            self.client.logout()
        else:
            self.client.force_login(self.users[role])
        response = getattr(self.client, method)(url, data or {})
        return response.status_code

    # --- the tests ------------------------------------------------------------------

    def test_every_url_has_a_row(self):
        missing = [r for r in walked_routes() if r not in EXPECTED]
        stale = [r for r in EXPECTED if r not in walked_routes()]
        assert missing == [], f"add these URLs to EXPECTED (and PARAMS): {missing}"
        assert stale == [], f"these rows name no URL any more: {stale}"

    def test_every_role_gets_what_the_table_says(self):
        seen, wrong = {}, []
        for route in walked_routes():
            url = self.url_for(route)
            seen[route] = {}
            for role in ROLES:
                status = self.answer(role, url)
                seen[route][role] = status
                want = EXPECTED.get(route, {}).get(role)
                if status != want:
                    wrong.append(f"{role:12} GET {url} -> {status}, table says {want}")
        if os.environ.get("URL_MATRIX_PRINT"):
            print(_as_table(seen))
        assert wrong == [], "\n" + "\n".join(wrong)

    def test_refused_posts_change_nothing(self):
        """Roles that must be refused post to the write endpoints: no row changes."""
        a = self.tree["community"]
        snapshot = lambda: (  # noqa: E731
            list(Topic.objects.values_list("pk", "status", "support_count")),
            list(Contribution.objects.values_list("pk", "status", "report_count", "text")),
            ContributionReport.objects.count(),
            list(Request.objects.values_list("pk", "status", "organisation_id", "satisfaction")),
            list(HelpOffer.objects.values_list("pk", "status", "hours", "share_contact")),
            list(FollowUp.objects.values_list("pk", "status")),
            str(self.redemption.__class__.objects.values_list("pk", "status").order_by("pk")),
            list(Membership.objects.values_list("pk", "status").order_by("pk")),
            str(self.log.__class__.objects.values_list("pk", "status").order_by("pk")),
        )
        outsiders = ["anonymous", "resident_b", "committee_b", "department", "hotline"]
        t, c, r = self.topic.pk, self.contribution.pk, self.request.pk
        p, o = self.private.pk, self.offer.pk
        posts = [
            (f"/deliberation/t/{t}/support/", {}, outsiders),
            (f"/deliberation/t/{t}/status/", {"status": "declined", "reason": "x"}, outsiders),
            (f"/deliberation/t/{t}/outcome/", {"decision": "否决"}, outsiders),
            (f"/deliberation/contribution/{c}/report/", {"reason": "x"}, outsiders),
            (f"/deliberation/contribution/{c}/edit/", {"text": "改"}, outsiders),
            (
                f"/deliberation/contribution/{c}/moderate/",
                {"decision": "remove", "reason": "x"},
                outsiders + ["resident_a", "volunteer", "grid_worker"],
            ),
            (f"/deliberation/followup/{self.followup.pk}/status/", {"status": "done"}, outsiders),
            (f"/deliberation/p/{self.poll.pk}/", {"option": "1"}, outsiders),
            (f"/triage/r/{r}/confirm/", {"request_class": "government"}, outsiders),
            (f"/triage/r/{r}/start/", {}, outsiders + ["resident_a"]),
            (f"/triage/r/{r}/resolve/", {"note": "x"}, outsiders + ["resident_a"]),
            (f"/triage/r/{r}/reply/", {"reply": "x"}, outsiders + ["resident_a"]),
            (f"/triage/r/{r}/rate/", {"score": "1"}, outsiders + ["committee_a"]),
            (
                f"/triage/r/{p}/help/{self.entry.pk}/",
                {"share_contact": "on"},
                outsiders + ["committee_a", "volunteer"],
            ),
            (f"/triage/r/{p}/close/", {"outcome": "solved"}, outsiders + ["committee_a"]),
            (f"/triage/help/{o}/accept/", {}, outsiders + ["resident_a", "volunteer"]),
            (f"/triage/help/{o}/decline/", {}, outsiders + ["resident_a", "volunteer"]),
            (f"/triage/help/{o}/hours/", {"hours": "2"}, outsiders + ["resident_a"]),
            (f"/triage/help/{o}/confirm/", {}, outsiders + ["resident_a", "volunteer"]),
            (
                f"/credits/redemptions/{self.redemption.pk}/cancel/",
                {},
                outsiders + ["resident_b", "volunteer"],
            ),
            (f"/credits/verify/{self.log.pk}/revoke/", {"reason": "x"}, outsiders),
            ("/credits/fulfil/", {"community": a.pk, "code": self.redemption.code}, outsiders),
        ]
        before = snapshot()
        for url, data, roles in posts:
            for role in roles:
                status = self.answer(role, url, "post", data)
                # 200 only for a form shown again with its error (the fulfil desk).
                assert status in (200, 302, 403, 404, 405), (role, url, status)
                assert snapshot() == before, (role, url)


def _as_table(seen: dict[str, dict[str, int]]) -> str:
    from collections import Counter

    lines = []
    for route, by_role in seen.items():
        default = Counter(by_role.values()).most_common(1)[0][0]
        extra = ", ".join(f"{r}={s}" for r, s in by_role.items() if s != default)
        lines.append(f"    {route!r}: row({default}{', ' if extra else ''}{extra}),")
    return "\n".join(lines)


EXPECTED.update(
    {
        "healthz": row(200),
        "robots.txt": row(200),
        "sitemap.xml": row(200),
        "favicon.ico": row(302),
        "manifest.webmanifest": row(200),  # the installable app: the same for everyone
        "sw.js": row(200),  # the service worker, served from the root for its scope
        "offline/": row(200),  # the page the worker shows offline: nothing personal
        "styleguide/": row(200),  # public: tokens and components, no data
        "me/": row(200, anonymous=302),
        "me/residency/": row(200, anonymous=302),
        "me/committee/residents/": row(
            403, anonymous=302, committee_a=200, committee_b=200, site_admin=200
        ),
        "me/preferences/": row(200, anonymous=302),
        "me/notifications/": row(200, anonymous=302),
        "me/notifications/settings/": row(200, anonymous=302),
        "documents/^(\\d+)/(.*)$": row(404),
        "credits/": row(200),
        "credits/statement/": row(200, anonymous=302),
        "credits/statement.csv": row(404, anonymous=302, resident_a=200),
        "credits/rewards/": row(200, anonymous=302),
        "credits/rewards/<id:pk>/redeem/": row(405, anonymous=302),
        "credits/redemptions/": row(200, anonymous=302),
        "credits/redemptions/<id:pk>/": row(404, anonymous=302, resident_a=200),
        "credits/redemptions/<id:pk>/cancel/": row(405, anonymous=302),
        "credits/hours/": row(200, anonymous=302),
        "credits/hours/certificate/": row(200, anonymous=302),
        "credits/certificates/<str:serial>/": row(404),  # public; unknown serial
        "credits/verify/": row(
            403, anonymous=302, committee_a=200, committee_b=200, site_admin=200
        ),
        "credits/verify/<id:pk>/revoke/": row(405, anonymous=302),
        "credits/record/": row(
            403, anonymous=302, committee_a=200, committee_b=200, site_admin=200
        ),
        "credits/fulfil/": row(
            403, anonymous=302, committee_a=200, committee_b=200, site_admin=200
        ),
        "credits/community/<slug:code>/": row(200),
        "credits/dashboard/": row(
            403, anonymous=302, committee_a=200, committee_b=200, site_admin=200
        ),
        "deliberation/": row(200),
        "deliberation/me/": row(200, anonymous=302),
        "deliberation/c/<slug:code>/": row(200),
        "deliberation/c/<slug:code>/raise/": row(200, anonymous=302),
        "deliberation/c/<slug:code>/calendar.ics": row(200),
        "deliberation/c/<slug:code>/dashboard/": row(
            403, anonymous=302, committee_a=200, site_admin=200
        ),
        "deliberation/t/<id:pk>/": row(200),
        "deliberation/t/<id:pk>/support/": row(405, anonymous=302),
        "deliberation/t/<id:pk>/follow/": row(405, anonymous=302),
        "deliberation/t/<id:pk>/contribute/": row(405, anonymous=302),
        "deliberation/t/<id:pk>/status/": row(405, anonymous=302),
        "deliberation/t/<id:pk>/outcome/": row(405, anonymous=302),
        "deliberation/t/<id:pk>/edit/": signed_in(403, committee_a=200, site_admin=200),
        "deliberation/contribution/<id:pk>/edit/": row(405, anonymous=302),
        "deliberation/contribution/<id:pk>/report/": row(405, anonymous=302),
        "deliberation/contribution/<id:pk>/moderate/": row(405, anonymous=302),
        "deliberation/followup/<id:pk>/status/": row(405, anonymous=302),
        "deliberation/s/<id:pk>/": row(200),
        "deliberation/s/<id:pk>/register/": row(405, anonymous=302),
        "deliberation/s/<id:pk>/cancel/": row(405, anonymous=302),
        "deliberation/s/<id:pk>/session.ics": row(200),
        "deliberation/p/<id:pk>/": row(200),
        "deliberation/desk/": row(
            403, anonymous=302, grid_worker=200, committee_a=200, committee_b=200, site_admin=200
        ),
        "deliberation/s/<id:pk>/desk/": row(
            403, anonymous=302, grid_worker=200, committee_a=200, site_admin=200
        ),
        "triage/": row(200),
        "triage/new/": row(302, resident_a=200, resident_b=200),
        "triage/intake/": row(
            403,
            anonymous=302,
            grid_worker=200,
            committee_a=200,
            committee_b=200,
            hotline=200,
            site_admin=200,
        ),
        "triage/queue/": row(
            200, anonymous=302, resident_a=403, resident_b=403, volunteer=403, grid_worker=403
        ),
        "triage/inbox/<id:org_pk>/": row(
            403, anonymous=302, grid_worker=200, committee_a=200, site_admin=200
        ),
        "triage/dashboard/": row(200, anonymous=302, resident_a=403, resident_b=403, volunteer=403),
        "triage/dashboard/export.xlsx": row(
            200, anonymous=302, resident_a=403, resident_b=403, volunteer=403, grid_worker=403
        ),
        "triage/directory/": row(200),
        "triage/sanshi/": row(200),  # the public 三事分流 page (issue 10)
        # A forged or mangled claim link: sign in first, then a translated refusal.
        "triage/claim/<str:token>/": row(400, anonymous=302),
        "triage/claim/email/<str:token>/": row(400, anonymous=302),
        "triage/r/<id:pk>/": row(200),
        "triage/r/<id:pk>/confirm/": row(405),
        "triage/r/<id:pk>/start/": row(405),
        "triage/r/<id:pk>/transfer/": row(405),
        "triage/r/<id:pk>/supervise/": row(405),
        "triage/r/<id:pk>/resolve/": row(405),
        "triage/r/<id:pk>/reply/": row(405),
        "triage/r/<id:pk>/rate/": row(405),
        "triage/r/<id:pk>/reopen/": row(405),
        # the committee's staff handling the 小事 (its grid worker too) and the site admin
        "triage/r/<id:pk>/help/<id:entry_pk>/": row(405),
        "triage/r/<id:pk>/close/": row(405),
        "triage/help/": signed_in(200),
        "triage/help/<id:offer_pk>/": signed_in(403),
        "triage/help/<id:offer_pk>/accept/": row(405),
        "triage/help/<id:offer_pk>/decline/": row(405),
        "triage/help/<id:offer_pk>/hours/": row(405),
        "triage/help/<id:offer_pk>/confirm/": row(405),
        "triage/r/<id:pk>/topic/": signed_in(403, grid_worker=200, committee_a=200, site_admin=200),
        "triage/open311/v2/services.<str:fmt>": row(200),
        "triage/open311/v2/services/<slug:code>.<str:fmt>": row(200),
        "triage/open311/v2/requests.<str:fmt>": row(200),
        "triage/open311/v2/requests/<id:pk>.<str:fmt>": row(200),
        "triage/open311/discovery.<str:fmt>": row(200),
        "triage/open311/v2/discovery.<str:fmt>": row(200),
        "triage/open311/v2/tokens/<str:token>.<str:fmt>": row(404),
        "triage/open311/^(?P<rest>.*)$": row(404),
        # the public open-data API (api/): the same for everyone, signed in or not
        **{
            f"api/v1/{r}": row(200)
            for r in [
                "schema/",
                "docs/",
                "areas/",
                "areas/<slug:code>/",
                "communities/",
                "communities/<slug:code>/",
                "topics/",
                "topics/<int:pk>/",
                "sessions/",
                "sessions/<int:pk>/",
                "outcomes/",
                "outcomes/<int:pk>/",
                "request-statistics/",
                "moral-bank/",
                "moral-bank/<slug:code>/",
            ]
        },
        "api/": row(404),  # its JSON catch-all: any other path under /api/
        "search/": row(200),
        "^(?P<path>(?:[\\w\\-]+/)*)$": row(200),
    }
)
