"""What every public endpoint shares: no sign-in, JSON only, a rate limit per client
address, page-number pagination with checked parameters, JSON errors (api.errors), and
HTTP caching (a strong ETag over the body, If-None-Match → 304, Cache-Control public)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.paginator import InvalidPage
from django.http import HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from rest_framework import exceptions, generics
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer

from . import errors
from .throttles import PublicAddressThrottle

MAX_ID = 2**63 - 1  # larger ids cannot exist (and SQLite cannot even compare them)


class Pagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {"page_size": [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param, "1")
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if number < 1 or number > MAX_ID:
            raise exceptions.ValidationError({"page": ["A whole number from 1."]})
        paginator = self.django_paginator_class(queryset, page_size)
        try:
            self.page = paginator.page(number)
        except InvalidPage as exc:
            raise exceptions.NotFound(
                f"Page {number} is past the last page ({paginator.num_pages})."
            ) from exc
        return list(self.page)

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for p in params:
            if p["name"] == self.page_query_param:
                p["schema"] = {"type": "integer", "minimum": 1}
            elif p["name"] == self.page_size_query_param:
                p["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return params


class PublicAPIView(generics.GenericAPIView):
    # Base of every /api/v1/ endpoint (read-only: GET and HEAD).

    authentication_classes: list = []  # public: no session, no CSRF, no personal state
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    throttle_classes = [PublicAddressThrottle]
    pagination_class = Pagination
    http_method_names = ["get", "head", "options"]
    # Validates request.query_params; its fields are documented as query parameters.
    filter_serializer_class = None

    def get_exception_handler(self):
        return errors.exception_handler

    def filters(self) -> dict:
        if self.filter_serializer_class is None:
            return {}
        if not hasattr(self, "_filters"):
            # A plain dict, not the QueryDict: DRF would read an empty value from a form
            # as "absent", and `?community=` is a mistake worth a 400, not "no filter".
            s = self.filter_serializer_class(data=dict(self.request.query_params.items()))
            s.is_valid(raise_exception=True)
            self._filters = s.validated_data
        return self._filters

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        lookup = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        if self.lookup_field == "pk" and int(lookup) > MAX_ID:
            raise exceptions.NotFound("No such record.")
        obj = queryset.filter(**{self.lookup_field: lookup}).first()
        if obj is None:
            raise exceptions.NotFound("No such record.")
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        response.render()
        etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
        max_age = getattr(settings, "PUBLIC_API_MAX_AGE", 60)
        cache_control = f"public, max-age={max_age}"
        if _matches(request.headers.get("If-None-Match", ""), etag):
            not_modified = HttpResponseNotModified()
            not_modified["ETag"] = etag
            not_modified["Cache-Control"] = cache_control
            patch_vary_headers(not_modified, ["Accept-Encoding"])
            return not_modified
        response["ETag"] = etag
        response["Cache-Control"] = cache_control
        return response


def _matches(header: str, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = [t.strip() for t in header.split(",")]
    # Weak comparison (RFC 9110 §13.1.2): a proxy may have weakened our tag on compression.
    return etag in tags or ("W/" + etag) in tags
