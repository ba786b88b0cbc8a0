"""Every write of the deliberation app: one function per use case, keyword-only arguments.

Bad input raises `ValidationError` with a translated message and changes nothing; missing
rights raise `PermissionDenied` (the rules are in `deliberation.permissions`).  Writes that
can be retried (support, follow, check-in, reminders) are idempotent.  Residents' text is
stored as typed (`portal.text.clean_text`) and escaped where it is shown.

Where each capability lives (one module each):

- `topics`: formats (`format_for`, `format_create`); raising a topic (`topic_create`, also
  for triage's 小事; `topic_raise`; `default_title`), the committee's edits
  (`topic_update`), support, follow / unfollow, status moves (`topic_status_set`);
- `contributions`: `contribution_add` (threaded), `contribution_edit`,
  `contribution_report` (`reports_to_hide`), `contribution_moderate`;
- `sessions`: `session_create`, `session_add_topic`, registrations and the waiting list
  (`registration_create`, `registration_cancel`), `session_reminders_send`;
- `checkins`: the door (`normalise_code`, `checkin`) and the credits for attending
  (`award_attendance`, through `credits.services`);
- `polls`: `poll_create`, `poll_vote`, `closed_polls`;
- `outcomes`: `held_sessions`, `outcome_publish`, follow-ups (`followup_add`,
  `followup_status_set`);
- `_notify` (notice categories `CAT_*`, a topic's followers) and `_rows` (row locks,
  create-once): helpers the modules above share.

Reads for pages are in `deliberation.selectors`; who may do what in
`deliberation.permissions`.  Inside the app, import from the module; other apps and the
views call `from deliberation import services; services.topic_create(...)`, which the
names below keep working.
"""

from portal.permissions import acts_in  # admin_views.py calls services.acts_in

from ..models import CHECKIN_MARGIN
from ..permissions import CHECKIN_NOT_YOURS
from ._notify import CAT_MODERATION, CAT_NEW_TOPIC, CAT_REGISTRATION, CAT_TOPIC_UPDATE
from .checkins import award_attendance, checkin, normalise_code
from .contributions import (
    contribution_add,
    contribution_edit,
    contribution_moderate,
    contribution_report,
    reports_to_hide,
)
from .outcomes import followup_add, followup_status_set, held_sessions, outcome_publish
from .polls import closed_polls, poll_create, poll_vote
from .sessions import (
    registration_cancel,
    registration_create,
    session_add_topic,
    session_create,
    session_reminders_send,
)
from .topics import (
    TITLE_DEFAULT_LENGTH,
    default_title,
    format_create,
    format_for,
    topic_create,
    topic_follow,
    topic_raise,
    topic_status_set,
    topic_support,
    topic_unfollow,
    topic_update,
)

__all__ = [
    "CAT_MODERATION",
    "CAT_NEW_TOPIC",
    "CAT_REGISTRATION",
    "CAT_TOPIC_UPDATE",
    "CHECKIN_MARGIN",
    "CHECKIN_NOT_YOURS",
    "TITLE_DEFAULT_LENGTH",
    "acts_in",
    "award_attendance",
    "checkin",
    "closed_polls",
    "contribution_add",
    "contribution_edit",
    "contribution_moderate",
    "contribution_report",
    "default_title",
    "followup_add",
    "followup_status_set",
    "format_create",
    "format_for",
    "held_sessions",
    "normalise_code",
    "outcome_publish",
    "poll_create",
    "poll_vote",
    "registration_cancel",
    "registration_create",
    "reports_to_hide",
    "session_add_topic",
    "session_create",
    "session_reminders_send",
    "topic_create",
    "topic_follow",
    "topic_raise",
    "topic_status_set",
    "topic_support",
    "topic_unfollow",
    "topic_update",
]
