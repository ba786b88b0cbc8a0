"""Deadlines in working hours, on China's official calendar.

Working time is 9:00–12:00 and 13:30–17:30 (Asia/Shanghai, seven hours) on a working day.
Whether a day is a working day is decided, in this order, by

1. a site administrator's `WorkdayOverride` for that date (a local holiday, a year the
   State Council published after the library was released);
2. the `chinesecalendar` library: public holidays are days off and the 调休 make-up
   weekends are working days;
3. for a year the library does not know yet: Monday to Friday, with one warning in the
   log per year so that someone adds that year's overrides (or upgrades the library).

Deadlines are computed on every routing: the overrides are read in one query and kept in
the cache (`WorkdayOverride.as_dict`, dropped whenever an override is saved or deleted),
and the library's answer for a date is remembered.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import WorkdayOverride

TZ = ZoneInfo("Asia/Shanghai")
PERIODS = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))
CLOSE = PERIODS[-1][1]

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


@functools.lru_cache(maxsize=8192)
def official_working_day(day: date) -> bool | None:
    """The official calendar's answer for `day`, or None for a year it does not cover."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def _weekday_fallback(day: date) -> bool:
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        log.warning(
            "The official calendar (chinesecalendar) does not cover %s: counting Monday to "
            "Friday as working days. Add that year's holidays and 调休 days as workday "
            "overrides in the admin, or upgrade the library.",
            day.year,
        )
    return day.weekday() < 5


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days: the overrides, then the official calendar."""

    overrides: dict[date, bool] = field(default_factory=dict)

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        official = official_working_day(day)
        if official is None:
            return _weekday_fallback(day)
        return official

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


def working_calendar() -> WorkingCalendar:
    return WorkingCalendar(WorkdayOverride.as_dict())


def is_working_day(day: date) -> bool:
    return working_calendar().is_working_day(day)


def add_working_hours(
    start: datetime, hours: float, *, calendar: WorkingCalendar | None = None
) -> datetime:
    """The moment `hours` working hours after `start` (an aware datetime)."""
    cal = calendar or working_calendar()
    remaining = timedelta(hours=hours)
    current = start.astimezone(TZ)
    while True:
        day = current.date()
        if cal.is_working_day(day):
            for begin, end in PERIODS:
                p_start = datetime.combine(day, begin, TZ)
                p_end = datetime.combine(day, end, TZ)
                if current >= p_end:
                    continue
                current = max(current, p_start)
                available = p_end - current
                if remaining <= available:
                    return current + remaining
                remaining -= available
                current = p_end
        current = datetime.combine(cal.next_working_day(day), time(0, 0), TZ)


def close_of_working_days(
    start: datetime, days: int, *, calendar: WorkingCalendar | None = None
) -> datetime:
    """17:30 on the `days`-th working day after the day of `start` (0: that day's close,
    or the next working day's when `start` is not a working day)."""
    cal = calendar or working_calendar()
    day = start.astimezone(TZ).date()
    if days <= 0 and not cal.is_working_day(day):
        day = cal.next_working_day(day)
    for _n in range(max(days, 0)):
        day = cal.next_working_day(day)
    return datetime.combine(day, CLOSE, TZ)


def in_words(moment: datetime) -> str:
    """A moment as a resident reads it: "12月7日（周一）17:30", "Mon 12/7 17:30"."""
    local = moment.astimezone(TZ)
    weekdays = (
        pgettext("weekday", "Mon"),
        pgettext("weekday", "Tue"),
        pgettext("weekday", "Wed"),
        pgettext("weekday", "Thu"),
        pgettext("weekday", "Fri"),
        pgettext("weekday", "Sat"),
        pgettext("weekday", "Sun"),
    )
    return _("%(weekday)s %(month)s/%(day)s %(time)s") % {
        "weekday": weekdays[local.weekday()],
        "month": local.month,
        "day": local.day,
        "time": local.strftime("%H:%M"),
    }


def assign_within_days() -> int:
    """`TRIAGE_ASSIGN_WITHIN_DAYS` (default 1): a request waiting for triage is handed to
    whoever must act by the close of that many working days after the day it arrived."""
    return max(int(getattr(settings, "TRIAGE_ASSIGN_WITHIN_DAYS", 1)), 0)


def assign_by(received: datetime, *, calendar: WorkingCalendar | None = None) -> datetime:
    """When a request received at `received` is due to be assigned (the triage deadline)."""
    return close_of_working_days(received, assign_within_days(), calendar=calendar)
