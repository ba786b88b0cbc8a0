"""One JSON error body for every refusal of the public API.

    {"status": 400, "code": "invalid", "detail": "Invalid query parameters.",
     "errors": {"from": ["Use a month as YYYY-MM."]}}

`errors` appears only for invalid input, naming each parameter and what is wrong with it.
Machine-facing: the messages are English whatever the visitor's language.
"""

from __future__ import annotations

from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    code = serializers.CharField(help_text="A stable machine-readable code, e.g. `not_found`.")
    detail = serializers.CharField(help_text="What went wrong, in English.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For `invalid`: each refused parameter with its problems.",
    )


def body(status: int, code: str, detail: str, errors: dict | None = None) -> dict:
    out = {"status": status, "code": code, "detail": str(detail)}
    if errors:
        out["errors"] = {k: [str(m) for m in v] for k, v in errors.items()}
    return out


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        return {
            key: [str(m) for m in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
    return {
        "non_field_errors": [str(m) for m in (detail if isinstance(detail, list) else [detail])]
    }


def exception_handler(exc, context):
    """DRF's handler, reshaped into `ErrorSerializer`; anything else is left to raise."""
    with translation.override("en"):
        if isinstance(exc, Http404):
            exc = exceptions.NotFound(str(exc) if str(exc) else None)
        response = drf_exception_handler(exc, context)
        if response is None:
            return None
        if isinstance(exc, exceptions.ValidationError):
            response.data = body(
                response.status_code, "invalid", "Invalid query parameters.", _flatten(exc.detail)
            )
        else:
            codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
            code = codes if isinstance(codes, str) else "error"
            detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
            response.data = body(response.status_code, code, detail)
        response["Cache-Control"] = "no-store"
        return response


def json_error(status: int, code: str, detail: str) -> JsonResponse:
    response = JsonResponse(body(status, code, detail), status=status)
    response["Cache-Control"] = "no-store"
    return response


def not_found(request, *args, **kwargs):
    """Every unknown path under /api/: a JSON 404, not the site's HTML page.  A known
    endpoint without its final slash is redirected, as APPEND_SLASH does elsewhere (this
    catch-all matches first, so CommonMiddleware would not)."""
    path = request.path_info
    if not path.endswith("/") and request.method in ("GET", "HEAD"):
        try:
            match = resolve(path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            query = request.META.get("QUERY_STRING", "")
            target = request.path + "/" + (f"?{query}" if query else "")
            return HttpResponsePermanentRedirect(target)
    return json_error(
        404, "not_found", "No such endpoint. The API is described at /api/v1/schema/."
    )


def bad_input(request, message, *args, **kwargs):
    """portal.middleware.HostileInputMiddleware's refusal (a NUL byte), as JSON."""
    with translation.override("en"):
        return json_error(400, "invalid", "The request contains characters that are not allowed.")


not_found.bad_input_response = bad_input
