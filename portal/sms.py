"""Text messages: `send_sms(number, text)` through the backend `settings.SMS_BACKEND`.

Like Django's mail backends: `FileBackend` writes one file per message under
`settings.SMS_FILE_PATH` (``var/sms/``, the dev outbox), `LocmemBackend` keeps them in
`portal.sms.outbox` (tests).  A production site plugs its provider in with a subclass of
`BaseBackend` named by the `SMS_BACKEND` environment variable.  Send after commit with
`portal.tasks.enqueue(portal.tasks.send_sms_task, number, text)`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .validators import MOBILE_RE

DEFAULT_BACKEND = "portal.sms.FileBackend"


@dataclass(frozen=True)
class Message:
    number: str
    text: str


outbox: list[Message] = []


def normalise_number(raw: str | None) -> str:
    """`139 1234-5678`, `+86 13912345678`, `008613912345678` → `13912345678`; other
    input comes back stripped of spaces and dashes (a landline, or nonsense)."""
    digits = re.sub(r"[\s\-()（）]", "", raw or "")
    for prefix in ("+86", "0086", "86"):
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and MOBILE_RE.match(rest):
            return rest
    return digits


def is_mobile(number: str) -> bool:
    return bool(MOBILE_RE.match(number or ""))


class BaseBackend:
    def send(self, message: Message) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LocmemBackend(BaseBackend):
    def send(self, message: Message) -> None:
        outbox.append(message)


class FileBackend(BaseBackend):
    def send(self, message: Message) -> None:
        folder = Path(getattr(settings, "SMS_FILE_PATH", settings.VAR_DIR / "sms"))
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        path = folder / f"{stamp}-{message.number}-{secrets.token_hex(4)}.txt"
        path.write_text(f"To: {message.number}\n\n{message.text}\n", encoding="utf-8")


def get_backend() -> BaseBackend:
    return import_string(getattr(settings, "SMS_BACKEND", DEFAULT_BACKEND))()


def send_sms(number: str, text: str) -> Message:
    """Send `text` to the mainland mobile `number`; anything else is refused."""
    number = normalise_number(number)
    if not is_mobile(number):
        raise ValueError(f"not a mainland mobile number: {number!r}")
    message = Message(number=number, text=text)
    get_backend().send(message)
    return message
