"""The daily reminders: who hears about which problem, once per day, for a bounded number of queries."""

import datetime
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from propwatch.accounts.tests.factories import DepartmentFactory, UserFactory
from propwatch.ledger import services
from propwatch.ledger.choices import Source
from propwatch.ledger.deadlines import end_of_day
from propwatch.ledger.tasks import send_daily_reminders
from propwatch.notifications.models import Notification
from propwatch.regions.models import Region
from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community

from .factories import png_upload

SH = ZoneInfo("Asia/Shanghai")
D = datetime.date
DAY = D(2026, 12, 10)
REGISTERED_AT = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=SH)


def problem(actor, project, deadline: datetime.datetime, department, description: str = "小区入口被商户占用经营"):
    """A problem registered on 12-01, assigned to `department`, with an explicit deadline."""
    return services.register_problem(
        actor=actor, project=project, focus=2, description=description, source=Source.INSPECTION,
        found_on=REGISTERED_AT.date(), responsible_department=department, deadline=deadline, now=REGISTERED_AT,
    )


def titles(user) -> list[str]:
    return sorted(Notification.objects.filter(user=user).values_list("title", flat=True))


@pytest.fixture
def ledger(xiling_housing_staff, wujiagang_housing_staff, street_officer, company_user):
    """Problems of the company's two projects at every distance from 2026-12-10."""
    xiling = company_user.department.company.projects.get(name="江城西陵花园")
    wujiagang = company_user.department.company.projects.get(name="江城伍家岗苑")
    street = street_officer.department
    p = {
        "overdue": problem(xiling_housing_staff, xiling, datetime.datetime(2026, 12, 8, 17, 0, tzinfo=SH), street),
        "today": problem(xiling_housing_staff, xiling, end_of_day(D(2026, 12, 10)), street),
        "soon": problem(xiling_housing_staff, xiling, end_of_day(D(2026, 12, 12)), street),
        "later": problem(xiling_housing_staff, xiling, end_of_day(D(2026, 12, 13)), street),
        "wujiagang_overdue": problem(wujiagang_housing_staff, wujiagang, end_of_day(D(2026, 12, 9)),
                                     wujiagang_housing_staff.department),
    }
    # A closed problem is never reminded about, however late it was.
    closed = problem(xiling_housing_staff, xiling, end_of_day(D(2026, 12, 2)), street)
    closed = services.start_rectification(actor=company_user, problem=closed, version=closed.version)
    closed = services.submit_rectification(actor=company_user, problem=closed, version=closed.version,
                                           note="已清理", files=[png_upload()])
    services.close_problem(actor=xiling_housing_staff, problem=closed, version=closed.version)
    Notification.objects.all().delete()  # only what the reminders send counts below
    return p


def test_assignees_and_the_company_hear_of_problems_due_soon_or_overdue(
        ledger, street_officer, company_user, xiling_housing_staff, wujiagang_housing_staff, police_officer,
        city_admin):
    result = send_daily_reminders.enqueue(DAY.isoformat())
    assert result.status == "SUCCESSFUL"

    n = {k: v.number for k, v in ledger.items()}
    # The street office is responsible for the 西陵 problems: overdue, due today, due in 2 days.
    assert titles(street_officer) == sorted([
        f"已逾期：{n['overdue']} 江城西陵花园", f"即将到期：{n['today']} 江城西陵花园",
        f"即将到期：{n['soon']} 江城西陵花园"])
    # The company hears about all of its own, in both counties; not about the one due on 12-13.
    assert titles(company_user) == sorted([
        f"已逾期：{n['overdue']} 江城西陵花园", f"即将到期：{n['today']} 江城西陵花园",
        f"即将到期：{n['soon']} 江城西陵花园", f"已逾期：{n['wujiagang_overdue']} 江城伍家岗苑"])
    # Each county housing bureau gets one digest of its county's overdue problems; 伍家岗 is also
    # responsible for its own problem.
    assert titles(xiling_housing_staff) == ["西陵区逾期问题日报（12月10日）：1 个问题逾期未销号"]
    assert titles(wujiagang_housing_staff) == sorted([
        f"已逾期：{n['wujiagang_overdue']} 江城伍家岗苑", "伍家岗区逾期问题日报（12月10日）：1 个问题逾期未销号"])
    # Nobody else.
    assert titles(police_officer) == [] and titles(city_admin) == []
    assert result.return_value == {"day": "2026-12-10", "reminders": 8, "county_digests": 2}

    # What a reminder says, and where it leads.
    overdue = Notification.objects.get(user=street_officer, title__startswith="已逾期")
    assert overdue.body == "违规利用共用部位。整改期限 2026-12-08 17:00，已逾期 2 天，请尽快整改并提交整改材料。"
    assert overdue.url == reverse("ledger:problem_detail", args=[ledger["overdue"].pk])
    today = Notification.objects.get(user=street_officer, title__contains=n["today"])
    assert today.body == "违规利用共用部位。整改期限 2026-12-10 23:59，今天到期。"
    soon = Notification.objects.get(user=street_officer, title__contains=n["soon"])
    assert soon.body.endswith("整改期限 2026-12-12 23:59，还有 2 天到期。")


def test_running_the_task_twice_notifies_once(ledger, street_officer):
    first = send_daily_reminders.enqueue(DAY.isoformat())
    count = Notification.objects.count()
    assert count == 10 and first.return_value["reminders"] == 8

    second = send_daily_reminders.enqueue(DAY.isoformat())

    assert second.status == "SUCCESSFUL"
    assert second.return_value == {"day": "2026-12-10", "reminders": 0, "county_digests": 0}
    assert Notification.objects.count() == count
    # The next day is a new day: the overdue problem is reminded of again.
    send_daily_reminders.enqueue(D(2026, 12, 11).isoformat())
    assert Notification.objects.filter(user=street_officer, title__startswith="已逾期").count() == 3  # overdue, today


def test_the_county_digest_lists_each_overdue_problem_of_the_county(xiling_housing_staff, street_officer):
    projects = [ProjectFactory(community=community(code)) for code in ("420502001001", "420502002001")]
    late = [problem(xiling_housing_staff, projects[i % 2], end_of_day(D(2026, 12, 1 + i)), street_officer.department,
                    description=f"问题{i}") for i in range(3)]
    # A problem of 伍家岗 does not appear in 西陵's digest.
    problem(xiling_housing_staff, ProjectFactory(community=community("420503001001")), end_of_day(D(2026, 12, 2)),
            street_officer.department)
    colleague = UserFactory(department=xiling_housing_staff.department)

    send_daily_reminders.enqueue(DAY.isoformat())

    digests = Notification.objects.filter(key="overdue-digest:2026-12-10:420502")
    assert {d.user_id for d in digests} == {xiling_housing_staff.pk, colleague.pk}
    digest = digests.get(user=xiling_housing_staff)
    assert digest.title == "西陵区逾期问题日报（12月10日）：3 个问题逾期未销号"
    # Most overdue first, each with its number, project, deadline and days overdue.
    assert digest.body.splitlines() == [
        f"{late[0].number} {projects[0].name}：期限 2026-12-01 23:59，已逾期 9 天",
        f"{late[1].number} {projects[1].name}：期限 2026-12-02 23:59，已逾期 8 天",
        f"{late[2].number} {projects[0].name}：期限 2026-12-03 23:59，已逾期 7 天",
    ]
    assert digest.url == reverse("ledger:problem_list") + "?overdue=yes&county=420502"
    # One digest per county per day, however often the task runs.
    send_daily_reminders.enqueue(DAY.isoformat())
    assert Notification.objects.filter(user=xiling_housing_staff, key__startswith="overdue-digest:").count() == 1


def test_a_long_digest_names_the_first_twenty_and_counts_the_rest(xiling_housing_staff, street_officer):
    project = ProjectFactory()
    for _ in range(23):
        problem(xiling_housing_staff, project, end_of_day(D(2026, 12, 2)), street_officer.department)
    send_daily_reminders.enqueue(DAY.isoformat())
    lines = Notification.objects.get(user=xiling_housing_staff).body.splitlines()
    assert len(lines) == 21 and lines[-1] == "……另有 3 个，请在台账中按“已逾期”筛选查看。"


def test_the_window_follows_the_setting(ledger, street_officer, settings):
    settings.LEDGER_REMIND_DAYS_BEFORE = 0
    send_daily_reminders.enqueue(DAY.isoformat())
    # Only what is overdue or due today: the problem due on 12-12 waits.
    assert len(titles(street_officer)) == 2


def test_inactive_users_and_auditors_are_not_reminded(ledger, street_officer):
    gone = UserFactory(department=street_officer.department, is_active=False)
    auditor = UserFactory(department=street_officer.department, role="auditor")
    send_daily_reminders.enqueue(DAY.isoformat())
    assert titles(gone) == [] and titles(auditor) == []


_serial = itertools.count()


def add_problems(actor, n: int) -> None:
    """n overdue problems, each with its own company (and company user) and responsible department."""
    streets = list(Region.objects.filter(parent__code="420502", level="street").order_by("code"))
    for _ in range(n):
        k = next(_serial)
        company = CompanyFactory()
        project = ProjectFactory(company=company, community=streets[k % len(streets)].children.first())
        UserFactory(department=DepartmentFactory(kind="property_company", company=company, name=company.name))
        department = DepartmentFactory(kind="street_office", region=streets[k % len(streets)])
        UserFactory(department=department)
        problem(actor, project, end_of_day(D(2026, 12, 1 + k % 5)), department)


def test_the_task_costs_the_same_number_of_queries_for_3n_problems_as_for_n(xiling_housing_staff):
    add_problems(xiling_housing_staff, 4)
    with CaptureQueriesContext(connection) as n_queries:
        send_daily_reminders.call(DAY.isoformat())
    sent_n = Notification.objects.count()
    Notification.objects.all().delete()

    add_problems(xiling_housing_staff, 8)
    with CaptureQueriesContext(connection) as queries_3n:
        send_daily_reminders.call(DAY.isoformat())

    # Each problem tells its department's user and its company's user; the county gets a digest.
    assert sent_n == 4 * 2 + 1
    assert Notification.objects.count() == 12 * 2 + 1
    assert len(queries_3n) == len(n_queries) <= 12


def test_reminders_are_e_mailed_only_when_a_mail_server_is_configured(
        ledger, street_officer, wujiagang_housing_staff, settings, mailoutbox):
    for user, address in ((street_officer, "street@example.gov.cn"), (wujiagang_housing_staff, "wjg@example.gov.cn")):
        user.email = address
        user.save()
    send_daily_reminders.enqueue(DAY.isoformat())
    assert mailoutbox == []
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()

    settings.NOTIFY_BY_EMAIL = True
    send_daily_reminders.enqueue(D(2026, 12, 11).isoformat())
    # One e-mail per user with the day's reminders (and digest), not one per problem.
    mails = {m.to[0]: m for m in mailoutbox}
    assert len(mailoutbox) == 2 and set(mails) == {"street@example.gov.cn", "wjg@example.gov.cn"}
    street = mails["street@example.gov.cn"]
    assert street.subject == "[物业专项整治] 您有 4 条新通知"
    assert ledger["overdue"].number in street.body and ledger["later"].number in street.body
    wjg = mails["wjg@example.gov.cn"]
    assert wjg.subject == "[物业专项整治] 您有 2 条新通知" and "伍家岗区逾期问题日报" in wjg.body
    assert Notification.objects.filter(user=street_officer, emailed_at__isnull=False).count() == 4
    # Running the day again sends no second e-mail.
    send_daily_reminders.enqueue(D(2026, 12, 11).isoformat())
    assert len(mailoutbox) == 2
