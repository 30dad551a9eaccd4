"""The calendar and time-limit pages, as the city housing bureau's administrator uses them."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from propwatch.accounts.tests.factories import officer
from propwatch.audit.models import AuditAction, AuditEvent
from propwatch.campaigns.models import CalendarDay, CalendarYear, TimeLimit
from propwatch.ledger import services as ledger_services
from propwatch.ledger.choices import Source
from propwatch.ledger.deadlines import default_deadline
from propwatch.registry.tests.factories import ProjectFactory

SH = ZoneInfo("Asia/Shanghai")
D = datetime.date


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def import_errors(html: str) -> list[tuple[str, str]]:
    """(line, message) rows of the error table on the paste page."""
    table = html.split('id="import-errors"', 1)[1].split("</table>", 1)[0]
    return [(line, msg) for line, _text, msg in re.findall(
        r"<tr><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td><td>(.*?)</td></tr>", table)]


@pytest.fixture
def admin(client_for, city_admin):
    return client_for(city_admin)


@pytest.fixture
def city_leader(yichang):
    return officer("420500", "housing", "leader", name="宜昌市住建局（负责人）")


@pytest.fixture
def provisional_problem(xiling_housing_staff):
    now = datetime.datetime(2026, 12, 20, 10, 0, tzinfo=SH)
    return ledger_services.register_problem(
        actor=xiling_housing_staff, project=ProjectFactory(), focus=2, description="共用部位被出租经营",
        source=Source.INSPECTION, found_on=D(2026, 12, 20), now=now,
    )


# ---- who may use the pages ---------------------------------------------------------------------

PAGES = [
    ("campaigns:calendar", [], "get"),
    ("campaigns:calendar_year", [2027], "get"),
    ("campaigns:calendar_import", [2027], "get"),
    ("campaigns:calendar_import", [2027], "post"),
    ("campaigns:calendar_day_create", [2027], "get"),
    ("campaigns:calendar_day_create", [2027], "post"),
    ("campaigns:calendar_year_complete", [2027], "post"),
    ("campaigns:time_limits", [], "get"),
    ("campaigns:time_limit_edit", [1], "post"),
]


@pytest.mark.parametrize("persona", ["xiling_housing_staff", "city_leader", "street_officer", "company_user",
                                     "auditor_user"])
@pytest.mark.parametrize("name,args,method", PAGES)
def test_the_pages_refuse_everyone_but_city_housing_admins(request, client_for, persona, name, args, method):
    client = client_for(request.getfixturevalue(persona))
    data = {"text": "2027-01-01 放假 元旦", "date": "2027-01-01", "kind": "holiday", "source": "通知",
            "unit": "hours", "amount": "12"}
    response = getattr(client, method)(reverse(name, args=args), data if method == "post" else None)
    assert response.status_code == 403
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists() and not TimeLimit.objects.exists()


def test_the_pages_and_the_menu_entry_are_there_for_the_city_admin(admin):
    page = admin.get(reverse("campaigns:calendar")).content.decode()
    assert 'href="/campaigns/calendar/"' in page and "节假日安排" in page
    assert admin.get(reverse("campaigns:time_limits")).status_code == 200


def test_a_signed_out_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("campaigns:calendar"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_other_users_do_not_get_the_menu_entry(client_for, xiling_housing_staff):
    page = client_for(xiling_housing_staff).get(reverse("web:home")).content.decode()
    assert reverse("campaigns:calendar") not in page


# ---- pasting a year ----------------------------------------------------------------------------

def test_a_paste_with_errors_shows_each_row_and_writes_nothing(admin):
    text = "\n".join([
        "2027-01-01 放假 元旦",            # 1 fine
        "2027-02-30 放假 春节",            # 2 no such date
        "2027-02-07 上课 春节调休",        # 3 neither 放假 nor 上班
        "",                                # 4 blank: skipped
        "2027-02-08 上班 春节调休",        # 5 a Monday is a working day anyway
        "2028-01-01 放假 元旦",            # 6 another year
        "2027-01-01 放假 元旦",            # 7 repeats line 1
        "元旦 2027-01-01",                 # 8 no date first
    ])
    response = admin.post(reverse("campaigns:calendar_import", args=[2027]), {"text": text})
    assert response.status_code == 200
    page = response.content.decode()
    assert "发现 6 处问题，未写入任何数据" in page
    assert import_errors(page) == [
        ("第 2 行", "日期不存在，请检查月份和日期"),
        ("第 3 行", "请在日期后写明“放假”或“上班”（现为“上课”）"),
        ("第 5 行", "2027-02-08 是星期一，本来就是工作日；“上班”只用于周末调休上班的日期"),
        ("第 6 行", "2028-01-01 不在 2027 年，请在该年度的页面录入"),
        ("第 7 行", "2027-01-01 在第 1 行已经出现"),
        ("第 8 行", "无法识别日期，请按“2027-01-01 放假 元旦”的格式填写：日期、放假或上班、说明"),
    ]
    # The pasted text is still there to correct, and nothing was written, not even line 1.
    assert "2027-02-30 放假 春节" in page
    assert not CalendarDay.objects.exists()
    assert not AuditEvent.objects.filter(object_type="campaigns.calendarday").exists()


def test_a_clean_paste_enters_the_days_audits_them_and_reports_the_recount(admin, city_admin, provisional_problem):
    text = ("2027-01-01 放假 元旦\n"
            "2027/2/6 至 2027/2/12 休 春节\n"
            "2027年2月20日 上班 春节调休\n"
            "# 以下为测试\n")
    response = admin.post(reverse("campaigns:calendar_import", args=[2027]), {"text": text}, follow=True)
    assert response.redirect_chain == [(reverse("campaigns:calendar_year", args=[2027]), 302)]
    assert messages_of(response) == [
        "已录入 2027 年节假日安排：新增 9 天，修改 0 天，未变 0 天。已按新的节假日安排重新计算 1 个问题的暂定整改期限。"]
    days = {d.date: (d.is_workday, d.note) for d in CalendarDay.objects.all()}
    assert days[D(2027, 1, 1)] == (False, "元旦")
    assert days[D(2027, 2, 9)] == (False, "春节")
    assert days[D(2027, 2, 20)] == (True, "春节调休")
    assert len(days) == 9
    # Every row is in the audit trail, with who entered it, plus one summary of the paste.
    creates = AuditEvent.objects.filter(object_type="campaigns.calendarday", action=AuditAction.CREATE)
    assert creates.count() == 9 and set(creates.values_list("actor", flat=True)) == {city_admin.pk}
    assert AuditEvent.objects.get(action=AuditAction.IMPORT).note == "批量录入 9 天：新增 9，修改 0，未变 0"
    # The year page lists them with the weekday.
    page = response.content.decode()
    assert "2027-02-20</td><td>星期六</td>" in page
    # Pasting the same list again with one correction updates that day only.
    response = admin.post(reverse("campaigns:calendar_import", args=[2027]),
                          {"text": text.replace("春节调休", "春节调休（上班）")}, follow=True)
    assert messages_of(response)[0].startswith("已录入 2027 年节假日安排：新增 0 天，修改 1 天，未变 8 天。")
    assert CalendarDay.objects.get(date=D(2027, 2, 20)).note == "春节调休（上班）"


def test_an_empty_paste_is_refused(admin):
    response = admin.post(reverse("campaigns:calendar_import", args=[2027]), {"text": "  \n# 只有注释\n"})
    assert "没有可录入的内容，请每行填写一个日期" in response.content.decode()


# ---- one day at a time -------------------------------------------------------------------------

def test_adding_a_holiday_moves_a_provisional_deadline_and_says_so(admin, provisional_problem):
    p = provisional_problem
    assert timezone.localtime(p.deadline).date() == D(2027, 1, 8)
    response = admin.post(reverse("campaigns:calendar_day_create", args=[2027]),
                          {"date": "2027-01-04", "kind": "holiday", "note": "测试假日"}, follow=True)
    assert messages_of(response) == [
        "已录入 2027-01-04（放假）。已按新的节假日安排重新计算 1 个问题的暂定整改期限。"]
    p.refresh_from_db()
    assert timezone.localtime(p.deadline).date() == D(2027, 1, 11) and p.deadline_provisional
    day = CalendarDay.objects.get()
    assert AuditEvent.objects.get(object_type="campaigns.calendarday", object_id=str(day.pk)).after["note"] == "测试假日"


def test_a_date_entered_twice_or_a_weekday_make_up_day_is_refused_on_the_form(admin):
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, note="元旦")
    url = reverse("campaigns:calendar_day_create", args=[2027])
    page = admin.post(url, {"date": "2027-01-01", "kind": "holiday", "note": ""}).content.decode()
    assert "2027-01-01 已经录入，请修改原有记录" in page
    page = admin.post(url, {"date": "2027-01-06", "kind": "workday", "note": ""}).content.decode()
    assert "2027-01-06 是星期三，本来就是工作日" in page
    assert CalendarDay.objects.count() == 1


def test_editing_a_day_is_audited_with_before_and_after(admin):
    day = CalendarDay.objects.create(date=D(2027, 2, 20), is_workday=True, note="调休")
    response = admin.post(reverse("campaigns:calendar_day_edit", args=[day.pk]),
                          {"date": "2027-02-21", "kind": "workday", "note": "春节调休"}, follow=True)
    assert messages_of(response)[0].startswith("已修改 2027-02-21（上班）。")
    event = AuditEvent.objects.get(object_type="campaigns.calendarday", action=AuditAction.UPDATE)
    assert event.before == {"date": "2027-02-20", "note": "调休"}
    assert event.after == {"date": "2027-02-21", "note": "春节调休"}


def test_deleting_asks_for_confirmation_first(admin, provisional_problem, city_admin):
    from propwatch.ledger.services import recompute_provisional_deadlines

    day = CalendarDay.objects.create(date=D(2027, 1, 4), is_workday=False, note="测试假日")
    # As the add page does: the holiday moved the provisional deadline, so deleting it moves it back.
    assert recompute_provisional_deadlines(actor=city_admin, year=2027) == 1
    url = reverse("campaigns:calendar_day_delete", args=[day.pk])
    # The GET is only the question…
    page = admin.get(url).content.decode()
    assert "确定要删除 <strong>2027-01-04（星期一）放假 测试假日</strong> 吗？" in page
    assert CalendarDay.objects.filter(pk=day.pk).exists()
    # …the POST deletes, audits the row as it was, and recounts.
    response = admin.post(url, follow=True)
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    assert messages_of(response) == ["已删除 2027-01-04。已按新的节假日安排重新计算 1 个问题的暂定整改期限。"]
    event = AuditEvent.objects.get(action=AuditAction.DELETE, object_type="campaigns.calendarday")
    assert event.before["date"] == "2027-01-04" and event.before["is_workday"] is False


# ---- marking a year complete -------------------------------------------------------------------

def test_marking_2027_complete_makes_its_deadlines_final(admin, provisional_problem):
    url = reverse("campaigns:calendar_year_complete", args=[2027])
    # Not before any holiday of the year is entered
    page = admin.post(url, {"source": "国务院办公厅通知"}).content.decode()
    assert "2027 年还没有录入任何放假日期，请先录入节假日安排，再标记为录入完整" in page
    # Not without the document it rests on
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, note="元旦")
    page = admin.post(url, {"source": ""}).content.decode()
    assert "请填写依据" in page
    assert not CalendarYear.objects.exists()
    # With both
    response = admin.post(url, {"source": "国务院办公厅关于2027年部分节假日安排的通知"}, follow=True)
    assert messages_of(response) == [
        "已将 2027 年标记为录入完整，该年度的期限不再是暂定。已按新的节假日安排重新计算 1 个问题的暂定整改期限。"]
    assert CalendarYear.objects.get(year=2027).source == "国务院办公厅关于2027年部分节假日安排的通知"
    provisional_problem.refresh_from_db()
    assert not provisional_problem.deadline_provisional
    assert AuditEvent.objects.filter(object_type="campaigns.calendaryear", action=AuditAction.CREATE).exists()
    # The overview shows the year as complete and no provisional deadline left.
    page = admin.get(reverse("campaigns:calendar")).content.decode()
    row = page.split("2027 年</a></td>", 1)[1].split("</tr>", 1)[0]
    assert "已录入完整" in row and "国务院办公厅关于2027年部分节假日安排的通知" in row


def test_the_overview_counts_provisional_deadlines_by_year(admin, provisional_problem):
    page = admin.get(reverse("campaigns:calendar")).content.decode()
    row = page.split("2027 年</a></td>", 1)[1].split("</tr>", 1)[0]
    assert "未录入" in row
    assert '<span class="text-orange fw-bold">1</span>' in row


def test_a_year_the_package_knows_cannot_be_marked_complete(admin):
    # Marking 2026 would make every date missing from the table an ordinary day, dropping the
    # package's holidays (National Day included) without anyone noticing.
    CalendarDay.objects.create(date=D(2026, 6, 15), is_workday=False, note="本市临时调整")
    page = admin.post(reverse("campaigns:calendar_year_complete", args=[2026]), {"source": "通知"}).content.decode()
    assert "2026 年的节假日安排系统已内置，无需标记" in page
    assert not CalendarYear.objects.exists()


# ---- time limits -------------------------------------------------------------------------------

def test_the_time_limits_start_from_the_defaults(admin):
    page = admin.get(reverse("campaigns:time_limits")).content.decode()
    rows = re.findall(r"<tr>\s*<td>(\d)</td><td>.*?</td>\s*<td class=\"fw-bold\">(.*?)</td>\s*<td[^>]*>(.*?)</td>",
                      page, re.S)
    assert rows == [("1", "24 小时", "系统默认"), ("2", "15 个工作日", "系统默认"), ("3", "5 个工作日", "系统默认"),
                    ("4", "10 个工作日", "系统默认"), ("5", "10 个工作日", "系统默认"), ("6", "15 个工作日", "系统默认")]


def test_changing_a_time_limit_applies_to_new_problems_and_is_audited(admin):
    url = reverse("campaigns:time_limit_edit", args=[1])
    assert 'value="24"' in admin.get(url).content.decode()
    response = admin.post(url, {"unit": "hours", "amount": "12"}, follow=True)
    assert messages_of(response) == [
        "已将“停水停电等变相催费”的整改时限设为 12 小时，对此后登记的问题生效，已登记问题的期限不变。"]
    now = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=SH)
    assert default_deadline(1, D(2026, 12, 3), now) == (now + datetime.timedelta(hours=12), False)
    admin.post(reverse("campaigns:time_limit_edit", args=[3]), {"unit": "working_days", "amount": "7"})
    assert TimeLimit.objects.get(focus=3).describe() == "7 个工作日"
    events = AuditEvent.objects.filter(object_type="campaigns.timelimit")
    assert events.count() == 2 and all(e.action == AuditAction.CREATE for e in events)
    # A second change of the same focus is an update, with the before and after values.
    admin.post(url, {"unit": "working_days", "amount": "1"})
    event = AuditEvent.objects.get(object_type="campaigns.timelimit", action=AuditAction.UPDATE)
    assert event.before == {"working_days": None, "hours": 12} and event.after == {"working_days": 1, "hours": None}


def test_an_out_of_range_time_limit_is_refused(admin):
    page = admin.post(reverse("campaigns:time_limit_edit", args=[2]), {"unit": "working_days", "amount": "200"})
    assert "工作日应在 1–90 之间" in page.content.decode()
    assert not TimeLimit.objects.exists()


def test_changing_a_completed_year_warns_that_final_deadlines_stay(admin):
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, note="元旦")
    CalendarYear.objects.create(year=2027, source="通知")
    response = admin.post(reverse("campaigns:calendar_import", args=[2027]), {"text": "2027-01-04 放假 测试"},
                          follow=True)
    assert messages_of(response)[1] == "2027 年已确定（非暂定）的整改期限不会随之调整，只重新计算暂定期限。"
