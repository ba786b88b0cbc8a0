"""No typed text is ever lost on a refused form (issue 12).

For each resident and staff form outside the Wagtail admin: fill every field, make one
field wrong, submit, and check that an error is shown and every other field still holds
what was typed.  The browser's own checks (`required`, `type=date`) are switched off
before submitting, so the server's refusal is what is tested: the page a person gets
back after it is the one that must keep their text.
"""

from __future__ import annotations

import datetime
import re

import pytest

from credits.models import ServiceLog
from deliberation.models import Contribution, Outcome, Topic
from portal.models import Membership
from tests import factories
from tests.credits.factories import rule, yesterday
from tests.deliberation.factories import topic as make_topic
from tests.e2e.conftest import sign_in
from tests.triage.factories import world
from triage import services as triage_services
from triage.models import Request

ERROR = ".messages .error, .errorlist li, strong.error"


def _fill(page, selector: str, value) -> None:
    field = page.locator(selector)
    kind = field.evaluate("e => e.tagName + ':' + (e.type || '')").lower()
    if kind.startswith("select"):
        field.select_option(value)
    elif kind.endswith(":checkbox") or kind.endswith(":radio"):
        if value:
            field.check()
    else:
        field.fill(value)


def _value(page, selector: str):
    field = page.locator(selector)
    kind = field.evaluate("e => e.tagName + ':' + (e.type || '')").lower()
    if kind.endswith(":checkbox") or kind.endswith(":radio"):
        return field.is_checked()
    return field.input_value()


def refuse_and_check(page, form: str, values: dict, wrong: dict, submit: str | None = None):
    """Fill `values` and `wrong` (selectors → values) inside `form`, submit, and check that
    an error shows and each field of `values` holds what was typed."""
    for selector, value in {**values, **wrong}.items():
        _fill(page, f"{form} {selector}", value)
    page.locator(form).evaluate("f => { f.noValidate = true }")
    button = page.locator(f"{form} {submit or 'button[type=submit]'}").first
    with page.expect_navigation():
        button.click()
    assert page.locator(ERROR).count() >= 1, f"{form}: no error is shown"
    for selector, value in values.items():
        assert _value(page, f"{form} {selector}") == value, f"{form} {selector} lost its text"


@pytest.mark.django_db(transaction=True)
def test_deliberation_forms_keep_text(page, shot):
    tree = factories.city_tree()
    community = tree["community"]
    committee = factories.member("committee", community)
    raiser = factories.resident(tree["grid"])
    resident = factories.resident(tree["grid"])
    topic = make_topic(community, raiser, title="小区东门停车难", body="晚上车辆堵住消防通道。")

    sign_in(page, resident)
    url = page.base_url + topic.get_absolute_url()
    page.goto(url)
    # The position is asked for, not an optional "—".
    stance = page.locator("form[action$='/contribute/'] select[name=stance]")
    assert stance.get_attribute("required") is not None
    assert "必选" in page.locator("label[for=id_stance]").inner_text()

    # 1. a contribution without a position: refused, the text comes back
    refuse_and_check(
        page,
        "form[action$='/contribute/']",
        {"textarea[name=text]": "建议晚上十点后开放地下车库，收费减半。"},
        {"select[name=stance]": ""},
    )
    assert "请选择支持、反对或建议" in page.locator(ERROR).first.inner_text()
    assert Contribution.objects.count() == 0
    shot("forms-1-contribution-refused")
    # choosing a position is then enough
    page.select_option("form[action$='/contribute/'] select[name=stance]", "suggestion")
    with page.expect_navigation():
        page.locator("form[action$='/contribute/'] button[type=submit]").click()
    assert Contribution.objects.get().text == "建议晚上十点后开放地下车库，收费减半。"

    # 2. raising a topic without a description keeps the title and tags
    page.goto(page.base_url + f"/deliberation/c/{community.code}/raise/")
    refuse_and_check(
        page,
        "form.card",
        {"input[name=title]": "垃圾分类亭搬迁", "input[name=tags]": "环境, 垃圾分类"},
        {"textarea[name=body]": ""},
    )
    assert Topic.objects.count() == 1

    # 3. the committee declines without a reason: the chosen status stays
    sign_in(page, committee)
    page.goto(url)
    refuse_and_check(
        page,
        "form[action$='/status/']",
        {"select[name=status]": "declined"},
        {"input[name=reason]": ""},
    )
    topic.refresh_from_db()
    assert topic.status != "declined"

    # 4. an outcome whose follow-up has no one responsible keeps the decision and tally
    page.goto(url)
    refuse_and_check(
        page,
        "form[action$='/outcome/']",
        {
            "textarea[name=decision]": "同意开放地下车库夜间停车，试行三个月。",
            "input[name=votes_for]": "21",
            "input[name=votes_against]": "4",
            "input[name=votes_abstain]": "2",
            "input[name=followup_action]": "与物业签订夜间停车协议",
            "input[name=followup_due]": (
                datetime.date.today() + datetime.timedelta(days=30)
            ).isoformat(),
        },
        {"input[name=followup_responsible]": ""},
    )
    assert not Outcome.objects.exists()
    shot("forms-2-outcome-refused")


@pytest.mark.django_db(transaction=True)
def test_contribution_reply_edit_and_report_keep_text(page):
    tree = factories.city_tree()
    community = tree["community"]
    author = factories.resident(tree["grid"])
    resident = factories.resident(tree["grid"])
    topic = make_topic(community, author, title="楼道灯不亮", body="三号楼楼道灯坏了一个月。")
    from deliberation import services

    theirs = services.contribution_add(
        user=author, topic=topic, text="我去物业问过了。", stance="support"
    )
    mine = services.contribution_add(
        user=resident, topic=topic, text="支持尽快维修。", stance="support"
    )
    url = page.base_url + topic.get_absolute_url()
    sign_in(page, resident)

    # A reply of nothing but markup is refused; it comes back in its box, the box open.
    page.goto(url)
    page.locator(f"#c{theirs.pk} summary").click()
    form = f"#c{theirs.pk} form[action$='/contribute/']"
    refuse_and_check(page, form, {}, {"textarea[name=text]": "<p> </p>"})
    assert page.locator(f"{form} textarea[name=text]").input_value() == "<p> </p>"
    assert page.locator(f"#c{theirs.pk} details").get_attribute("open") is not None
    assert Contribution.objects.count() == 2

    # An edit emptied of everything but markup is refused and comes back as typed.
    page.goto(url)
    page.locator(f"#c{mine.pk} summary").click()
    form = f"form[action$='/contribution/{mine.pk}/edit/']"
    refuse_and_check(page, form, {}, {"textarea[name=text]": "<b></b>"})
    assert page.locator(f"{form} textarea[name=text]").input_value() == "<b></b>"
    mine.refresh_from_db()
    assert mine.text == "支持尽快维修。"


@pytest.mark.django_db(transaction=True)
def test_triage_forms_keep_text(page, shot):
    tree = factories.city_tree()
    w = world(tree)
    resident = factories.resident(tree["grid"])
    worker = factories.member("grid_worker", tree["grid"])
    handler = w["people"]["chengguan"]

    # 1. a resident's report with no text keeps the address and the chosen kind
    sign_in(page, resident)
    page.goto(page.base_url + "/triage/new/")
    kinds = page.locator("select[name=service_type] option").all()
    kind = kinds[-1].get_attribute("value")
    refuse_and_check(
        page,
        "form[data-testid=report-form]",
        {"input[name=address]": "湛山花园3号楼东侧", "select[name=service_type]": kind},
        {"textarea[name=text]": ""},
    )
    assert not Request.objects.exists()

    # 2. a grid worker's entry without a grid keeps the resident's words and name
    sign_in(page, worker)
    page.goto(page.base_url + "/triage/intake/")
    refuse_and_check(
        page,
        "form:has(select[name=channel])",
        {
            "textarea[name=text]": "独居老人家里水管漏水，需要物业上门。",
            "input[name=reporter_name]": "何奶奶",
            "input[name=address]": "湛山花园5号楼2单元",
        },
        {"input[name=grid]": ""},
    )
    assert not Request.objects.exists()

    # 3. the handler's reply, transfer and the resident's rating, each with a field wrong
    req = triage_services.request_submit(
        channel=Request.Channel.WEB,
        text="小区门口马路上的井盖丢了，晚上很危险",
        area=tree["grid"],
        reporter=resident,
    )
    req.refresh_from_db()
    sign_in(page, handler)
    page.goto(page.base_url + f"/triage/r/{req.pk}/")
    if page.locator("form[action$='/transfer/']").count():
        other = page.locator("form[action$='/transfer/'] select[name=organisation] option").all()
        refuse_and_check(
            page,
            "form[action$='/transfer/']",
            {"textarea[name=reason]": "井盖属于市政设施，应由市政部门处理。"},
            {"select[name=organisation]": ""},
        )
        assert other  # the choice list is there to pick from
    refuse_and_check(
        page,
        "form[data-testid=reply-form]",
        {
            "select[name=mediation]": page.locator(
                "form[data-testid=reply-form] select[name=mediation] option"
            ).last.get_attribute("value")
        },
        {"textarea[name=reply]": ""},
    )
    shot("forms-3-reply-refused")
    triage_services.request_reply(request=req, actor=handler, reply="井盖已更换，感谢您的反映。")
    sign_in(page, resident)
    page.goto(page.base_url + f"/triage/r/{req.pk}/")
    refuse_and_check(
        page,
        "form[data-testid=rate-form]",
        {"input[name=comment]": "处理很及时，但希望以后提前告知。"},
        {},
    )
    req.refresh_from_db()
    assert req.satisfaction is None


@pytest.mark.django_db(transaction=True)
def test_credits_forms_keep_text(page, shot):
    tree = factories.city_tree()
    community = tree["community"]
    rule(community, amount="10.00")
    volunteer = factories.resident(tree["grid"], display_name="陈阿姨")
    committee = factories.member("committee", community)

    # 1. hours that end before they start keep the activity, place and description
    sign_in(page, volunteer)
    page.goto(page.base_url + "/credits/hours/")
    day = yesterday().isoformat()
    refuse_and_check(
        page,
        "form:has(#id_activity)",
        {
            "#id_date": day,
            "#id_start": "11:30",
            "#id_activity": "独居老人探访",
            "#id_place": "湛山花园",
            "#id_description": "陪王奶奶聊天，帮她取药。",
        },
        {"#id_end": "09:00"},
    )
    assert not ServiceLog.objects.exists()
    page.locator("#id_end").fill("12:30")
    with page.expect_navigation():
        page.locator("form:has(#id_activity) button[type=submit]").click()
    log = ServiceLog.objects.get()

    # 2. a rejection without a reason keeps the ticked logs
    sign_in(page, committee)
    page.goto(page.base_url + "/credits/verify/")
    refuse_and_check(
        page,
        "form:has(input[name=log])",
        {f"#log-{log.pk}": True},
        {"#id_reason": ""},
        submit="button[value=reject]",
    )
    log.refresh_from_db()
    assert log.status == "pending"

    # 3. recording hours for attendees with the times reversed keeps the rest
    page.goto(page.base_url + "/credits/record/")
    refuse_and_check(
        page,
        "form:has(#id_activity)",
        {
            "#id_date": day,
            "#id_start": "14:00",
            "#id_activity": "楼道清扫",
            "#id_place": "湛山花园3号楼",
        },
        {"#id_end": "13:00"},
    )


@pytest.mark.django_db(transaction=True)
def test_portal_forms_keep_text(page):
    tree = factories.city_tree()
    newcomer = factories.UserFactory()

    # 1. a residency claim naming a grid of another community keeps the address
    sign_in(page, newcomer)
    page.goto(page.base_url + "/me/residency/")
    refuse_and_check(
        page,
        "form.card",
        {
            "select[name=community]": str(tree["community"].pk),
            "input[name=address]": "湛山花园7号楼1单元302室",
        },
        {"select[name=grid]": str(tree["other_grid"].pk)},
    )
    assert not Membership.objects.filter(user=newcomer).exists()

    # 2. a committee member's rejection reason that is too long comes back to be shortened
    committee = factories.member("committee", tree["community"])
    claimant = factories.UserFactory()
    claim = Membership.objects.create(
        user=claimant, role="resident", area=tree["grid2"], status="pending", address="5号楼"
    )
    sign_in(page, committee)
    page.goto(page.base_url + "/me/committee/residents/")
    form = f"form:has(input[name=membership][value='{claim.pk}'])"
    page.locator(f"{form} input[name=note]").evaluate("e => e.removeAttribute('maxlength')")
    reason = "地址与户籍登记不一致，请携带房产证或租赁合同到社区服务站核对。" * 8
    refuse_and_check(page, form, {}, {"input[name=note]": reason}, submit="button[value=reject]")
    assert page.locator(f"{form} input[name=note]").input_value() == reason
    claim.refresh_from_db()
    assert claim.status == "pending"

    # 3. sign-up with passwords that differ keeps the name and address
    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/signup/")
    form = "form:has(input[name=password2])"
    values = {"input[name=email]": "lin.xiao@example.cn"}
    if page.locator(f"{form} input[name=username]").count():
        values["input[name=username]"] = "xiaolin2026"
    refuse_and_check(
        page,
        form,
        values,
        {"input[name=password1]": "Qingdao-2026-ok", "input[name=password2]": "Qingdao-2026-no"},
    )

    # 4. a wrong password keeps the login name
    page.goto(page.base_url + "/accounts/login/")
    refuse_and_check(
        page,
        "form:has(input[name=login])",
        {"input[name=login]": newcomer.username},
        {"input[name=password]": "not-the-password"},
    )
    assert re.search(r"/accounts/login/", page.url)
