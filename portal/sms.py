"""Text messages: `send_sms(number, text)` through the backend `settings.SMS_BACKEND`.

Like Django's mail backends: `FileBackend` writes one file per message under
`settings.SMS_FILE_PATH` (``var/sms/``, the dev outbox), `LocmemBackend` keeps them in
`portal.sms.outbox` (tests).  A production site names its provider's adapter in the
`SMS_BACKEND` environment variable: `AliyunBackend` (Alibaba Cloud SMS) or
`TencentBackend` (Tencent Cloud SMS), configured by the `SMS_*`, `ALIYUN_SMS_*` and
`TENCENT_SMS_*` variables (portal/settings/base.py, README).  Both providers send only
approved templates: a sign-in code goes as template "code" with the code as its one
parameter, every other text as template "notice" with the text as its one parameter.

A provider that answers an error or does not answer within `SMS_TIMEOUT` seconds raises
`SMSDeliveryError`; callers tell the person to try again (portal.adapters) or let the
task retry.  Send after commit with
`portal.tasks.enqueue(portal.tasks.send_sms_task, number, text)`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .validators import MOBILE_RE

DEFAULT_BACKEND = "portal.sms.FileBackend"


logger = logging.getLogger(__name__)


class SMSDeliveryError(Exception):
    """The provider refused the message, or did not answer in time."""


class SMSProviderUnreachableError(SMSDeliveryError, OSError):
    """No answer in time, or no connection: an OSError, so a task retries it
    (portal.celery.RETRY_ON); a refusal would refuse again and is not retried."""


@dataclass(frozen=True)
class Message:
    number: str
    text: str
    # Which approved template a provider sends ("code" or "notice") and its parameters.
    template: str = "notice"
    params: dict = field(default_factory=dict)


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


class ProviderBackend(BaseBackend):
    """What the provider adapters share: settings, templates, one HTTP POST with a timeout,
    and every failure turned into `SMSDeliveryError` (logged without the text, which may
    carry a code)."""

    name = ""
    default_endpoint = ""

    def __init__(self):
        self.config = getattr(settings, "SMS_PROVIDER", {})
        self.endpoint = self.config.get("endpoint") or self.default_endpoint
        self.timeout = float(self.config.get("timeout") or 5)

    def template(self, message: Message) -> tuple[str, dict]:
        templates = self.config.get("templates", {})
        template_id = templates.get(message.template) or templates.get("notice")
        if not template_id:
            raise SMSDeliveryError(f"{self.name}: no template configured for {message.template}")
        params = dict(message.params) or {"text": message.text[:300]}
        return template_id, params

    def post(self, body: bytes, headers: dict) -> dict:
        request = urllib.request.Request(self.endpoint, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            if not raw:
                raise SMSProviderUnreachableError(f"{self.name}: HTTP {exc.code}") from exc
        except OSError as exc:  # timeouts and URLError are OSErrors
            raise SMSProviderUnreachableError(f"{self.name}: no answer ({exc})") from exc
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise SMSDeliveryError(f"{self.name}: unreadable answer") from exc


def _aliyun_quote(value: str) -> str:
    """RFC 3986 percent-encoding as Alibaba Cloud's RPC signature wants it."""
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict, secret: str, method: str = "POST") -> str:
    """Alibaba Cloud RPC signature v1 (HMAC-SHA1) of `params` (all but Signature)."""
    canonical = "&".join(
        f"{_aliyun_quote(k)}={_aliyun_quote(str(v))}" for k, v in sorted(params.items())
    )
    to_sign = f"{method}&{_aliyun_quote('/')}&{_aliyun_quote(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunBackend(ProviderBackend):
    """Alibaba Cloud SMS (dysmsapi, SendSms, API version 2017-05-25), signed with the RPC
    signature v1 (HMAC-SHA1).  Success is the answer `{"Code": "OK", ...}`."""

    name = "aliyun"
    default_endpoint = "https://dysmsapi.aliyuncs.com/"

    def send(self, message: Message) -> None:
        template_id, params = self.template(message)
        query = {
            "AccessKeyId": self.config.get("aliyun_access_key_id", ""),
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": message.number,
            "RegionId": self.config.get("aliyun_region", "cn-hangzhou"),
            "SignName": self.config.get("sign_name", ""),
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template_id,
            "TemplateParam": json.dumps(params, ensure_ascii=False),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        query["Signature"] = aliyun_signature(
            query, self.config.get("aliyun_access_key_secret", "")
        )
        body = urllib.parse.urlencode(query, quote_via=urllib.parse.quote).encode()
        answer = self.post(body, {"Content-Type": "application/x-www-form-urlencoded"})
        if answer.get("Code") != "OK":
            logger.warning("aliyun SMS refused: %s %s", answer.get("Code"), answer.get("Message"))
            raise SMSDeliveryError(f"aliyun: {answer.get('Code')}")


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tencent_signature(
    *, secret_key: str, host: str, action: str, payload: bytes, timestamp: int, service="sms"
) -> tuple[str, str]:
    """TC3-HMAC-SHA256 over a JSON POST to "/": (credential scope, hex signature)."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical_headers = (
        f"content-type:application/json; charset=utf-8\nhost:{host}\nx-tc-action:{action.lower()}\n"
    )
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, "content-type;host;x-tc-action", _sha256_hex(payload)]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, _sha256_hex(canonical_request.encode())]
    )
    key = _hmac256(_hmac256(_hmac256(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    return scope, hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class TencentBackend(ProviderBackend):
    """Tencent Cloud SMS (SendSms, API version 2021-01-11), signed with TC3-HMAC-SHA256.
    Success is the answer's `SendStatusSet[0].Code == "Ok"`."""

    name = "tencent"
    default_endpoint = "https://sms.tencentcloudapi.com/"

    def send(self, message: Message) -> None:
        template_id, params = self.template(message)
        payload = json.dumps(
            {
                "PhoneNumberSet": [f"+86{message.number}"],
                "SmsSdkAppId": self.config.get("tencent_sdk_app_id", ""),
                "SignName": self.config.get("sign_name", ""),
                "TemplateId": template_id,
                "TemplateParamSet": [str(v) for v in params.values()],
            },
            ensure_ascii=False,
        ).encode()
        host = urllib.parse.urlsplit(self.endpoint).netloc
        timestamp = int(datetime.now(UTC).timestamp())
        scope, signature = tencent_signature(
            secret_key=self.config.get("tencent_secret_key", ""),
            host=host,
            action="SendSms",
            payload=payload,
            timestamp=timestamp,
        )
        secret_id = self.config.get("tencent_secret_id", "")
        headers = {
            "Authorization": (
                f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
                f"SignedHeaders=content-type;host;x-tc-action, Signature={signature}"
            ),
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": "2021-01-11",
            "X-TC-Region": self.config.get("tencent_region", "ap-guangzhou"),
        }
        answer = self.post(payload, headers).get("Response") or {}
        error = answer.get("Error")
        statuses = answer.get("SendStatusSet") or [{}]
        code = error.get("Code") if error else statuses[0].get("Code")
        if code != "Ok":
            logger.warning("tencent SMS refused: %s", code)
            raise SMSDeliveryError(f"tencent: {code}")


def get_backend() -> BaseBackend:
    return import_string(getattr(settings, "SMS_BACKEND", DEFAULT_BACKEND))()


def send_sms(number: str, text: str, *, template: str = "notice", params=None) -> Message:
    """Send `text` to the mainland mobile `number`; anything else is refused.  Raises
    `SMSDeliveryError` when the provider refuses or does not answer."""
    number = normalise_number(number)
    if not is_mobile(number):
        raise ValueError(f"not a mainland mobile number: {number!r}")
    message = Message(number=number, text=text, template=template, params=dict(params or {}))
    get_backend().send(message)
    return message
