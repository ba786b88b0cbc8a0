"""Deadlines in working hours on China's official calendar (issue 10): public holidays
are days off, 调休 weekends are working days, site administrators' overrides come first,
and a year the library does not know falls back to Monday–Friday."""

import logging
from datetime import date, datetime

import pytest
from django.core.cache import cache

from triage import workhours
from triage.models import WorkdayOverride
from triage.workhours import TZ, WorkingCalendar, add_working_hours, assign_by, in_words

pytestmark = pytest.mark.django_db


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


def test_national_day_is_skipped():
    # 2026: 10月1日–7日 off.  Wednesday 30 September 17:00 has half an hour left; the
    # other 6.5 hours fall on Thursday 8 October, the first working day after the holiday.
    due = add_working_hours(at(2026, 9, 30, 17, 0), 7)
    assert due == at(2026, 10, 8, 17, 0)
    assert not any(
        workhours.is_working_day(date(2026, 10, d)) for d in range(1, 8)
    )  # the whole week is off, Monday to Wednesday included


def test_a_tiao_xiu_saturday_is_a_working_day():
    # Saturday 10 October 2026 is worked (调休 for National Day): a request arriving on
    # Friday 9 October at 17:30 with 7 hours is due on that Saturday, not on Monday.
    assert workhours.is_working_day(date(2026, 10, 10))
    assert add_working_hours(at(2026, 10, 9, 17, 30), 7) == at(2026, 10, 10, 17, 30)
    # and Sunday 20 September, worked for the same holiday
    assert add_working_hours(at(2026, 9, 19, 10, 0), 1) == at(2026, 9, 20, 10, 0)


def test_spring_festival_2026():
    # 2月15日–23日 off; 2月14日 (Saturday) and 2月28日 (Saturday) worked.
    assert add_working_hours(at(2026, 2, 13, 17, 0), 1) == at(2026, 2, 14, 9, 30)
    assert add_working_hours(at(2026, 2, 14, 17, 30), 1) == at(2026, 2, 24, 10, 0)


def test_an_override_makes_a_day_off():
    WorkdayOverride.objects.create(date=date(2026, 11, 30), is_working=False, note="台风停工")
    assert not workhours.is_working_day(date(2026, 11, 30))
    assert add_working_hours(at(2026, 11, 27, 18, 0), 7) == at(2026, 12, 1, 17, 30)


def test_an_override_makes_a_working_day_and_its_removal_undoes_it():
    sunday = WorkdayOverride.objects.create(date=date(2026, 11, 29), is_working=True)
    assert add_working_hours(at(2026, 11, 28, 10, 0), 1) == at(2026, 11, 29, 10, 0)
    sunday.delete()
    assert add_working_hours(at(2026, 11, 28, 10, 0), 1) == at(2026, 11, 30, 10, 0)


def test_an_edited_override_is_read_at_once():
    o = WorkdayOverride.objects.create(date=date(2026, 11, 30), is_working=False)
    assert not workhours.is_working_day(date(2026, 11, 30))
    o.is_working = True
    o.save()
    assert workhours.is_working_day(date(2026, 11, 30))


def test_overrides_cost_one_query_then_none(django_assert_num_queries):
    WorkdayOverride.objects.create(date=date(2026, 11, 30), is_working=False)
    cache.clear()
    with django_assert_num_queries(1):
        add_working_hours(at(2026, 1, 5, 9, 0), 7 * 200)  # most of a year, day by day
    with django_assert_num_queries(0):
        add_working_hours(at(2026, 9, 30, 17, 0), 7)
        assign_by(at(2026, 9, 30, 17, 0))


def test_a_year_beyond_the_library_counts_weekdays_and_warns_once(caplog, monkeypatch):
    monkeypatch.setattr(workhours, "_warned_years", set())
    year = 2099
    with caplog.at_level(logging.WARNING, logger="triage.workhours"):
        # Friday 2 January 2099, 17:00 → Monday 5 January
        assert add_working_hours(at(year, 1, 2, 17, 0), 7) == at(year, 1, 5, 17, 0)
        assert add_working_hours(at(year, 1, 9, 17, 0), 7) == at(year, 1, 12, 17, 0)
    warnings = [r for r in caplog.records if str(year) in r.getMessage()]
    assert len(warnings) == 1


def test_an_override_beats_the_weekday_fallback_in_an_unknown_year():
    WorkdayOverride.objects.create(date=date(2099, 1, 1), is_working=False, note="元旦")
    WorkdayOverride.objects.create(date=date(2099, 1, 3), is_working=True, note="调休")
    # Wednesday 31 December 2098 17:30 → Thursday 1 January off → Friday 2 → Saturday 3
    assert add_working_hours(at(2098, 12, 31, 17, 30), 14) == at(2099, 1, 3, 17, 30)


def test_assign_by_is_the_close_of_the_next_working_day(settings):
    # Saturday 5 December 2026 → Monday 7 December 17:30
    assert assign_by(at(2026, 12, 5, 10, 0)) == at(2026, 12, 7, 17, 30)
    # Wednesday 30 September, before National Day → Thursday 8 October
    assert assign_by(at(2026, 9, 30, 8, 0)) == at(2026, 10, 8, 17, 30)
    settings.TRIAGE_ASSIGN_WITHIN_DAYS = 0  # the same working day's close
    assert assign_by(at(2026, 12, 4, 10, 0)) == at(2026, 12, 4, 17, 30)
    assert assign_by(at(2026, 12, 5, 10, 0)) == at(2026, 12, 7, 17, 30)
    settings.TRIAGE_ASSIGN_WITHIN_DAYS = 2
    assert assign_by(at(2026, 12, 4, 10, 0)) == at(2026, 12, 8, 17, 30)


def test_a_calendar_can_be_given_without_the_database():
    cal = WorkingCalendar({date(2026, 11, 30): False})
    assert add_working_hours(at(2026, 11, 27, 18, 0), 7, calendar=cal) == at(2026, 12, 1, 17, 30)


def test_in_words_names_the_weekday():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert in_words(at(2026, 12, 7, 17, 30)) == "12月7日（周一）17:30"
    with translation.override("en"):
        assert in_words(at(2026, 12, 7, 17, 30)) == "Mon 12/7 17:30"


def test_site_admins_keep_the_overrides_in_the_admin_and_deadlines_follow(client, tree, settings):
    from django.contrib.auth.models import Permission
    from django.urls import reverse

    from tests import factories

    settings.PORTAL_REQUIRE_STAFF_MFA = False
    access = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    url = reverse("wagtailsnippets_triage_workdayoverride:add")
    committee = factories.member("committee", tree["community"])
    committee.user_permissions.add(access)
    client.force_login(committee)
    assert client.get(url).status_code in (302, 403)
    client.post(url, {"date": "2026-11-30", "is_working": "", "note": "停水停电"})
    assert not WorkdayOverride.objects.exists()

    admin = factories.member("site_admin", tree["city"])
    admin.user_permissions.add(access)
    client.force_login(admin)
    assert add_working_hours(at(2026, 11, 27, 18, 0), 7) == at(2026, 11, 30, 17, 30)  # cached
    r = client.post(url, {"date": "2026-11-30", "is_working": "", "note": "停水停电"})
    assert r.status_code == 302
    assert WorkdayOverride.objects.get().note == "停水停电"
    assert add_working_hours(at(2026, 11, 27, 18, 0), 7) == at(2026, 12, 1, 17, 30)
    again = client.post(url, {"date": "2026-11-30", "is_working": "on", "note": ""})
    assert again.status_code == 200 and WorkdayOverride.objects.count() == 1  # one per date
    listing = client.get(reverse("wagtailsnippets_triage_workdayoverride:list"))
    assert listing.status_code == 200 and "停水停电" in listing.content.decode()


def test_a_routed_request_before_national_day_is_due_after_it(w):
    from triage import services

    road = w["types"]["road"]
    road.deadline_hours = 7
    road.save()
    req = services.request_submit(
        channel="web",
        text="马路上的井盖丢了，很危险，请尽快处理",
        area=w["tree"]["grid"],
        reporter=w["resident"],
        service_type=road,
        now=at(2026, 9, 30, 17, 0),
    )
    assert req.status == "assigned"
    assert req.deadline == at(2026, 10, 8, 17, 0)
