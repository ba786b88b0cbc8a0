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


# OpenCC's internal forms and mainland interface words that 繁體 readers do not use.
NOT_STANDARD_HANT = ["爲", "裏", "審覈", "跟蹤", "登錄", "註銷"]


def test_traditional_catalogues_use_standard_forms():
    """zh_Hant is derived with OpenCC s2tw plus our UI phrases (fill_hant), so readers
    see 為 and 登入, not 爲 and 登錄."""
    from pathlib import Path

    import polib
    from django.conf import settings

    found = []
    paths = [
        *Path(settings.BASE_DIR).glob("*/locale/zh_Hant/LC_MESSAGES/django.po"),
        *Path(settings.BASE_DIR).glob("portal/locale/upstream/zh_Hant/LC_MESSAGES/django.po"),
    ]
    assert len(paths) >= 6
    for po_path in paths:
        for entry in polib.pofile(str(po_path)):
            texts = [entry.msgstr, *entry.msgstr_plural.values()]
            for bad in NOT_STANDARD_HANT:
                if any(bad in t for t in texts):
                    found.append((po_path.parts[-4], entry.msgid, bad))
    assert found == []


def test_a_sign_in_prompt_reads_naturally_in_traditional_chinese():
    with translation.override("zh-hant"):
        text = translation.gettext("Sign in")
    assert "登入" in text, text


@pytest.mark.parametrize("msgid", ["Login", "Sign in to Wagtail", "Signing in…"])
def test_wagtail_sign_in_reads_登入_in_traditional_chinese(msgid):
    """Wagtail's own zh_Hant says 登錄; portal/locale/upstream overrides it."""
    with translation.override("zh-hant"):
        text = translation.gettext(msgid)
    assert "登入" in text and "登錄" not in text, text


@pytest.mark.parametrize(
    "msgid,expected",
    [
        ("Keyboard shortcuts", "键盘快捷键"),  # Wagtail's own translation is kept
        ("Save changes", "保存修改"),  # missing from Wagtail 7.4's zh_Hans: ours
        ("Hello from %(site_name)s!", "您好，这里是%(site_name)s！"),  # allauth's says "Hello!"
        ("Email Addresses", "邮箱地址"),  # allauth's says "Email地址"
    ],
)
def test_upstream_messages_read_in_simplified_chinese(msgid, expected):
    with translation.override("zh-hans"):
        assert translation.gettext(msgid) == expected
