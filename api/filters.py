"""Query parameters of each endpoint, validated (a refused one is a 400 naming it)."""

from __future__ import annotations

import datetime
import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deliberation.models import Topic
from portal.models import Area

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
PUBLISHED_KINDS = [
    Area.Kind.CITY,
    Area.Kind.DISTRICT,
    Area.Kind.STREET,
    Area.Kind.COMMUNITY,
]


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2026-03"})
class MonthField(serializers.Field):
    """A calendar month written YYYY-MM; its value is the first day of that month."""

    default_error_messages = {"invalid": "Use a month as YYYY-MM, e.g. 2026-03."}

    def to_internal_value(self, data):
        match = MONTH.match(str(data))
        if not match:
            self.fail("invalid")
        try:
            return datetime.date(int(match[1]), int(match[2]), 1)
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value):
        return value.strftime("%Y-%m")


def _community(code: str) -> Area:
    area = Area.objects.filter(code=code, kind=Area.Kind.COMMUNITY).first()
    if area is None:
        raise serializers.ValidationError("No community has this code (see /api/v1/communities/).")
    return area


class CommunityCode(serializers.SlugField):
    """A community's code in, the community out (a 400 when there is none)."""

    def run_validation(self, data=serializers.empty):
        code = super().run_validation(data)
        return code if code is serializers.empty else _community(code)


def _date_range(attrs, low: str, high: str):
    if attrs.get(low) and attrs.get(high) and attrs[low] > attrs[high]:
        raise serializers.ValidationError({high: [f"Must not be before {low}."]})
    return attrs


class AreaFilter(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=Area.Kind.values, required=False, help_text="Only areas of this kind."
    )
    parent = serializers.SlugField(
        required=False, max_length=64, help_text="Only the areas directly under this area code."
    )

    def validate_parent(self, code):
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise serializers.ValidationError("No area has this code.")
        return area


class TopicFilter(serializers.Serializer):
    community = CommunityCode(required=False, max_length=64, help_text="A community's code.")
    status = serializers.ChoiceField(choices=Topic.Status.values, required=False)
    format = serializers.SlugField(required=False, max_length=40, help_text="A format's code.")
    tag = serializers.CharField(required=False, max_length=100)
    created_after = serializers.DateField(
        required=False, help_text="Raised on or after this day (YYYY-MM-DD, Asia/Shanghai)."
    )
    created_before = serializers.DateField(
        required=False, help_text="Raised on or before this day (YYYY-MM-DD, Asia/Shanghai)."
    )

    def validate(self, attrs):
        return _date_range(attrs, "created_after", "created_before")


class SessionFilter(serializers.Serializer):
    community = CommunityCode(required=False, max_length=64, help_text="A community's code.")
    format = serializers.SlugField(required=False, max_length=40, help_text="A format's code.")
    starts_after = serializers.DateField(
        required=False, help_text="Starting on or after this day (YYYY-MM-DD, Asia/Shanghai)."
    )
    starts_before = serializers.DateField(
        required=False, help_text="Starting on or before this day (YYYY-MM-DD, Asia/Shanghai)."
    )

    def validate(self, attrs):
        return _date_range(attrs, "starts_after", "starts_before")


class OutcomeFilter(serializers.Serializer):
    community = CommunityCode(required=False, max_length=64, help_text="A community's code.")
    decided_after = serializers.DateField(
        required=False, help_text="Decided on or after this day (YYYY-MM-DD, Asia/Shanghai)."
    )
    decided_before = serializers.DateField(
        required=False, help_text="Decided on or before this day (YYYY-MM-DD, Asia/Shanghai)."
    )

    def validate(self, attrs):
        return _date_range(attrs, "decided_after", "decided_before")


class StatisticsFilter(serializers.Serializer):
    area = serializers.SlugField(
        required=False,
        max_length=64,
        help_text="Only areas inside this area (its code); the whole city when absent.",
    )
    level = serializers.ChoiceField(
        choices=[str(k) for k in PUBLISHED_KINDS],
        default=str(Area.Kind.COMMUNITY),
        help_text="One row per area of this kind and month. Grids are not published: "
        "their monthly counts are too small to stay anonymous.",
    )
    month_from = MonthField(required=False, help_text="First month (YYYY-MM), inclusive.")
    month_to = MonthField(required=False, help_text="Last month (YYYY-MM), inclusive.")

    def validate_area(self, code):
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise serializers.ValidationError("No area has this code (see /api/v1/areas/).")
        return area

    def validate(self, attrs):
        attrs = _date_range(attrs, "month_from", "month_to")
        area, level = attrs.get("area"), attrs["level"]
        if area is not None and PUBLISHED_KINDS.index(level) < _rank(area.kind):
            raise serializers.ValidationError(
                {"level": [f"Must not be above the area's own kind ({area.kind})."]}
            )
        return attrs


def _rank(kind: str) -> int:
    return [str(k) for k in Area.Kind.values].index(kind)
