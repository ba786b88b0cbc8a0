"""Issue #16, part 1: the deliberation forms draw every field through the one field
template (portal/forms/field.html); none of these templates writes a control by hand."""

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TEMPLATES = [
    "deliberation/templates/deliberation/includes/contribution.html",
    "deliberation/templates/deliberation/topic.html",
    "deliberation/templates/deliberation/includes/followups.html",
    "deliberation/templates/deliberation/poll.html",
    "deliberation/templates/deliberation/community.html",
]
HAND_BUILT = re.compile(r"<select\b|<textarea\b|<input\b(?![^>]*type=\"(?:hidden|submit)\")")


def hand_built_controls(text: str) -> list[str]:
    return [m.group(0) for m in HAND_BUILT.finditer(text)]


@pytest.mark.parametrize("rel", TEMPLATES)
def test_no_hand_built_field(rel):
    assert hand_built_controls((ROOT / rel).read_text(encoding="utf-8")) == []


def test_the_guard_catches_hand_built_controls():
    assert hand_built_controls('<input id="x" name="q">') == ["<input"]
    assert hand_built_controls('<select name="s">') == ["<select"]
    assert hand_built_controls("<textarea name=t>") == ["<textarea"]
    assert hand_built_controls('<input type="radio" name="o">') == ["<input"]
    assert hand_built_controls('<input type="hidden" name="h">') == []
    assert hand_built_controls('<input type="submit" value="go">') == []
