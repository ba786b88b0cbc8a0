"""credits — the moral bank (道德银行).

- `ledger.py`: the engine. Idempotency keys, account locks and their one order,
  double-entry posting (with the PostgreSQL fast path) and reversals. No rule
  about who may do what or how much is earned lives here.
- `services/`: the use cases — `awards.py` (earning rules, daily and monthly caps, what an
  approval will pay), `hours.py` (service-hour logs, verification, bulk recording),
  `redemptions.py` (reserve, fulfil, cancel, expire), `certificates.py`, `alerts.py`
  (reconciliation and its alert).
- `permissions.py`: who may log, verify, redeem, fulfil or cancel, on top of
  `portal.permissions.can`.
- `selectors.py` reads; `reconcile.py` checks the ledger's invariants; `views.py`,
  `forms.py`, `wagtail_hooks.py` (rewards and earning rules on the scoped viewsets).
"""
