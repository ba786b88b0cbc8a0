"""deliberation — 民事民议民决: topics, contributions, sessions, polls and outcomes.

- `services/`: the use cases — `topics.py` (formats, raising and editing topics, support,
  follow, status moves), `contributions.py` (and moderation), `sessions.py` (agenda,
  registration, waiting list, reminders), `checkins.py` (the door, attendance paid through
  the moral bank), `polls.py`, `outcomes.py` (decisions and their follow-ups).
- `permissions.py`: the object rules (who may edit this topic, manage this session, check
  people in) on top of `portal.permissions.can`.
- `selectors.py` reads; `desk.py` is the check-in desk; `admin_views.py` the committee's
  workflows (queues, check-in, poll results); `wagtail_hooks.py` sessions, polls and
  formats on the scoped viewsets; `ical.py` calendar feeds.
"""
