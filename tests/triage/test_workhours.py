from datetime import datetime

from triage.workhours import TZ, add_working_hours


def at(*args):
    return datetime(*args, tzinfo=TZ)


def test_hours_inside_one_morning():
    assert add_working_hours(at(2026, 11, 23, 9, 0), 2) == at(2026, 11, 23, 11, 0)


def test_lunch_break_is_skipped():
    assert add_working_hours(at(2026, 11, 23, 11, 0), 2) == at(2026, 11, 23, 14, 30)


def test_a_request_on_friday_evening_is_due_on_monday():
    # Friday 2026-11-27 18:00 → next working time is Monday 9:00; 7 hours = one day.
    assert add_working_hours(at(2026, 11, 27, 18, 0), 7) == at(2026, 11, 30, 17, 30)


def test_weekend_start_counts_from_monday_morning():
    assert add_working_hours(at(2026, 11, 28, 10, 0), 1) == at(2026, 11, 30, 10, 0)
