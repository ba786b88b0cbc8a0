"""triage — 三事分流: every resident request classified, routed, followed and closed.

- `services/`: the use cases — `intake.py` (reports, hotline intake), `classification.py`
  (the model's class and confidence), `routing.py` (who must act), `followup.py`
  (deadlines, escalation, replies, ratings, reopening), `topics.py` (a request becomes a
  round-table topic), `training.py` (training and activating models), `claims.py` (a
  request entered for a resident reaches their account by a signed link).
- `permissions.py`: who may read, triage, handle or supervise a request, on top of
  `portal.permissions.can`; `privacy.py` what the public sees of a request.
- `selectors.py` reads (queues, dashboards, `report_measures`); `jobs.py` names the Celery
  tasks the use cases send and `tasks.py` runs them; `classifier.py` + `modelling.py` the
  text models; `workhours.py` deadlines in working hours; `open311/` the GeoReport v2 API.
"""
