"""The public read-only open-data API (/api/v1/).  Every list is paginated, every query
count is constant in the number of rows (tests pin them)."""

from __future__ import annotations

from django.db.models import CharField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Length, Substr
from django.shortcuts import render
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response

from deliberation.models import FollowUp, Outcome, Session, Topic
from portal.models import Area

from . import filters, queries, serializers
from .base import PublicAPIView
from .errors import ErrorSerializer

ERR = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid query parameters."),
    404: OpenApiResponse(ErrorSerializer, description="No such record or page."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests from this address."),
}
LIST_ERRORS = {k: ERR[k] for k in (400, 404, 429)}
DETAIL_ERRORS = {k: ERR[k] for k in (404, 429)}
ID = OpenApiParameter(
    "id",
    {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
    OpenApiParameter.PATH,
    description="The record's id.",
)
CODE = OpenApiParameter(
    "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="The community's code."
)


def _with_parent_code(qs):
    parent = Area.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Area.steplen)
    ).values("code")[:1]
    return qs.annotate(parent_code=Subquery(parent, output_field=CharField()))


class _AreaBase(PublicAPIView):
    serializer_class = serializers.AreaSerializer

    def rows(self, areas):
        return Area.attach_full_names(areas)  # one query for the whole page


class AreaList(_AreaBase):
    """Every area of the tree, parents before children; filter by kind or parent."""

    filter_serializer_class = filters.AreaFilter

    @extend_schema(
        tags=["areas"],
        summary="Areas: city, districts, streets, communities and grids",
        parameters=[filters.AreaFilter],
        responses={200: serializers.AreaSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        f = self.filters()
        qs = Area.objects.order_by("path")
        if f.get("kind"):
            qs = qs.filter(kind=f["kind"])
        if f.get("parent"):
            parent = f["parent"]
            qs = qs.filter(path__startswith=parent.path, depth=parent.depth + 1)
        page = self.paginate_queryset(_with_parent_code(qs))
        return self.get_paginated_response(self.get_serializer(self.rows(page), many=True).data)


class AreaDetail(_AreaBase):
    """One area by its code."""

    lookup_field = "code"

    def get_queryset(self):
        return _with_parent_code(Area.objects.all())

    @extend_schema(
        tags=["areas"],
        summary="One area",
        parameters=[
            OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="Code.")
        ],
        responses={200: serializers.AreaSerializer, **DETAIL_ERRORS},
    )
    def get(self, request, code):
        area = self.get_object()
        return Response(self.get_serializer(self.rows([area])[0]).data)


class CommunityList(_AreaBase):
    """The communities (社区): the areas where topics, sessions and the moral bank live."""

    @extend_schema(
        tags=["areas"],
        summary="Communities (社区)",
        responses={200: serializers.AreaSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        qs = _with_parent_code(Area.objects.filter(kind=Area.Kind.COMMUNITY).order_by("path"))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(self.rows(page), many=True).data)


class CommunityDetail(_AreaBase):
    """One community by its code."""

    lookup_field = "code"

    def get_queryset(self):
        return _with_parent_code(Area.objects.filter(kind=Area.Kind.COMMUNITY))

    @extend_schema(
        tags=["areas"],
        summary="One community",
        parameters=[CODE],
        responses={200: serializers.AreaSerializer, **DETAIL_ERRORS},
    )
    def get(self, request, code):
        area = self.get_object()
        return Response(self.get_serializer(self.rows([area])[0]).data)


def _topics():
    return (
        Topic.objects.select_related("community", "format", "outcome")
        .prefetch_related("tags")
        .order_by("-created_at", "-pk")
    )


class TopicList(PublicAPIView):
    """Topics residents raised, with status and supporters (contributions are not published)."""

    serializer_class = serializers.TopicSerializer
    filter_serializer_class = filters.TopicFilter

    @extend_schema(
        tags=["deliberation"],
        summary="Topics residents raised, newest first",
        parameters=[filters.TopicFilter],
        responses={200: serializers.TopicSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        f = self.filters()
        qs = _topics()
        if f.get("community"):
            qs = qs.filter(community=f["community"])
        if f.get("status"):
            qs = qs.filter(status=f["status"])
        if f.get("format"):
            qs = qs.filter(format__code=f["format"])
        if f.get("tag"):
            qs = qs.filter(tags__name__iexact=f["tag"]).distinct()
        if f.get("created_after"):
            qs = qs.filter(created_at__date__gte=f["created_after"])
        if f.get("created_before"):
            qs = qs.filter(created_at__date__lte=f["created_before"])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class TopicDetail(PublicAPIView):
    """One topic by its id."""

    serializer_class = serializers.TopicSerializer

    def get_queryset(self):
        return _topics()

    @extend_schema(
        tags=["deliberation"],
        summary="One topic",
        parameters=[ID],
        responses={200: serializers.TopicSerializer, **DETAIL_ERRORS},
    )
    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)


def _sessions():
    return (
        Session.objects.select_related("community", "format")
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.only("pk")))
        .order_by("-starts_at", "-pk")
    )


class SessionList(PublicAPIView):
    """Sessions (有话大声说, 圆桌话题, 吐槽大会, 院议说) and the topics on their agendas."""

    serializer_class = serializers.SessionSerializer
    filter_serializer_class = filters.SessionFilter

    @extend_schema(
        tags=["deliberation"],
        summary="Sessions (meetings), latest first",
        parameters=[filters.SessionFilter],
        responses={200: serializers.SessionSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        f = self.filters()
        qs = _sessions()
        if f.get("community"):
            qs = qs.filter(community=f["community"])
        if f.get("format"):
            qs = qs.filter(format__code=f["format"])
        if f.get("starts_after"):
            qs = qs.filter(starts_at__date__gte=f["starts_after"])
        if f.get("starts_before"):
            qs = qs.filter(starts_at__date__lte=f["starts_before"])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class SessionDetail(PublicAPIView):
    """One session by its id."""

    serializer_class = serializers.SessionSerializer

    def get_queryset(self):
        return _sessions()

    @extend_schema(
        tags=["deliberation"],
        summary="One session",
        parameters=[ID],
        responses={200: serializers.SessionSerializer, **DETAIL_ERRORS},
    )
    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)


def _outcomes():
    return (
        Outcome.objects.select_related("topic__community")
        .prefetch_related(
            Prefetch("followups", queryset=FollowUp.objects.order_by("due_date", "pk"))
        )
        .order_by("-decided_at", "-pk")
    )


class OutcomeList(PublicAPIView):
    """Decisions taken on topics (民事民议民决), with the tally and every follow-up action."""

    serializer_class = serializers.OutcomeSerializer
    filter_serializer_class = filters.OutcomeFilter

    @extend_schema(
        tags=["deliberation"],
        summary="Decided outcomes with their follow-up actions, latest first",
        parameters=[filters.OutcomeFilter],
        responses={200: serializers.OutcomeSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        f = self.filters()
        qs = _outcomes()
        if f.get("community"):
            qs = qs.filter(topic__community=f["community"])
        if f.get("decided_after"):
            qs = qs.filter(decided_at__date__gte=f["decided_after"])
        if f.get("decided_before"):
            qs = qs.filter(decided_at__date__lte=f["decided_before"])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class OutcomeDetail(PublicAPIView):
    """One outcome by its id."""

    serializer_class = serializers.OutcomeSerializer

    def get_queryset(self):
        return _outcomes()

    @extend_schema(
        tags=["deliberation"],
        summary="One outcome",
        parameters=[ID],
        responses={200: serializers.OutcomeSerializer, **DETAIL_ERRORS},
    )
    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)


class RequestStatistics(PublicAPIView):
    """Monthly request statistics per area."""

    serializer_class = serializers.RequestStatisticsSerializer
    filter_serializer_class = filters.StatisticsFilter

    @extend_schema(
        tags=["requests"],
        summary="Monthly request statistics per area (三事分流)",
        description="One row per area of kind `level` and month in which it received "
        "requests, oldest month first. Counts only: no request is shown.",
        parameters=[filters.StatisticsFilter],
        responses={200: serializers.RequestStatisticsSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        f = self.filters()
        rows = queries.request_statistics(
            level=f["level"],
            within=f.get("area"),
            month_from=f.get("month_from"),
            month_to=f.get("month_to"),
        )
        page = self.paginate_queryset(rows)
        areas = queries.areas_by_path(r["area_key"] for r in page)
        data = [queries.statistics_row(r, areas.get(r["area_key"])) for r in page]
        return self.get_paginated_response(self.get_serializer(data, many=True).data)


class MoralBankList(PublicAPIView):
    """Moral-bank totals of every community."""

    serializer_class = serializers.MoralBankSerializer

    @extend_schema(
        tags=["moral bank"],
        summary="Moral-bank (道德银行) totals per community",
        responses={200: serializers.MoralBankSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        page = self.paginate_queryset(queries.moral_bank_totals())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class MoralBankDetail(PublicAPIView):
    """One community's moral-bank totals."""

    serializer_class = serializers.MoralBankSerializer
    lookup_field = "code"

    def get_queryset(self):
        return queries.moral_bank_totals()

    @extend_schema(
        tags=["moral bank"],
        summary="One community's moral-bank totals",
        parameters=[CODE],
        responses={200: serializers.MoralBankSerializer, **DETAIL_ERRORS},
    )
    def get(self, request, code):
        return Response(self.get_serializer(self.get_object()).data)


def docs(request):
    """Swagger UI over the OpenAPI document, from our own static files (no CDN, no inline
    script or style: the site's CSP holds)."""
    return render(request, "api/docs.html", {"title": _("Open data API")})
