"""The notifications page and the bell in the header."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from propwatch.notifications.models import Notification
from propwatch.notifications.services import Draft, notify, notify_many

LIST = "/notifications/"


def bell(html: str) -> str:
    """The unread badge in the header, "" when there is none."""
    link = re.search(r'<a href="/notifications/"[^>]*id="notification-bell".*?</a>', html, re.S).group(0)
    badge = re.search(r'<span class="badge[^"]*">(.*?)</span>', link)
    return badge.group(1) if badge else ""


def rows(html: str) -> list[tuple[str, bool]]:
    """(title, unread) for each notification on the page, top to bottom."""
    found = re.findall(r'<div class="list-group-item notification( notification-unread)?" id="notification-\d+">.*?'
                       r'<div class="(?:fw-bold)?">(?:<span class="badge bg-red-lt me-1">未读</span>)?(.*?)</div>',
                       html, re.S)
    return [(title, bool(unread)) for unread, title in found]


@pytest.fixture
def inbox(street_officer, police_officer):
    """Three notifications for the street officer (oldest first) and one for somebody else."""
    for i in range(3):
        notify(street_officer, key=f"test:{i}", title=f"通知{i}", body=f"内容{i}", url=f"/ledger/problems/{i + 1}/")
    notify(police_officer, key="test:other", title="别人的通知")
    return list(Notification.objects.filter(user=street_officer).order_by("created_at", "id"))


def test_the_page_lists_only_my_notifications_newest_first_with_unread_highlighted(client_for, street_officer, inbox):
    Notification.objects.filter(pk=inbox[0].pk).update(read_at=inbox[0].created_at)
    page = client_for(street_officer).get(LIST).content.decode()
    assert rows(page) == [("通知2", True), ("通知1", True), ("通知0", False)]
    assert "别人的通知" not in page
    assert bell(page) == "2"
    assert "未读 2 条" in page


def test_notify_is_idempotent_by_key(street_officer):
    assert notify(street_officer, key="k", title="一次") is True
    assert notify(street_officer, key="k", title="两次") is False
    created = notify_many([Draft(street_officer.pk, "k", "三次"), Draft(street_officer.pk, "k2", "新的")])
    assert [n.title for n in created] == ["新的"]
    assert sorted(Notification.objects.values_list("title", flat=True)) == ["一次", "新的"]


def test_marking_one_read_is_a_post_and_returns_to_the_page(client_for, street_officer, inbox):
    client = client_for(street_officer)
    url = reverse("notifications:read", args=[inbox[1].pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"next": LIST + "?page=1"})
    assert response.status_code == 302 and response.url == LIST + "?page=1"
    inbox[1].refresh_from_db()
    assert inbox[1].read_at is not None
    page = client.get(LIST).content.decode()
    assert rows(page) == [("通知2", True), ("通知1", False), ("通知0", True)]
    assert bell(page) == "2"


def test_marking_all_read(client_for, street_officer, police_officer, inbox):
    client = client_for(street_officer)
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["已将 3 条通知标为已读"]
    page = response.content.decode()
    assert bell(page) == "" and "没有未读通知" in page
    # Somebody else's stay unread.
    assert Notification.objects.get(user=police_officer).read_at is None


def test_opening_a_notification_marks_it_read_and_goes_to_the_problem(client_for, street_officer, inbox):
    response = client_for(street_officer).post(reverse("notifications:open", args=[inbox[0].pk]))
    assert response.status_code == 302 and response.url == "/ledger/problems/1/"
    inbox[0].refresh_from_db()
    assert inbox[0].read_at is not None


def test_another_users_notification_cannot_be_opened_or_marked(client_for, police_officer, inbox):
    client = client_for(police_officer)
    assert client.post(reverse("notifications:open", args=[inbox[0].pk])).status_code == 404
    client.post(reverse("notifications:read", args=[inbox[0].pk]))
    inbox[0].refresh_from_db()
    assert inbox[0].read_at is None


def test_a_link_to_another_site_is_never_followed(client_for, street_officer):
    notify(street_officer, key="evil", title="外部链接", url="https://evil.example.com/")
    n = Notification.objects.get(key="evil")
    response = client_for(street_officer).post(reverse("notifications:open", args=[n.pk]),
                                               {"next": "https://evil.example.com/"})
    assert response.url == LIST


def test_the_list_is_paginated_and_can_show_unread_only(client_for, street_officer, settings):
    notify_many([Draft(street_officer.pk, f"bulk:{i}", f"批量{i:02d}") for i in range(settings.PAGE_SIZE + 5)])
    client = client_for(street_officer)
    first = client.get(LIST).content.decode()
    assert len(rows(first)) == settings.PAGE_SIZE
    assert f"共 {settings.PAGE_SIZE + 5} 条" in first
    second = client.get(LIST, {"page": 2}).content.decode()
    assert len(rows(second)) == 5
    Notification.objects.filter(key__in=["bulk:0", "bulk:1"]).update(read_at="2026-12-01T00:00:00Z")
    unread = client.get(LIST, {"show": "unread", "page": 2}).content.decode()
    assert len(rows(unread)) == 3 and all(u for _t, u in rows(unread))


def test_an_empty_inbox_says_so(client_for, city_admin):
    page = client_for(city_admin).get(LIST).content.decode()
    assert "还没有通知" in page and bell(page) == ""


def test_the_bell_shows_on_every_page_for_one_query(client_for, street_officer, inbox):
    client = client_for(street_officer)
    client.get(reverse("web:home"))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("web:home")).content.decode()
    assert bell(page) == "3"
    counting = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
    assert len(counting) == 1 and "COUNT(" in counting[0].upper()
    # More than 99 unread shows as 99+.
    notify_many([Draft(street_officer.pk, f"many:{i}", "很多") for i in range(100)])
    assert bell(client.get(reverse("web:home")).content.decode()) == "99+"


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
