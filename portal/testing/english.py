"""Find English words a reader sees on a page that should be in Chinese.

`english_words(html_text)` takes a page's HTML (or an email's text) and returns the
Latin words of three or more letters a person would read there, leaving out names on
ALLOWED (brands, standards, file formats).  Used by tests/portal/test_chinese_everywhere.py
and by the browser journeys, on pages rendered in 简体中文: the list should be empty.

What counts as read: text between tags, and the attributes a browser shows or speaks
(alt, title, placeholder, aria-label, and the value of submit/button/reset inputs).
Skipped: <script>, <style>, <template> of JSON, elements with `hidden` (neither shown nor
read aloud), every other attribute, and inside text,
URLs, email addresses, and identifiers mixing letters with digits or dots (hotline01,
example.cn), which are data, not language.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Names that stay in Latin letters on a Chinese page.  Compared case-insensitively.
ALLOWED = frozenset(
    w.lower()
    for w in (
        # standards, formats, technologies residents meet by these names
        "Open311",
        "GeoReport",
        "API",
        "CSV",
        "XLSX",
        "PDF",
        "JSON",
        "GeoJSON",  # the format grid outlines are imported in (maps)
        "QR",
        "TOTP",
        "SMS",
        "URL",
        "HTML",
        "PNG",
        "JPEG",
        "JPG",
        "GIF",
        "WebP",
        "SVG",
        "iOS",
        "Android",
        "Wagtail",
        "Django",
        "Safari",
        "Firefox",
        "Chrome",
        "Chromium",
        "Google",
        "Authenticator",
        "Microsoft",
        "WiFi",
        "UTC",
        "ICS",
        "iCal",
        "iCalendar",
        "JavaScript",
        "RSS",
        # keys as printed on a keyboard (Wagtail's keyboard shortcuts)
        "Ctrl",
        "Alt",
        "Shift",
        "Esc",
        "Enter",
        "Tab",
        "Cmd",
        # the language switcher names each language in that language
        "English",
    )
)

VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
VISIBLE_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label"}
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}

_DATA = re.compile(
    r"""
      [a-z][a-z0-9+.-]*://\S+           # URLs
    | \S+@\S+                           # email addresses, @mentions
    | /[\w/.%?=&:-]+                    # paths (/accounts/login/)
    | [\w-]*\d[\w-]*                    # words mixing letters and digits (hotline01)
    | [A-Za-z]+(?:\.[A-Za-z0-9]+)+      # dotted names (example.cn, e.g. file.csv)
    | \{[{%].*?[%}]\}                   # template tags left in a text template
    | %\(\w+\)[sd]                       # printf placeholders in a catalogue entry
    | \{\w+\}                            # format placeholders in a catalogue entry
    """,
    re.VERBOSE | re.IGNORECASE,
)
_WORD = re.compile(r"(?<![A-Za-z_])[A-Za-z]{3,}(?![A-Za-z_])")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._hidden = 0  # depth inside an element with `hidden`: not shown, not read

    def handle_starttag(self, tag, attrs):
        attrs_d = {k: v or "" for k, v in attrs}
        if self._hidden:
            if tag not in VOID_ELEMENTS:
                self._hidden += 1
            return
        # hidden: not shown, not read; translate="no": code and identifiers shown as they
        # are (the styleguide's token names and values), not language
        if ("hidden" in attrs_d or attrs_d.get("translate") == "no") and tag not in VOID_ELEMENTS:
            self._hidden = 1
            return
        if tag in ("script", "style") or (tag == "template" and "json" in attrs_d.get("type", "")):
            self._skip += 1
            return
        for name, value in attrs_d.items():
            if name in VISIBLE_ATTRIBUTES:
                self.parts.append(value)
        if tag == "input" and attrs_d.get("type", "").lower() in BUTTON_INPUT_TYPES:
            self.parts.append(attrs_d.get("value", ""))

    def handle_startendtag(self, tag, attrs):
        """`<x/>`: its attributes count, but it opens nothing to close."""
        if self._hidden or self._skip or any(k == "hidden" for k, _ in attrs):
            return
        self.handle_starttag(tag, [(k, v) for k, v in attrs if k != "hidden"])
        if tag in ("script", "style", "template"):
            self._skip = max(0, self._skip - 1)

    def handle_endtag(self, tag):
        if self._hidden:
            self._hidden -= 1
            return
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and not self._hidden:
            self.parts.append(data)


def visible_text(html_text: str) -> str:
    """The text and shown attributes of `html_text`, one part a line."""
    parser = _Text()
    parser.feed(html_text)
    parser.close()
    return "\n".join(parser.parts)


def words_in_text(text: str) -> list[str]:
    """Latin words of 3+ letters in plain text, not on ALLOWED, in order of appearance.
    Words all in capitals are codes and acronyms (a check-in code RDKQUQKD, GB/T), not
    English sentences."""
    text = _DATA.sub(" ", text)
    return [w for w in _WORD.findall(text) if w.lower() not in ALLOWED and not w.isupper()]


def english_words(html_text: str) -> list[str]:
    """English words a reader of `html_text` sees (an email's plain text works too)."""
    return words_in_text(visible_text(html_text))
