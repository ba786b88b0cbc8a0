"""The shared kernel every app uses: text, scoping, refusals."""

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from portal import forms as portal_forms
from portal.models import Area
from portal.refusals import refusal_messages, refusal_status, show_as_message, show_on_form
from portal.scoping import area_q, community_of
from portal.text import clean_text


@pytest.mark.parametrize(
    "typed",
    ["室温<10度，很冷", "温度<a很低", "a<b and c>d", "x <= 5 & y", "价格<5元>3元", "<b>急</b>"],
)
def test_text_is_stored_as_typed(typed):
    assert clean_text(typed) == typed


def test_text_loses_only_controls_and_outer_space():
    assert clean_text("  第一行\r\n第二行\x00\x1b\ufeff  ") == "第一行\n第二行"


@pytest.mark.parametrize("typed", ["", "   ", "<b></b>", "\x00"])
def test_required_text_that_shows_nothing_is_refused(typed):
    with pytest.raises(ValidationError) as err:
        clean_text(typed, field="text", required=True)
    assert "text" in err.value.message_dict


def test_overlong_text_is_refused_not_cut():
    with pytest.raises(ValidationError) as err:
        clean_text("字" * 11, limit=10)
    assert "10" in err.value.messages[0] and "11" in err.value.messages[0]


@pytest.mark.django_db
def test_area_q_keeps_the_outermost_roots_and_matches_nothing_without_roots():
    root = Area.add_root(name="市", code="k-city", kind=Area.Kind.CITY)
    a = root.add_child(name="甲社区", code="k-a", kind=Area.Kind.COMMUNITY)
    b = root.add_child(name="乙社区", code="k-b", kind=Area.Kind.COMMUNITY)
    grid = a.add_child(name="一网格", code="k-a1", kind=Area.Kind.GRID)
    found = set(Area.objects.filter(area_q([a, grid])).values_list("code", flat=True))
    assert found == {"k-a", "k-a1"}
    assert not Area.objects.filter(area_q([])).exists()
    assert str(area_q([a, grid])).count("startswith") == 1
    assert community_of(grid) == a and community_of(b) == b
    with pytest.raises(ValidationError):
        community_of(root)


def test_refusals_reach_the_form_beside_the_field():
    class F(portal_forms.forms.Form):
        text = portal_forms.forms.CharField(required=False)

    form = F(data={"text": "typed"})
    assert form.is_valid()
    show_on_form(form, ValidationError({"text": "太长", "other": "别的"}))
    assert form.errors["text"] == ["太长"] and form.non_field_errors() == ["别的"]
    assert form["text"].value() == "typed"
    assert refusal_status(PermissionDenied()) == 403
    assert refusal_status(ValidationError("x")) == 400
    assert refusal_messages(PermissionDenied())  # a bare refusal still says something


def test_refusals_as_messages():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    show_as_message(request, ValidationError(["一", "二"]))
    assert [str(m) for m in request._messages] == ["一", "二"]
