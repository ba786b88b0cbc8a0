"""Who may do what in the moral bank: the rules, on top of `portal.permissions`.

Every action this app checks (credits.log_hours, verify_hours, redeem, fulfil, manage) is
in portal.permissions.ACTIONS, and every check below goes through its `can()`.  What this
module adds is the object a rule is about:

- logging hours: a volunteer or resident of the community (one of its grids counts);
- verifying hours: the community's committee, never for their own hours;
- redeeming: a resident of the reward's community (one of its grids counts);
- fulfilling a redemption: the community's committee, or staff of the reward's provider
  organisation; nobody for themselves;
- cancelling a reservation: the resident who made it, or whoever may fulfil it.

The services call the `require_*` forms (PermissionDenied with a translated message);
views and templates ask the `can_*` forms.  This module is imported from
CreditsConfig.ready(); a new action would be registered here with
`portal.permissions.register()`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from portal.models import Area, Membership, User
from portal.permissions import (
    SELF_DEALING_MESSAGE,
    acts_in,
    can,
    is_self_dealing,
    require,
    require_in,
)
from portal.refusals import NOT_PERMITTED

from .models import Redemption, Reward


def can_log_hours(user: User, community: Area) -> bool:
    return acts_in(user, "credits.log_hours", community)


def require_log_hours(user: User, community: Area) -> None:
    require_in(user, "credits.log_hours", community)


def can_verify(user: User, community: Area, *, volunteer=None) -> bool:
    """May `user` verify hours in `community` (those of `volunteer`, a user or an id)?"""
    return can(user, "credits.verify_hours", community, beneficiary=volunteer)


def require_verify(user: User, community: Area, *, volunteer=None) -> None:
    require(user, "credits.verify_hours", community, beneficiary=volunteer)


def can_redeem(user: User, community: Area) -> bool:
    return acts_in(user, "credits.redeem", community)


def require_redeem(user: User, community: Area) -> None:
    require_in(user, "credits.redeem", community)


def can_fulfil(
    user: User, community: Area, reward: Reward | None = None, *, beneficiary=None
) -> bool:
    """The community's committee, or staff of the reward's provider; never for themselves."""
    if is_self_dealing(user, "credits.fulfil", beneficiary):
        return False
    if can(user, "credits.fulfil", community):
        return True
    if reward is not None and reward.provider_id:
        return (
            Membership.objects.active()
            .filter(user=user, organisation_id=reward.provider_id)
            .exists()
        )
    return False


def require_fulfil(user: User, community: Area, redemption: Redemption) -> None:
    """`can_fulfil` for handing over `redemption` (in `community`), or PermissionDenied."""
    if is_self_dealing(user, "credits.fulfil", redemption.user_id):
        raise PermissionDenied(SELF_DEALING_MESSAGE)
    if not can_fulfil(user, community, redemption.reward):
        raise PermissionDenied(NOT_PERMITTED)


def can_cancel(user: User, redemption: Redemption) -> bool:
    """The resident who reserved, or whoever may fulfil the reservation."""
    return user.pk == redemption.user_id or can_fulfil(
        user, redemption.community, redemption.reward
    )


def require_cancel(user: User, redemption: Redemption) -> None:
    if not can_cancel(user, redemption):
        raise PermissionDenied(NOT_PERMITTED)


def provider_ids_for(user: User) -> list[int]:
    """The organisations `user` works for: a provider's staff fulfil its rewards."""
    return list(
        Membership.objects.active()
        .filter(user=user, organisation__isnull=False)
        .values_list("organisation_id", flat=True)
    )
