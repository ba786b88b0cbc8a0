"""The deliberation forms that were hand-built HTML are Django forms drawn through the one
field template (#16): each row's controls have their own ids, the posted names are as
before, and a refused form comes back holding what was typed."""

import re

import pytest
from django.urls import reverse

from deliberation import services
from deliberation.models import Contribution
from tests.deliberation.factories import poll as make_poll
from tests.deliberation.factories import topic as make_topic

pytestmark = pytest.mark.django_db


def ids(html: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', html)


def test_each_contribution_has_its_own_reply_edit_and_report_fields(client, community, neighbours):
    author, other = neighbours[0], neighbours[1]
    t = make_topic(community, author)
    first = services.contribution_add(user=author, topic=t, text="我先说", stance="support")
    second = services.contribution_add(user=other, topic=t, text="我也说", stance="oppose")
    client.force_login(other)
    html = client.get(t.get_absolute_url()).content.decode()
    all_ids = ids(html)
    assert len(all_ids) == len(set(all_ids)), "ids must be unique on the page"
    assert f'<label for="r{first.pk}-text">' in html
    assert re.search(rf'<textarea name="text"[^>]*id="r{first.pk}-text"', html)
    assert f'<input type="hidden" name="parent" value="{first.pk}"' in html
    assert re.search(
        rf'<input type="text" name="reason" maxlength="200"[^>]*id="p{first.pk}-reason"', html
    )
    # Their own contribution: an edit box holding the text, no report box.
    assert re.search(rf'id="e{second.pk}-text">\s*我也说</textarea>', html)
    assert f'id="p{second.pk}-reason"' not in html and f'id="e{first.pk}-text"' not in html


def test_a_refused_reply_comes_back_in_its_own_box_with_the_text(client, community, neighbours):
    author, other = neighbours[0], neighbours[1]
    t = make_topic(community, author)
    c = services.contribution_add(user=author, topic=t, text="我先说", stance="support")
    client.force_login(other)
    r = client.post(
        reverse("deliberation:contribute", args=[t.pk]),
        {"parent": c.pk, "text": "<p> </p>"},
        HTTP_REFERER=t.get_absolute_url(),
    )
    assert r.status_code == 302
    html = client.get(t.get_absolute_url()).content.decode()
    assert re.search(rf'id="r{c.pk}-text">\s*&lt;p&gt; &lt;/p&gt;</textarea>', html)
    assert re.search(r"<details open>", html)
    assert Contribution.objects.filter(parent=c).count() == 0


def test_a_refused_report_keeps_the_reason(client, community, neighbours):
    author, other = neighbours[0], neighbours[1]
    t = make_topic(community, author)
    c = services.contribution_add(user=author, topic=t, text="我先说", stance="support")
    client.force_login(other)
    url = reverse("deliberation:contribution_report", args=[c.pk])
    client.post(url, {"reason": "人身攻击"}, HTTP_REFERER=t.get_absolute_url())
    r = client.post(
        url,
        {"reason": "又一次"},
        HTTP_REFERER=t.get_absolute_url(),
        follow=True,
    )
    html = r.content.decode()
    assert "您已经举报过这条发言。" in html
    assert re.search(rf'name="reason" value="又一次" maxlength="200"[^>]*id="p{c.pk}-reason"', html)


def test_status_form_keeps_the_choice_and_reason_after_a_refusal(
    client, community, resident, committee_member
):
    t = make_topic(community, resident)
    client.force_login(committee_member)
    url = reverse("deliberation:topic_status", args=[t.pk])
    r = client.post(url, {"status": "declined", "reason": ""}, HTTP_REFERER=t.get_absolute_url())
    html = client.get(r["Location"]).content.decode()
    assert '<label for="st-status">' in html and '<label for="st-reason">' in html
    assert re.search(r'<option value="declined" selected>', html)
    assert '<option value="decided"' not in html
    t.refresh_from_db()
    assert t.status != "declined"
    client.post(url, {"status": "declined", "reason": "重复的议题"})
    t.refresh_from_db()
    assert t.status == "declined" and t.decline_reason == "重复的议题"


@pytest.mark.parametrize("kind, control", [("single", "radio"), ("multiple", "checkbox")])
def test_poll_ballot_is_a_fieldset_of_options(
    client, community, committee_member, resident, kind, control
):
    p = make_poll(community, committee_member, kind=kind)
    client.force_login(resident)
    html = client.get(p.get_absolute_url()).content.decode()
    assert re.search(r'<fieldset class="field"[^>]*>\s*<legend>\s*您的选择', html)
    options = list(p.options.all())
    for o in options:
        assert re.search(rf'<input type="{control}" name="option" value="{o.pk}"', html)
    r = client.post(p.get_absolute_url(), {"option": [options[1].pk]})
    assert r.status_code == 302
    assert p.ballots.get(user=resident).votes.get().option == options[1]


def test_two_choices_in_a_single_choice_poll_are_refused(
    client, community, committee_member, resident
):
    p = make_poll(community, committee_member, kind="single")
    a, b = list(p.options.all())[:2]
    client.force_login(resident)
    r = client.post(p.get_absolute_url(), {"option": [a.pk, b.pk]}, follow=True)
    assert "请只选择一个选项。" in r.content.decode()
    assert not p.ballots.exists()


def test_community_filter_is_a_form_that_keeps_its_values(client, community, resident):
    make_topic(community, resident, title="停车难", format_code="speakup", tags=["停车"])
    url = reverse("deliberation:community", args=[community.code])
    html = client.get(
        url, {"q": "停车", "format": "speakup", "status": "proposed", "tag": "停车"}
    ).content.decode()
    assert '<label for="f-q">' in html
    assert re.search(r'<input type="search" name="q" value="停车"[^>]*id="f-q"', html)
    assert re.search(r'<select name="format" id="f-format">\s*<option value="">', html)
    assert '<option value="speakup" selected>' in html
    assert '<option value="proposed" selected>' in html
    assert '<input type="hidden" name="tag" value="停车"' in html
    html = client.get(url).content.decode()
    assert 'name="tag"' not in html
