"""Deadlines in working hours.

A working day is Monday to Friday, 9:00–12:00 and 13:30–17:30 in Asia/Shanghai (seven
hours).  Public holidays and the adjusted working weekends (调休) are not modelled: a
city that needs them replaces `is_working_day()`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
PERIODS = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def add_working_hours(start: datetime, hours: float) -> datetime:
    """The moment `hours` working hours after `start` (an aware datetime)."""
    remaining = timedelta(hours=hours)
    current = start.astimezone(TZ)
    while True:
        day = current.date()
        if is_working_day(day):
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
        current = datetime.combine(day + timedelta(days=1), time(0, 0), TZ)
