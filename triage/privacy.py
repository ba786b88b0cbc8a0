"""What a public view of a request may show: the text as typed, with personal numbers
masked, and nothing else about the person (no name, phone, exact address or photo).

Which requests are public at all is `Request.objects.public()`; who may read the whole
record is `triage.permissions.can_read`.  This module only shapes the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A "digit": ASCII, full-width and Chinese numerals (a phone number read out to a grid
# worker is often typed as 一三九…).  Seven or more of them in a row, with at most two
# separators between any two, are a phone, ID, bank or house-key number: masked.
_DIGIT = "0-9０-９〇零一二三四五六七八九幺两壹贰叁肆伍陆柒捌玖"
_SEP = r"\s\-－‐‑–—_.．·・/()（）+＋"
NUMBER_RE = re.compile(rf"[{_DIGIT}](?:[{_SEP}]{{0,2}}[{_DIGIT}]){{6,}}(?:[{_SEP}]{{0,2}}[xX])?")
EMAIL_RE = re.compile(r"[\w.+-]+(?:@|＠)[\w-]+(?:[.．][\w-]+)+")
MASK = "＊"

# Words that mark a request as sensitive whatever its class or service type: violence,
# health, legal trouble, wages, personal data.  Staff add more through the `keywords`
# of a service type flagged sensitive.
SENSITIVE_WORDS = (
    "家暴",
    "家庭暴力",
    "殴打",
    "虐待",
    "性侵",
    "猥亵",
    "强奸",
    "跟踪我",
    "自杀",
    "轻生",
    "抑郁",
    "精神病",
    "艾滋",
    "HIV",
    "病历",
    "怀孕",
    "流产",
    "欠薪",
    "拖欠工资",
    "讨薪",
    "劳动仲裁",
    "法律援助",
    "起诉",
    "离婚",
    "身份证号",
    "个人信息",
    "隐私",
)


def _mask_number(match: re.Match) -> str:
    digits = re.sub(rf"[^{_DIGIT}xX]", "", match.group(0))
    return digits[:3] + MASK * 4 if len(digits) >= 10 else MASK * 4


def mask_text(text: str, known: Iterable[str] = ()) -> str:
    """`text` with personal numbers, e-mail addresses and the `known` strings (the
    reporter's name, phone, address) masked."""
    if not text:
        return ""
    for token in sorted({k.strip() for k in known if k and len(k.strip()) >= 2}, key=len)[::-1]:
        text = text.replace(token, MASK * 2)
    text = EMAIL_RE.sub(MASK * 4, text)
    return NUMBER_RE.sub(_mask_number, text)


def personal_tokens(req) -> list[str]:
    """Everything the request itself knows about the person who raised it."""
    tokens = [req.reporter_name, req.reporter_phone, req.address]
    user = req.reporter if req.reporter_id else None
    if user is not None:
        tokens += [user.display_name, user.username, user.phone, user.first_name, user.last_name]
        tokens.append(f"{user.last_name}{user.first_name}")
    return [t for t in tokens if t and len(t) >= 2]


def public_text(req, text: str | None = None) -> str:
    """The request's text (or `text`: its reply, a timeline note) as a public view shows it."""
    return mask_text(req.text if text is None else text, personal_tokens(req))


def sensitive_text(text: str, extra_words: Iterable[str] = ()) -> bool:
    lowered = (text or "").lower()
    return any(w.lower() in lowered for w in (*SENSITIVE_WORDS, *extra_words) if w)
