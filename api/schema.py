"""drf-spectacular hooks: the OpenAPI document describes /api/v1/ and nothing else (the
Wagtail admin's own DRF endpoints are not part of the public API)."""


def only_public_api(endpoints, **kwargs):
    return [e for e in endpoints if e[0].startswith("/api/v1/")]
