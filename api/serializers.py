"""What the API publishes of each record: public content and aggregates only.

Never: a person (name, phone, address, account or user id), a request's text, a
contribution, a registration.  Tests walk every endpoint on the demo data and look for
every demo person's name, phone and email (tests/api/test_no_personal_data.py).
"""

from __future__ import annotations

from rest_framework import serializers

from deliberation.models import FollowUp, Outcome, Session, Topic


class AreaSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="city, district, street, community or grid.")
    full_name = serializers.CharField(help_text="District, street… down to this area.")
    parent = serializers.CharField(
        source="parent_code", allow_null=True, help_text="The code of the area above."
    )
    households = serializers.IntegerField()


class FormatSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class TopicSerializer(serializers.ModelSerializer):
    community = serializers.CharField(source="community.code", help_text="A community's code.")
    format = FormatSerializer()
    tags = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField(help_text="The outcome's id once decided.")

    class Meta:
        model = Topic
        fields = [
            "id",
            "community",
            "format",
            "title",
            "body",
            "tags",
            "status",
            "decline_reason",
            "support_count",
            "contribution_count",
            "created_at",
            "outcome",
        ]

    def get_tags(self, topic) -> list[str]:
        return sorted(t.name for t in topic.tags.all())

    def get_outcome(self, topic) -> int | None:
        outcome = getattr(topic, "outcome", None) if hasattr(topic, "outcome") else None
        return outcome.pk if outcome else None


class SessionSerializer(serializers.ModelSerializer):
    community = serializers.CharField(source="community.code", help_text="A community's code.")
    format = FormatSerializer()
    topics = serializers.SerializerMethodField(help_text="Ids of the topics on its agenda.")

    class Meta:
        model = Session
        fields = [
            "id",
            "community",
            "format",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "online_url",
            "capacity",
            "topics",
        ]

    def get_topics(self, session) -> list[int]:
        return sorted(t.pk for t in session.topics.all())


class FollowUpSerializer(serializers.ModelSerializer):
    """A follow-up action.  `responsible` is left out: staff type it freely and it often
    names a person (a grid worker by name), which the open-data API never publishes."""

    overdue = serializers.BooleanField()

    class Meta:
        model = FollowUp
        fields = ["id", "action", "due_date", "status", "overdue", "updated_at"]


class TopicRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class OutcomeSerializer(serializers.ModelSerializer):
    topic = TopicRefSerializer()
    community = serializers.CharField(source="topic.community.code")
    session = serializers.IntegerField(source="session_id", allow_null=True)
    followups = FollowUpSerializer(many=True)

    class Meta:
        model = Outcome
        fields = [
            "id",
            "topic",
            "community",
            "decision",
            "session",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "decided_at",
            "followups",
        ]


def _rate(help_text: str):
    return serializers.FloatField(
        allow_null=True, min_value=0, max_value=100, help_text=help_text + " Null when none."
    )


class ClassCountsSerializer(serializers.Serializer):
    government = serializers.IntegerField(help_text="大事")
    community = serializers.IntegerField(help_text="小事")
    private = serializers.IntegerField(help_text="私事")
    pending = serializers.IntegerField(help_text="Not triaged yet.")


class ChannelCountsSerializer(serializers.Serializer):
    web = serializers.IntegerField()
    grid_worker = serializers.IntegerField()
    hotline = serializers.IntegerField()
    api = serializers.IntegerField()


class RequestStatisticsSerializer(serializers.Serializer):
    area = serializers.CharField(allow_null=True, help_text="The area's code.")
    area_name = serializers.CharField(allow_null=True)
    month = serializers.CharField(help_text="YYYY-MM (Asia/Shanghai).")
    received = serializers.IntegerField(help_text="Requests received in the month.")
    by_class = ClassCountsSerializer()
    by_channel = ChannelCountsSerializer()
    closed = serializers.IntegerField(help_text="Of those, closed with a reply (办结).")
    closure_rate = _rate("办结率: closed / received, in percent.")
    closed_with_deadline = serializers.IntegerField()
    closed_on_time = serializers.IntegerField()
    on_time_rate = _rate("Closed by the deadline / closed with a deadline, in percent.")
    rated = serializers.IntegerField(help_text="Replies the resident rated (1–5).")
    satisfaction_average = serializers.FloatField(
        allow_null=True, min_value=1, max_value=5, help_text="Mean rating. Null when none."
    )
    satisfaction_rate = _rate("Ratings of 4 or 5 / ratings, in percent.")
    mediations = serializers.IntegerField(help_text="Mediations with a recorded result.")
    mediations_succeeded = serializers.IntegerField()
    mediation_success_rate = _rate("Succeeded / mediations, in percent.")


def _coins(help_text: str):
    return serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=False, help_text=help_text
    )


class MoralBankSerializer(serializers.Serializer):
    community = serializers.CharField(source="code")
    community_name = serializers.CharField(source="name")
    issued = _coins("道德币 paid out by the community (earnings net of corrections).")
    redeemed = _coins("Coins residents spent on rewards.")
    outstanding = _coins("Issued and not yet redeemed.")
    held_by_residents = _coins("Sum of residents' balances.")
    resident_accounts = serializers.IntegerField()
    verified_hours = serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=False
    )
    volunteers = serializers.IntegerField(help_text="People with verified service hours.")
