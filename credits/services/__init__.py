"""Every write of the moral bank, one module per capability.  One function per use case,
keyword-only, atomic.

- `services.awards`: what a good deed earns (earning rules, daily and monthly caps), paid
  once per key (`deed_award`), and the figure a verifier sees before approving;
- `services.hours`: service hours logged, approved, rejected, revoked, decided or recorded
  in bulk;
- `services.redemptions`: rewards reserved, handed over (fulfilled), cancelled, expired;
- `services.certificates`: service-hours certificates;
- `services.alerts`: the nightly reconciliation's alert to site administrators.

Beside this package: the ledger engine (amounts, idempotency keys, locks and their one
order, posting, the PostgreSQL fast path and reverse) is `credits.ledger`; who
may do what is `credits.permissions`; reads for pages are `credits.selectors`.

The names below are what views and other apps call (`from credits import services;
services.deed_award(...)`: deliberation's check-in pays attendance so).  Inside the
services, tasks and demo, import from the module itself.
"""

from ..ledger import IdempotencyConflictError, InsufficientCreditsError, LedgerError
from ..permissions import can_fulfil  # kept importable here for callers of the old module
from .alerts import reconcile_and_alert
from .awards import deed_award, service_log_quotes
from .certificates import certificate_issue, certificates_of
from .hours import (
    service_log_approve,
    service_log_create,
    service_log_decide_bulk,
    service_log_record_bulk,
    service_log_reject,
    service_log_revoke,
)
from .redemptions import (
    redemption_cancel,
    redemption_expire_due,
    redemption_fulfil,
    redemption_reserve,
)

__all__ = [
    "IdempotencyConflictError",
    "InsufficientCreditsError",
    "LedgerError",
    "can_fulfil",
    "certificate_issue",
    "certificates_of",
    "deed_award",
    "reconcile_and_alert",
    "redemption_cancel",
    "redemption_expire_due",
    "redemption_fulfil",
    "redemption_reserve",
    "service_log_approve",
    "service_log_create",
    "service_log_decide_bulk",
    "service_log_quotes",
    "service_log_record_bulk",
    "service_log_reject",
    "service_log_revoke",
]
