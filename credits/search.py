"""What the site search finds of the moral bank: the active rewards of the catalogue, for
signed-in users only (registered in `CreditsConfig.ready`; see `cms.search_registry`)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from cms.search_registry import Audience, Kind, register

from .models import Reward


def build_reward(reward) -> dict | None:
    if not reward.is_active:
        return None
    return {
        "title": reward.name,
        "body": reward.description,
        "url": f"{reverse('credits:rewards')}?community={reward.community.code}",
        "area_id": reward.community_id,
        "audience": Audience.MEMBERS,  # the catalogue is for signed-in users
        "updated_at": timezone.now(),
    }


def register_sources() -> None:
    register(
        Kind.REWARD,
        "credits.Reward",
        build_reward,
        lambda: Reward.objects.filter(is_active=True).select_related("community"),
    )
