"""The Alibaba Cloud and Tencent Cloud SMS adapters against a local HTTP server that plays
the provider: it recomputes each request's signature from the secret it shares with the
test (independently of portal.sms) and answers success, a provider error, or nothing in
time.  The adapters themselves are not mocked."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from portal import sms
from portal.models import User

ALIYUN = {"id": "LTAI-test-id", "secret": "aliyun-test-secret"}
TENCENT = {"id": "AKID-test-id", "secret": "tencent-test-secret", "app": "1400000001"}


class Provider(BaseHTTPRequestHandler):
    """One POST per message.  `server.mode`: "ok", "error" or "slow"; every request is
    recorded with whether its signature checked out."""

    def log_message(self, *args):  # keep test output clean
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        kind = "tencent" if "X-TC-Action" in self.headers else "aliyun"
        signed = (check_tencent if kind == "tencent" else check_aliyun)(self.headers, body)
        self.server.requests.append({"kind": kind, "signed": signed, "body": body})
        if self.server.mode == "slow":
            time.sleep(self.server.slow_seconds)
        ok = self.server.mode == "ok" and signed
        answer = (tencent_answer if kind == "tencent" else aliyun_answer)(ok, signed)
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            pass


def percent(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


def check_aliyun(headers, body: bytes) -> bool:
    params = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    signature = params.pop("Signature", "")
    canonical = "&".join(f"{percent(k)}={percent(v)}" for k, v in sorted(params.items()))
    to_sign = "POST&%2F&" + percent(canonical)
    expected = base64.b64encode(
        hmac.new((ALIYUN["secret"] + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    ).decode()
    return (
        hmac.compare_digest(signature, expected)
        and params.get("AccessKeyId") == ALIYUN["id"]
        and params.get("Action") == "SendSms"
        and params.get("SignatureMethod") == "HMAC-SHA1"
    )


def aliyun_answer(ok: bool, signed: bool) -> dict:
    if ok:
        return {"Code": "OK", "Message": "OK", "BizId": "9006197469364984", "RequestId": "r1"}
    if not signed:
        return {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
    return {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控", "RequestId": "r2"}


def _h(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def check_tencent(headers, body: bytes) -> bool:
    auth = headers.get("Authorization", "")
    try:
        algorithm, rest = auth.split(" ", 1)
        parts = dict(p.strip().split("=", 1) for p in rest.split(","))
        secret_id, date, service, _ = parts["Credential"].split("/")
    except ValueError:
        return False
    timestamp = headers.get("X-TC-Timestamp", "0")
    if datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d") != date:
        return False
    signed_headers = parts["SignedHeaders"].split(";")
    canonical_headers = "".join(
        f"{h}:{headers.get(h, '').strip().lower()}\n" for h in signed_headers
    )
    canonical_request = "\n".join(
        [
            "POST",
            "/",
            "",
            canonical_headers,
            parts["SignedHeaders"],
            hashlib.sha256(body).hexdigest(),
        ]
    )
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            timestamp,
            f"{date}/{service}/tc3_request",
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = _h(_h(_h(("TC3" + TENCENT["secret"]).encode(), date), service), "tc3_request")
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        algorithm == "TC3-HMAC-SHA256"
        and secret_id == TENCENT["id"]
        and headers.get("X-TC-Action") == "SendSms"
        and hmac.compare_digest(parts["Signature"], expected)
    )


def tencent_answer(ok: bool, signed: bool) -> dict:
    if not signed:
        return {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure"}, "RequestId": "r"}}
    status = (
        {"Code": "Ok", "Message": "send success"}
        if ok
        else {"Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": "daily limit"}
    )
    return {
        "Response": {
            "SendStatusSet": [{"PhoneNumber": "+8613912340001", "SerialNo": "s1", **status}],
            "RequestId": "r",
        }
    }


@pytest.fixture
def provider():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    server.mode, server.slow_seconds, server.requests = "ok", 2.0, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["aliyun", "tencent"])
def backend(request, provider, settings):
    kind = request.param
    settings.SMS_BACKEND = {
        "aliyun": "portal.sms.AliyunBackend",
        "tencent": "portal.sms.TencentBackend",
    }[kind]
    settings.SMS_PROVIDER = {
        "sign_name": "社区议事厅",
        "templates": {"code": "SMS_100001", "notice": "SMS_100002"},
        "endpoint": f"http://127.0.0.1:{provider.server_address[1]}/",
        "timeout": 0.5,
        "aliyun_access_key_id": ALIYUN["id"],
        "aliyun_access_key_secret": ALIYUN["secret"],
        "tencent_secret_id": TENCENT["id"],
        "tencent_secret_key": TENCENT["secret"],
        "tencent_sdk_app_id": TENCENT["app"],
    }
    return kind


def sent_fields(request: dict) -> dict:
    if request["kind"] == "aliyun":
        params = dict(urllib.parse.parse_qsl(request["body"].decode()))
        return {
            "number": params["PhoneNumbers"],
            "sign": params["SignName"],
            "template": params["TemplateCode"],
            "params": list(json.loads(params["TemplateParam"]).values()),
        }
    payload = json.loads(request["body"])
    return {
        "number": payload["PhoneNumberSet"][0].removeprefix("+86"),
        "sign": payload["SignName"],
        "template": payload["TemplateId"],
        "params": payload["TemplateParamSet"],
    }


def test_a_code_goes_out_signed_with_the_code_template(backend, provider):
    sms.send_sms("139 1234 0001", "您的验证码是123456", template="code", params={"code": "123456"})
    [request] = provider.requests
    assert request["kind"] == backend and request["signed"]
    assert sent_fields(request) == {
        "number": "13912340001",
        "sign": "社区议事厅",
        "template": "SMS_100001",
        "params": ["123456"],
    }


def test_a_notice_goes_out_with_the_notice_template_and_its_text(backend, provider):
    sms.send_sms("13912340001", "您的诉求已办结")
    fields = sent_fields(provider.requests[0])
    assert fields["template"] == "SMS_100002" and fields["params"] == ["您的诉求已办结"]


def test_a_wrong_secret_is_caught_by_the_provider_and_raised(backend, provider, settings):
    settings.SMS_PROVIDER = {
        **settings.SMS_PROVIDER,
        "aliyun_access_key_secret": "wrong",
        "tencent_secret_key": "wrong",
    }
    with pytest.raises(sms.SMSDeliveryError):
        sms.send_sms("13912340001", "x", template="code", params={"code": "123456"})
    assert provider.requests[0]["signed"] is False


def test_a_provider_error_is_raised(backend, provider):
    provider.mode = "error"
    with pytest.raises(sms.SMSDeliveryError):
        sms.send_sms("13912340001", "x", template="code", params={"code": "123456"})
    assert provider.requests[0]["signed"]


def test_a_provider_that_does_not_answer_in_time_is_raised(backend, provider):
    provider.mode = "slow"
    with pytest.raises(sms.SMSDeliveryError):
        sms.send_sms("13912340001", "x", template="code", params={"code": "123456"})


def test_an_unreachable_provider_is_raised(backend, settings):
    settings.SMS_PROVIDER = {**settings.SMS_PROVIDER, "endpoint": "http://127.0.0.1:9/"}
    with pytest.raises(sms.SMSDeliveryError):
        sms.send_sms("13912340001", "x")


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["error", "slow"])
def test_signup_while_the_provider_fails_makes_no_account_and_says_try_again(
    backend, provider, client, mode
):
    provider.mode = mode
    data = {
        "phone": "13912340001",
        "username": "xiaoli2026",
        "password1": "Qingdao-2026-strong",
        "password2": "Qingdao-2026-strong",
    }
    response = client.post(reverse("account_signup"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "请稍后再试" in response.content.decode()
    assert not User.objects.exists()
    assert len(provider.requests) == 1 and provider.requests[0]["signed"]

    provider.mode = "ok"  # the provider is back: the same form goes through
    response = client.post(reverse("account_signup"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302
    assert User.objects.get(username="xiaoli2026").phone == "13912340001"
    code = sent_fields(provider.requests[-1])["params"][0]
    client.post(reverse("account_verify_phone"), {"code": code})
    assert User.objects.get(username="xiaoli2026").phone_verified
