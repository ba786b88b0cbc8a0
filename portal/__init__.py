"""portal — the people, the places and the kernel every other app stands on.

- `models.py`: the user, the area tree (city → district → street → community → grid),
  organisations, memberships and roles, notifications.
- `permissions.py`: the one permission check, `can(user, action, area)` and its table of
  actions; `acts_in`/`require_in` for "in this community or one of its grids".
- The shared kernel, one copy each: `text.py` (residents' text stored as typed),
  `scoping.py` (`area_q`, `ScopedQuerySet.within`, `community_of`), `refusals.py` (how a
  view shows a service's refusal), `exports.py` (formula-safe XLSX/CSV), `qr.py`,
  `uploads.py` (images re-encoded), `inputs.py` (ids, dates, `safe_next`,
  `client_address`), `sms.py` (pluggable SMS backends).
- `services.py` (residency, preferences, privacy) and `selectors.py` (reads pages share),
  `notifications.py` + `emails.py` + `tasks.py` (notices, their emails, Celery tasks),
  `dashboard.py` (the panel registry behind each role's home page), `pagecache.py`
  (anonymous full-page cache), `wagtail_scoping.py` (the scoped base for every staff
  viewset), `forms.py` (the project's form renderer), `styleguide.py`.
- `settings/` and `urls.py` compose the apps (the only modules that name every app).
"""

from .celery import app as celery_app

__all__ = ["celery_app"]
