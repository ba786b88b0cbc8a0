"""Templates as components (#16), part 2: these templates draw every visible form field
through the one field template (`{{ form }}` / `{{ field.as_field_group }}`), never by hand.
Only hidden inputs (and submit inputs) may still be written in the template."""

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

TEMPLATES = [
    "credits/templates/credits/rewards.html",
    "credits/templates/credits/verify.html",
    "deliberation/templates/deliberation/desk_session.html",
    "portal/templates/portal/notification_settings.html",
    "portal/templates/portal/preferences.html",
    "portal/templates/portal/residency_queue.html",
    "triage/templates/triage/dashboard.html",
]

INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
ALLOWED_TYPE = re.compile(r"""\stype\s*=\s*["']?(hidden|submit)\b""", re.IGNORECASE)
OTHER = re.compile(r"<(select|textarea)\b", re.IGNORECASE)


def hand_built_fields(text: str) -> list[str]:
    found = [tag for tag in INPUT.findall(text) if not ALLOWED_TYPE.search(tag)]
    return found + [m.group(0) for m in OTHER.finditer(text)]


def test_the_check_sees_hand_built_fields_and_lets_hidden_ones_pass():
    assert hand_built_fields('<input type="hidden" name="next">\n<input type="submit">') == []
    built = '<input id="q"\n  type="search" name="q">\n<select name="a"></select>\n<textarea>'
    assert len(hand_built_fields(built)) == 3
    assert hand_built_fields('<input name="code" value="x">')  # no type is a text box


@pytest.mark.parametrize("rel", TEMPLATES)
def test_no_hand_built_fields(rel):
    assert hand_built_fields((ROOT / rel).read_text(encoding="utf-8")) == []
