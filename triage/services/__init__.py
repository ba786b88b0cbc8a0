"""Every write of the request loop (三事分流): 一端上报、分流转办、联合督办、限时反馈、结案答复.

One function per use case, keyword-only arguments, atomic.  Each state change appends an
`Event`, so the timeline is complete.  Bad input raises `ValidationError` with a
translated message before anything is written; an action the user may not take raises
`PermissionDenied` (the rules are in `triage.permissions`).

Where each capability lives (one module per capability):

- `intake` — 一端上报: `request_submit` (one end for every channel), `request_intake`
  (a grid worker or the hotline for a resident), the map point check, `is_sensitive`;
- `classification` — `classify` (the model plus a keyword boost), `request_classify`,
  `confidence_threshold`;
- `routing` — 分流转办: `route` (class → organisation and deadline), `request_confirm`
  (staff triage), `request_transfer`;
- `referrals` — a 私事 referred to the resident, not closed: `refer_private`, help asked of
  volunteers, their hours confirmed and paid once;
- `followup` — 联合督办、限时反馈、结案答复: `request_start`, `request_supervise`,
  `request_resolve`, `request_reply`, `request_rate`, `request_reopen`, `escalate_overdue`;
- `topics` — a 小事 at the round table: `topic_draft`, `check_make_topic`,
  `request_make_topic`, `on_topic_decided`;
- `training` — the classifier's models: `model_train`, `model_activate`,
  `model_ensure_default`, `model_retrain`, `seed_training_data`;
- `claims` — a request entered for a resident reaches their account: `intake_match`,
  `claim_token`, `claim_payload`, `request_claim`;
- `_base`, `_notify` — shared by the modules above: the timeline event, system notes in
  the site's language, the handler's lock; telling the reporter and the handlers.

Elsewhere in the app: who may do what to which request is `triage.permissions`
(`can_handle`, `can_supervise`, `can_triage`, `standing`, `supervising_orgs`); reads,
including `committee_for`, `department_for`, `handlers_of` and `directory_matches`, are
`triage.selectors`; Celery tasks (`triage.tasks`) call these use cases, and the use cases
send tasks by name through `triage.jobs`, so the two never import each other.

Inside the app, import from the module itself; the names below are re-exported for
views, other apps, the Open311 API and management commands (`from triage import services`).
"""

from ..permissions import (
    Standing,
    can_handle,
    can_supervise,
    can_triage,
    standing,
    supervising_orgs,
)
from ..selectors import committee_for, department_for, directory_matches, handlers_of
from ._base import DEFAULT_DEADLINE_HOURS, OPEN_HANDLING
from .claims import claim_payload, claim_token, intake_match, request_claim
from .classification import KEYWORD_BOOST, classify, confidence_threshold, request_classify
from .followup import (
    escalate_overdue,
    request_rate,
    request_reopen,
    request_reply,
    request_resolve,
    request_start,
    request_supervise,
)
from .intake import check_point_in_grid, is_sensitive, request_intake, request_submit
from .routing import request_confirm, request_transfer
from .topics import check_make_topic, on_topic_decided, request_make_topic, topic_draft
from .training import (
    model_activate,
    model_ensure_default,
    model_retrain,
    model_train,
    seed_training_data,
)

__all__ = [
    "DEFAULT_DEADLINE_HOURS",
    "KEYWORD_BOOST",
    "OPEN_HANDLING",
    "Standing",
    "can_handle",
    "can_supervise",
    "can_triage",
    "check_make_topic",
    "check_point_in_grid",
    "claim_payload",
    "claim_token",
    "classify",
    "committee_for",
    "confidence_threshold",
    "department_for",
    "directory_matches",
    "escalate_overdue",
    "handlers_of",
    "intake_match",
    "is_sensitive",
    "model_activate",
    "model_ensure_default",
    "model_retrain",
    "model_train",
    "on_topic_decided",
    "request_claim",
    "request_classify",
    "request_confirm",
    "request_intake",
    "request_make_topic",
    "request_rate",
    "request_reopen",
    "request_reply",
    "request_resolve",
    "request_start",
    "request_submit",
    "request_supervise",
    "request_transfer",
    "seed_training_data",
    "standing",
    "supervising_orgs",
    "topic_draft",
]
