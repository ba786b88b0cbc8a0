"""Fill 繁體中文 (zh_Hant) catalogues from the 简体中文 (zh_Hans) ones with OpenCC.

A developer tool (run by `make messages`): translators write zh_Hans; this converts it
into zh_Hant for every message not yet translated there, so the two never drift apart.
`--force` re-converts every message.

Which OpenCC configuration: `s2tw`, the standard character forms readers of 繁體 learn at
school and see on every 繁體 website (為, 裡, 審核), rather than `s2t`'s OpenCC-internal
forms (爲, 裏, 審覈) that look wrong to them.  Not `s2twp`: its vocabulary swaps rewrite
meaning on a mainland civic site (审核 "verify" → 稽核 "audit", 视频 → 影片).  The few
interface words whose 繁體 usage differs are listed in UI_PHRASES and replaced before the
character conversion.  (OpenCC here is `opencc-python-reimplemented`, pure Python, so no
system library is needed; its s2tw tables are OpenCC 1.x's.)

Which catalogues: every app's locale/ and portal/locale/upstream, our translations of
Wagtail's and allauth's messages (their own zh_Hant says 登錄 and leaves messages out).
tests/portal/test_translations.py fails on 爲, 裏, 審覈, 跟蹤, 登錄, 註銷 in any of them.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand

# 简体 interface words → the word 繁體 interfaces use, applied before character conversion.
UI_PHRASES = {
    "登录": "登入",
    "跟踪": "追踪",
    "注销": "登出",
    "发布": "發布",  # s2tw gives 發佈; 發布 is the Ministry of Education's form
}


def to_hant(cc, text: str) -> str:
    for hans, hant in UI_PHRASES.items():
        text = text.replace(hans, hant)
    return cc.convert(text)


class Command(BaseCommand):
    help = "Convert zh_Hans translations into zh_Hant catalogues (OpenCC s2tw)."

    def add_arguments(self, parser):
        parser.add_argument("apps", nargs="*", help="app folders (default: all)")
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, apps, force, **options):
        from opencc import OpenCC

        cc = OpenCC("s2tw")
        base = Path(settings.BASE_DIR)
        roots = [
            base / a / "locale"
            for a in (apps or ["portal", "cms", "credits", "deliberation", "triage"])
        ]
        if not apps or "portal" in apps:
            roots.append(base / "portal" / "locale" / "upstream")
        for root in roots:
            for hans_path in root.glob("zh_Hans/LC_MESSAGES/*.po"):
                hant_path = root / "zh_Hant" / "LC_MESSAGES" / hans_path.name
                hans = polib.pofile(str(hans_path))
                hant = polib.pofile(str(hant_path)) if hant_path.exists() else polib.POFile()
                hant.metadata = {**hans.metadata, "Language": "zh_Hant"}
                by_id = {(e.msgctxt, e.msgid): e for e in hant}
                changed = 0
                for src in hans:
                    if src.obsolete or not (src.msgstr or src.msgstr_plural):
                        continue
                    dst = by_id.get((src.msgctxt, src.msgid))
                    if dst is None:
                        dst = polib.POEntry(
                            msgid=src.msgid,
                            msgctxt=src.msgctxt,
                            msgid_plural=src.msgid_plural,
                            occurrences=src.occurrences,
                        )
                        hant.append(dst)
                    if dst.msgstr and not force and "fuzzy" not in dst.flags:
                        continue
                    if src.msgid_plural:
                        dst.msgid_plural = src.msgid_plural
                        dst.msgstr_plural = {
                            k: to_hant(cc, v) for k, v in src.msgstr_plural.items()
                        }
                    else:
                        dst.msgstr = to_hant(cc, src.msgstr)
                    if "fuzzy" in dst.flags:
                        dst.flags.remove("fuzzy")
                    changed += 1
                hant_path.parent.mkdir(parents=True, exist_ok=True)
                hant.save(str(hant_path))
                self.stdout.write(f"{hant_path.relative_to(base)}: {changed} converted")
