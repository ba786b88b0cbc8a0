"""Who may do what to which deliberation object: the rules services and views share.

The actions (`deliberation.raise_topic`, `.support`, `.contribute`, `.vote`, `.report`,
`.register`, `.moderate`, `.manage`, `.check_in`) and the roles that hold them are in
`portal.permissions.ACTIONS`; this module adds no action.  It states, on top of
`portal.permissions.can()` / `acts_in()` / `require_in()`, the rules about one object:

- a community's own people take part: `acts_in` counts a membership in one of its grids;
- raising a topic needs a confirmed residency there, or its committee (`may_raise_topic`);
- the committee manages topics, sessions, polls and outcomes (`may_manage`);
- a moderator never moderates their own contribution, a door helper never checks
  themselves in (`beneficiary=`, portal's no-self-dealing rule);
- only the author edits a contribution; only the person (or the committee) cancels a
  registration; a poll's results show once visible, or to the committee.

`may_*` answer for a page (show the button or not); `require_*` refuse with the
translated reason a service raises.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import pgettext, pgettext_lazy

from portal.models import Area, Role
from portal.permissions import active_memberships, acts_in, can, require, require_in

CHECKIN_NOT_YOURS = pgettext_lazy(
    "deliberation",
    "You may not check residents in for this community's sessions: ask its committee "
    "or a grid worker of the community.",
)
_RAISE_REFUSED = pgettext_lazy(
    "deliberation",
    "Only confirmed residents and the committee of this community can raise topics here.",
)


def _not_permitted():
    return pgettext("deliberation", "You do not have permission to do this here.")


# --- who belongs -----------------------------------------------------------------------


def is_resident_of(user, community: Area) -> bool:
    """A confirmed (active) residency somewhere in `community`."""
    if not getattr(user, "is_authenticated", False):
        return False
    return any(
        m.role == Role.RESIDENT and m.area.path.startswith(community.path)
        for m in active_memberships(user)
    )


# --- topics ----------------------------------------------------------------------------


def may_raise_topic(user, community: Area) -> bool:
    return acts_in(user, "deliberation.raise_topic", community) and (
        may_manage(user, community) or is_resident_of(user, community)
    )


def require_raise_topic(user, community: Area) -> None:
    require_in(user, "deliberation.raise_topic", community, message=_RAISE_REFUSED)
    if not may_raise_topic(user, community):
        raise PermissionDenied(_RAISE_REFUSED)


def require_support(user, topic) -> None:
    require_in(
        user,
        "deliberation.support",
        topic.community,
        message=pgettext(
            "deliberation", "Only confirmed residents of this community can support its topics."
        ),
    )


def require_follow(user) -> None:
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(pgettext("deliberation", "Sign in to follow a topic."))


def may_manage(user, community: Area) -> bool:
    """The committee's tools: edit and move topics, sessions, polls, outcomes."""
    return can(user, "deliberation.manage", community)


def require_manage(user, community: Area, *, message=None) -> None:
    require(user, "deliberation.manage", community, message=message)


def require_manage_formats(user, community: Area) -> None:
    """A community's committee (or one seated in its grids) adds its own formats."""
    require_in(user, "deliberation.manage", community, message=_not_permitted())


def require_edit_topic(user, topic) -> None:
    require_manage(
        user,
        topic.community,
        message=pgettext("deliberation", "Only the committee of this community can edit topics."),
    )


# --- contributions ---------------------------------------------------------------------


def may_contribute(user, topic) -> bool:
    return not topic.is_closed and acts_in(user, "deliberation.contribute", topic.community)


def require_contribute(user, topic) -> None:
    require_in(
        user,
        "deliberation.contribute",
        topic.community,
        message=pgettext(
            "deliberation",
            "Only residents and staff of this community can take part in its discussions.",
        ),
    )


def require_edit_contribution(user, contribution) -> None:
    if contribution.author_id != user.pk:
        raise PermissionDenied(pgettext("deliberation", "Only the author can edit a contribution."))


def require_report(user, contribution) -> None:
    """Only the community's own residents and committee: reports from elsewhere hide nothing."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(pgettext("deliberation", "Sign in to report a contribution."))
    require_in(
        user,
        "deliberation.report",
        contribution.topic.community,
        message=pgettext(
            "deliberation",
            "Only confirmed residents and the committee of this community can report its "
            "contributions.",
        ),
    )


def may_moderate(user, community: Area) -> bool:
    """Show the moderation tools on a community's topic pages."""
    return can(user, "deliberation.moderate", community)


def require_moderate(user, contribution) -> None:
    require(
        user,
        "deliberation.moderate",
        contribution.topic.community,
        beneficiary=contribution.author_id,
    )


# --- sessions and check-in -------------------------------------------------------------


def may_register(user, community: Area) -> bool:
    return acts_in(user, "deliberation.register", community)


def require_register(user, session) -> None:
    require_in(
        user,
        "deliberation.register",
        session.community,
        message=pgettext(
            "deliberation", "Only residents and volunteers of this community can register."
        ),
    )


def require_cancel_registration(user, registration) -> None:
    """The person themselves, or the session's committee."""
    if registration.user_id != user.pk and not may_manage(user, registration.session.community):
        raise PermissionDenied(
            pgettext("deliberation", "You can only cancel your own registration.")
        )


def may_check_in(user, community: Area) -> bool:
    """Open the door desk of a community's sessions (committee, its grid workers)."""
    return acts_in(user, "deliberation.check_in", community)


def require_check_in(user, community: Area, *, beneficiary=None) -> None:
    """With `beneficiary` (the registered person): nobody checks themselves in (coins)."""
    if beneficiary is None:
        require_in(user, "deliberation.check_in", community, message=CHECKIN_NOT_YOURS)
    else:
        require_in(
            user,
            "deliberation.check_in",
            community,
            message=_not_permitted(),
            beneficiary=beneficiary,
        )


# --- polls -----------------------------------------------------------------------------


def require_vote(user, poll) -> None:
    require_in(
        user,
        "deliberation.vote",
        poll.community,
        message=pgettext("deliberation", "Only confirmed residents of this community can vote."),
    )


def may_see_results(user, poll) -> bool:
    """A poll's counts: once the poll shows them, and always to the committee."""
    return poll.results_visible() or may_manage(user, poll.community)
