import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal import notifications
from portal.models import Notification, NotificationOptOut


@pytest.fixture(autouse=True)
def category():
    notifications.register_category("test.news", _("News"))
    yield
    notifications.CATEGORIES.pop("test.news", None)


@pytest.mark.django_db
def test_notify_stores_and_emails_once_per_event(resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            users=[resident],
            category="test.news",
            event_key="e1",
            title="停水通知",
            body="明天停水",
        )
        notifications.notify(
            users=[resident],
            category="test.news",
            event_key="e1",
            title="停水通知",
            body="明天停水",
        )
    assert Notification.objects.filter(user=resident).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "停水通知" and "明天停水" in mail.outbox[0].body
    assert mail.outbox[0].to == [resident.email]


@pytest.mark.django_db
def test_email_opt_out_is_respected(resident, django_capture_on_commit_callbacks):
    NotificationOptOut.objects.create(user=resident, category="test.news", channel="email")
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(users=[resident], category="test.news", event_key="e2", title="t")
    assert mail.outbox == []
    assert Notification.objects.get(user=resident).read_at is None


@pytest.mark.django_db
def test_settings_page_switches_categories_off(client, resident):
    client.force_login(resident)
    # Everything stays ticked except this category's email.
    ticked = [f"{c}:{ch}" for c in notifications.CATEGORIES for ch in ("email", "in_app")]
    ticked.remove("test.news:email")
    client.post(reverse("portal:notification_settings"), {"on": ticked})
    assert set(
        NotificationOptOut.objects.filter(user=resident).values_list("category", "channel")
    ) == {("test.news", "email")}
    body = client.get(reverse("portal:notification_settings")).content.decode()
    assert 'value="test.news:in_app" id="n-test.news-in_app" checked' in body


@pytest.mark.django_db
def test_unknown_category_is_a_programming_error(resident):
    with pytest.raises(KeyError):
        notifications.notify(users=[resident], category="nope", event_key="x", title="t")


@pytest.mark.django_db
def test_a_user_listed_twice_is_notified_once(resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            users=[resident, resident], category="test.news", event_key="e3", title="t"
        )
    assert Notification.objects.filter(user=resident).count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_settings_are_one_group_of_boxes_per_category_and_unknown_boxes_are_refused(
    client, resident
):
    client.force_login(resident)
    url = reverse("portal:notification_settings")
    body = client.get(url).content.decode()
    label = str(notifications.CATEGORIES["test.news"].label)
    assert re.search(rf"<fieldset[^>]*>\s*<legend>\s*{label}", body)
    assert 'for="n-test.news-email"' in body
    ids = re.findall(r'\sid="([^"]+)"', body)
    assert len(ids) == len(set(ids))
    response = client.post(url, {"on": ["test.news:email", "nope:email"]})
    assert response.status_code == 200
    assert not NotificationOptOut.objects.filter(user=resident).exists()
