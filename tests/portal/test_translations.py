"""Our catalogues come before Wagtail's and allauth's, so a generic msgid we translate
differently would relabel their screens.  These must keep the upstream wording."""

import pytest
from django.utils import translation

UPSTREAM = {
    "Dashboard": "控制面板",  # Wagtail admin's home
    "Submitted": "已提交",  # Wagtail workflow state
    "Timeline": "时间轴",  # Wagtail page history
    "verified": "已验证",  # allauth email addresses
}


@pytest.mark.parametrize("msgid,expected", UPSTREAM.items())
def test_shared_words_keep_the_upstream_translation(msgid, expected):
    with translation.override("zh-hans"):
        assert translation.gettext(msgid) == expected


def test_every_language_has_a_compiled_catalogue_for_every_app():
    from pathlib import Path

    from django.conf import settings

    for app in ("portal", "cms", "credits", "deliberation", "triage"):
        for lang in ("zh_Hans", "zh_Hant", "en"):
            po = Path(settings.BASE_DIR) / app / "locale" / lang / "LC_MESSAGES" / "django.po"
            assert po.exists(), po
            assert po.with_suffix(".mo").exists(), f"{po} is not compiled"
