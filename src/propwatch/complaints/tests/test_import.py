"""The 12345 work-order import: formats, header matching, row errors, all-or-nothing, idempotency."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from propwatch.audit.models import AuditAction, AuditEvent
from propwatch.complaints import imports
from propwatch.complaints.choices import Channel, State
from propwatch.complaints.errors import NotAllowed
from propwatch.complaints.models import Complaint
from propwatch.registry.models import Project

pytestmark = pytest.mark.django_db

HEADERS = ["工单编号", "受理时间", "来电人", "联系电话", "是否保密", "是否需要回复", "诉求类型", "事项分类",
           "诉求内容", "事发地址", "小区名称", "项目编号", "涉及企业", "承办单位", "办理时限"]


def order(no="GD20261103001", at="2026-11-03 09:15", name="张秀英", phone="13812345678", confidential="否",
          reply="是", text="来电人反映小区物业以欠费为由给其家停水三天，要求尽快恢复供水。", project="江城西陵花园",
          code="", **extra):
    row = {"工单编号": no, "受理时间": at, "来电人": name, "联系电话": phone, "是否保密": confidential,
           "是否需要回复": reply, "诉求类型": "投诉", "事项分类": "城乡建设/物业管理", "诉求内容": text,
           "事发地址": "宜昌市西陵区测试路 1 号", "小区名称": project, "项目编号": code,
           "涉及企业": "宜昌江城物业服务有限公司", "承办单位": "西陵区住房和城乡建设局", "办理时限": "5个工作日"}
    row.update(extra)
    return row


def xlsx(rows, headers=HEADERS, title_rows=()):
    wb = Workbook()
    ws = wb.active
    for line in title_rows:
        ws.append(line)
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h, "") for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_text(rows, headers=HEADERS):
    def cell(v):
        v = str(v)
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n') else v

    lines = [",".join(headers)] + [",".join(cell(r.get(h, "")) for h in headers) for r in rows]
    return "\r\n".join(lines) + "\r\n"


def upload(data: bytes, name="工单.xlsx"):
    return SimpleUploadedFile(name, data)


def run(actor, data, name="工单.xlsx"):
    return imports.import_work_orders(actor=actor, upload=upload(data, name))


def messages(result):
    return [(p.row, p.column, p.message) for p in result.errors]


@pytest.fixture
def projects(company_user):
    """江城西陵花园 (西陵区) and 江城伍家岗苑 (伍家岗区), created with the company user."""
    return {p.name: p for p in Project.objects.filter(name__startswith="江城")}


@pytest.fixture
def staff(xiling_housing_staff, projects):
    return xiling_housing_staff


# ---- happy paths -------------------------------------------------------------------------------

def test_xlsx_creates_one_work_order_complaint_per_row(staff, projects):
    # Given an export with columns in another order, synonyms, an Excel date-time and an unknown column
    headers = ["备注", "诉求内容", "工单号", "来电时间", "联系人", "来电号码", "是否保密", "项目编号", "小区名称"]
    xiling = projects["江城西陵花园"]
    rows = [
        {"工单号": "GD001", "来电时间": datetime.datetime(2026, 11, 3, 9, 15), "联系人": "张秀英",
         "来电号码": "138 1234 5678", "是否保密": "是", "小区名称": "江城西陵花园", "诉求内容": "物业停水三天", "备注": "x"},
        {"工单号": "GD002", "来电时间": "2026/11/3 10:05", "联系人": "", "来电号码": "", "项目编号": xiling.code,
         "诉求内容": "电梯坏了一个月没人修"},
    ]
    # When it is imported
    result = run(staff, xlsx(rows, headers))
    # Then both rows are complaints from 12345, received when the platform says, with the caller's data
    assert result.ok, messages(result)
    assert (result.created, result.skipped) == (2, 0)
    assert result.ignored_columns == ["备注"]
    assert result.file_format.startswith("Excel")
    first = Complaint.objects.get(work_order_no="GD001")
    assert first.channel == Channel.WORK_ORDER
    assert first.state == State.RECEIVED
    assert first.project == xiling
    assert timezone.localtime(first.received_at).replace(tzinfo=None) == datetime.datetime(2026, 11, 3, 9, 15)
    assert (first.name(), first.phone()) == ("张秀英", "13812345678")
    assert first.confidential is True and first.wants_reply is True
    assert first.received_by_department == staff.department and first.created_by == staff
    assert first.suggested_route  # the classifier ran
    second = Complaint.objects.get(work_order_no="GD002")
    assert second.is_anonymous and second.confidential is False
    assert timezone.localtime(second.received_at).hour == 10
    # And one audit row says who imported what
    audit = AuditEvent.objects.get(action=AuditAction.IMPORT, object_type="complaints")
    assert audit.actor == staff and "本次导入 2 条新工单" in audit.note


def test_template_columns_with_all_fields(staff, projects):
    result = run(staff, xlsx([order()]))
    assert result.ok, messages(result)
    c = Complaint.objects.get()
    assert c.address == "宜昌市西陵区测试路 1 号"
    assert c.text.startswith("来电人反映")
    receive = c.events.get()
    # The platform's details are kept on the first timeline entry, without personal data.
    assert "GD20261103001" in receive.note and "城乡建设/物业管理" in receive.note
    assert "张秀英" not in receive.note and "13812345678" not in receive.note


def test_csv_utf8_with_bom(staff, projects):
    rows = [order("A-1", at="2026年11月3日 9时15分"), order("A-2", at="2026-11-03 09:15:30", confidential="")]
    result = run(staff, ("\ufeff" + csv_text(rows)).encode("utf-8"), "export.csv")
    assert result.ok, messages(result)
    assert result.created == 2
    assert result.file_format == "CSV，UTF-8 编码"
    assert timezone.localtime(Complaint.objects.get(work_order_no="A-1").received_at).minute == 15


def test_csv_utf8_without_bom_and_excel_guards(staff, projects):
    # Platforms guard numbers from Excel with ="…" or a leading apostrophe.
    rows = [order('="2026110300017"', phone="'13812345678")]
    result = run(staff, csv_text(rows).encode("utf-8"), "export.csv")
    assert result.ok, messages(result)
    c = Complaint.objects.get()
    assert (c.work_order_no, c.phone()) == ("2026110300017", "13812345678")


def test_csv_gbk(staff, projects):
    rows = [order("B-1", at="2026/11/3 9:15", name="欧阳娜"), order("B-2", text="垃圾清运不及时，楼道堆满杂物")]
    result = run(staff, csv_text(rows).encode("gbk"), "export.csv")
    assert result.ok, messages(result)
    assert result.file_format == "CSV，GBK 编码"
    assert Complaint.objects.get(work_order_no="B-1").name() == "欧阳娜"
    assert Complaint.objects.get(work_order_no="B-2").text == "垃圾清运不及时，楼道堆满杂物"


def test_tab_separated_utf16_from_excel_unicode_text(staff, projects):
    text = csv_text([order("U-1")]).replace(",", "\t")
    result = run(staff, text.encode("utf-16"), "export.txt")
    assert result.ok, messages(result)
    assert result.created == 1


def test_headers_tolerate_spaces_brackets_and_a_title_row(staff, projects):
    headers = [" 工单 编号 ", "受理时间(北京时间)", "*诉求内容", "小区（项目）名称", "联系电话（手机）"]
    rows = [{" 工单 编号 ": "T-1", "受理时间(北京时间)": "2026-11-03 09:15", "*诉求内容": "楼道灯坏了",
             "小区（项目）名称": "江城西陵花园", "联系电话（手机）": "0717-6221234"}]
    result = run(staff, xlsx(rows, headers, title_rows=[["宜昌市 12345 热线工单导出"], []]))
    assert result.ok, messages(result)
    assert Complaint.objects.get().phone() == "0717-6221234"


# ---- idempotency -------------------------------------------------------------------------------

def test_importing_the_same_file_twice_changes_nothing_and_says_so(staff, projects):
    data = xlsx([order(f"GD{i:03d}") for i in range(12)])
    first = run(staff, data)
    assert first.ok and first.created == 12
    before = list(Complaint.objects.order_by("pk").values_list("pk", "updated_at", "version"))

    second = run(staff, data)

    assert second.ok
    assert (second.created, second.skipped) == (0, 12)
    assert second.summary() == "本次导入 0 条新工单，12 条工单此前已导入，未作改动"
    assert list(Complaint.objects.order_by("pk").values_list("pk", "updated_at", "version")) == before


def test_mixed_file_imports_only_the_new_orders(staff, projects):
    run(staff, xlsx([order("OLD-1", text="原来的内容")]))
    result = run(staff, xlsx([order("OLD-1", text="平台上改过的内容"), order("NEW-1")]))
    assert (result.created, result.skipped) == (1, 1)
    assert result.skipped_numbers == ["OLD-1"]
    assert Complaint.objects.get(work_order_no="OLD-1").text == "原来的内容"  # not updated
    assert Complaint.objects.filter(work_order_no="NEW-1").exists()
    assert result.summary() == "本次导入 1 条新工单，1 条工单此前已导入，未作改动"


# ---- row errors: nothing written ---------------------------------------------------------------

def test_row_errors_name_row_and_column_and_nothing_is_written(staff, projects):
    future = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    rows = [
        order("E-1"),  # valid: must not be written either
        order("E-2", at="去年冬天"),
        order("E-3", at=future),
        order("E-4", text="  "),
        order("E-5", phone="12345"),
        order("E-6", project="不存在的小区"),
        order("E-7", confidential="也许"),
        order("E-8", phone="138****5678"),
    ]
    complaints, audits = Complaint.objects.count(), AuditEvent.objects.count()

    result = run(staff, xlsx(rows))

    assert not result.ok and result.created == 0
    found = {(row, col): msg for row, col, msg in messages(result)}
    assert "不是可识别的时间" in found[(3, "受理时间")]
    assert "晚于当前时间" in found[(4, "受理时间")]
    assert "诉求内容不能为空" in found[(5, "诉求内容")]
    assert "电话号码格式不正确" in found[(6, "联系电话")]
    assert found[(7, "小区名称")] == "找不到小区“不存在的小区”，请填写项目编号（见模板中的“小区项目编号表”）"
    assert "应填写“是”或“否”" in found[(8, "是否保密")]
    assert "已打码" in found[(9, "联系电话")]
    assert not any(row == 2 for row, _col in found)
    assert (Complaint.objects.count(), AuditEvent.objects.count()) == (complaints, audits)


def test_project_out_of_scope_is_a_row_error(staff, projects):
    result = run(staff, xlsx([order("S-1"), order("S-2", project="江城伍家岗苑")]))
    assert messages(result) == [
        (3, "小区名称", "小区“江城伍家岗苑”（伍家岗区）不在您的管辖范围内；请删除这一行，或由小区所在县（市、区）住建部门导入"),
    ]
    assert Complaint.objects.count() == 0


def test_project_code_out_of_scope_and_unknown(staff, projects):
    wujiagang = projects["江城伍家岗苑"]
    result = run(staff, xlsx([order("C-1", project="", code=wujiagang.code), order("C-2", project="", code="NOPE-1")]))
    found = dict(((r, c), m) for r, c, m in messages(result))
    assert "不在您的管辖范围内" in found[(2, "项目编号")]
    assert "找不到项目编号“NOPE-1”" in found[(3, "项目编号")]


def test_project_code_wins_and_must_agree_with_the_name(staff, projects):
    xiling = projects["江城西陵花园"]
    ok = run(staff, xlsx([order("K-1", project="", code=xiling.code.lower())]))
    assert ok.ok, messages(ok)
    bad = run(staff, xlsx([order("K-2", project="另一个小区", code=xiling.code)]))
    assert bad.errors[0].column == "小区名称" and "不一致" in bad.errors[0].message


def test_ambiguous_project_name_lists_the_candidates(staff, projects):
    from propwatch.registry.tests.factories import ProjectFactory

    twin = ProjectFactory(name="江城西陵花园", address="宜昌市西陵区另一条路 9 号")
    result = run(staff, xlsx([order("AM-1")]))
    (error,) = result.errors
    assert (error.row, error.column) == (2, "小区名称")
    assert projects["江城西陵花园"].code in error.message and twin.code in error.message
    assert "请在“项目编号”列填写" in error.message
    assert Complaint.objects.count() == 0


def test_duplicate_work_order_numbers_within_a_file(staff, projects):
    result = run(staff, xlsx([order("D-1"), order("D-2"), order("D-1")]))
    assert messages(result) == [(4, "工单编号", "工单编号 D-1 与第 2 行重复；同一张工单只能出现一次")]
    assert Complaint.objects.count() == 0


def test_missing_required_columns_is_one_clear_error(staff, projects):
    headers = ["工单编号", "来电人", "联系电话", "小区名称"]
    result = run(staff, xlsx([order()], headers))
    (error,) = result.errors
    assert error.row == 1
    assert "缺少必填列：受理时间、诉求内容" in error.message


def test_missing_project_columns_is_named(staff, projects):
    result = run(staff, xlsx([order()], ["工单编号", "受理时间", "诉求内容"]))
    (error,) = result.errors
    assert "小区名称或项目编号" in error.message


def test_the_template_example_row_is_not_imported(staff, projects):
    wb = load_workbook(io.BytesIO(imports.template_bytes(staff)))
    buf = io.BytesIO()
    wb.save(buf)
    result = run(staff, buf.getvalue())
    assert any("示例" in p.message and p.row == 2 for p in result.errors)
    assert Complaint.objects.count() == 0


def test_a_write_time_clash_rolls_back_every_row(staff, projects, monkeypatch):
    # Given an order another import wrote between our check and our insert
    run(staff, xlsx([order("R-2")]))
    count = Complaint.objects.count()
    monkeypatch.setattr(imports, "_existing_numbers", lambda numbers: set())
    # When a file with a new row and that row is imported
    result = run(staff, xlsx([order("R-1"), order("R-2")]))
    # Then nothing is written, not even the first row
    assert not result.ok and "本次未写入任何数据" in result.errors[0].message
    assert result.created == 0
    assert Complaint.objects.count() == count
    assert not Complaint.objects.filter(work_order_no="R-1").exists()


# ---- unreadable files --------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "name", "expected"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png", "不是 Excel（.xlsx）或 CSV 格式"),
    (b"%PDF-1.4 minimal", "report.pdf", "不是 Excel（.xlsx）或 CSV 格式"),
    (b"PK\x03\x04 not really a zip", "broken.xlsx", "不是 Excel（.xlsx）或 CSV 格式"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", "旧版 Excel（.xls）"),
    (b"<html><table><tr><td>1</td></tr></table></html>", "export.xls", "网页（HTML）"),
    (b"just some notes\nnothing tabular", "notes.csv", "没有找到表头"),
])
def test_non_spreadsheet_files_get_a_clear_message(staff, projects, data, name, expected):
    result = run(staff, data, name)
    assert not result.ok
    assert expected in result.errors[0].message
    assert Complaint.objects.count() == 0


def test_header_only_file(staff, projects):
    result = run(staff, xlsx([]))
    assert "只有表头" in result.errors[0].message


# ---- permissions -------------------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["company_user", "police_officer", "street_officer"])
def test_other_roles_may_not_import(request, projects, client_for, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        run(user, xlsx([order()]))
    client = client_for(user)
    page = client.get(reverse("complaints:import"))
    assert page.status_code == 403
    assert "只有住建部门可以导入 12345 工单" in page.content.decode()
    assert client.post(reverse("complaints:import"), {"file": upload(xlsx([order()]))}).status_code == 403
    assert client.get(reverse("complaints:import-template")).status_code == 403
    assert Complaint.objects.count() == 0


def test_anonymous_is_sent_to_login(client):
    assert client.get(reverse("complaints:import")).status_code == 302


# ---- privacy -----------------------------------------------------------------------------------

def test_name_and_phone_are_encrypted_at_rest(staff, projects):
    run(staff, xlsx([order(phone="13987654321", name="李建国")]))
    with connection.cursor() as cursor:
        cursor.execute("SELECT name_cipher, phone_cipher FROM complaints_complaint")
        (name_cipher, phone_cipher), = cursor.fetchall()
    assert phone_cipher and "13987654321" not in phone_cipher and "7654" not in phone_cipher
    assert name_cipher and "李建国" not in name_cipher


# ---- the pages ---------------------------------------------------------------------------------

def test_page_flow(staff, projects, client_for):
    client = client_for(staff)
    url = reverse("complaints:import")
    # The page explains and links the template
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("complaints:import-template") in html and "工单编号" in html

    # The template has the headers, one example row and the notes
    response = client.get(reverse("complaints:import-template"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames[:2] == [imports.SHEET_TITLE, imports.NOTES_TITLE]
    ws = wb[imports.SHEET_TITLE]
    headers = [c.value for c in ws[1]]
    assert headers[0] == "工单编号*" and "诉求内容*" in headers
    assert ws.max_row == 2
    codes = [r[0] for r in wb["小区项目编号表"].iter_rows(min_row=2, values_only=True)]
    assert projects["江城西陵花园"].code in codes and projects["江城伍家岗苑"].code not in codes

    # Filling the template's own headers imports
    ws.delete_rows(2)
    example = order("P-1", at=datetime.datetime(2026, 11, 3, 9, 15))
    ws.append([example.get(h.rstrip("*"), "") for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    page = client.post(url, {"file": upload(data, "模板.xlsx")})
    assert page.status_code == 200
    html = page.content.decode()
    assert "本次导入 1 条新工单" in html and "P-1" in html
    assert "13812345678" not in html and "张秀英" not in html

    # The same file again: nothing new, and the page says so
    page = client.post(url, {"file": upload(data, "模板.xlsx")})
    assert "本次导入 0 条新工单，1 条工单此前已导入，未作改动" in page.content.decode()
    assert Complaint.objects.count() == 1

    # A file with errors: the table names the row and column, and nothing is written
    page = client.post(url, {"file": upload(xlsx([order("P-2"), order("P-3", at="明天")]))})
    html = page.content.decode()
    assert "未写入任何工单" in html and "第 3 行" in html and "受理时间" in html
    assert Complaint.objects.count() == 1


def test_page_shows_ignored_columns(staff, projects, client_for):
    rows = [order("I-1") | {"回访结果": "满意"}]
    page = client_for(staff).post(reverse("complaints:import"),
                                  {"file": upload(xlsx(rows, [*HEADERS, "回访结果"]))})
    html = page.content.decode()
    assert "忽略的列" in html and "回访结果" in html


def test_page_refuses_a_file_over_10_mb(staff, projects, client_for):
    big = SimpleUploadedFile("big.csv", b"a" * (imports.MAX_BYTES + 1))
    page = client_for(staff).post(reverse("complaints:import"), {"file": big})
    assert page.status_code == 200
    assert "文件超过 10 MB" in page.content.decode()
    assert Complaint.objects.count() == 0


def test_page_shows_an_unreadable_file_without_a_stack_trace(staff, projects, client_for):
    page = client_for(staff).post(reverse("complaints:import"),
                                  {"file": SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00binary")})
    html = page.content.decode()
    assert page.status_code == 200
    assert "整个文件" in html and "不是 Excel（.xlsx）或 CSV 格式" in html
    assert "Traceback" not in html


# ---- cells -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-03 09:15", datetime.datetime(2026, 11, 3, 9, 15)),
    ("2026/11/3 9:15", datetime.datetime(2026, 11, 3, 9, 15)),
    ("2026年11月3日 9时15分", datetime.datetime(2026, 11, 3, 9, 15)),
    ("2026年11月3日 下午3点20分", datetime.datetime(2026, 11, 3, 15, 20)),
    ("2026-11-03T09:15:30.000", datetime.datetime(2026, 11, 3, 9, 15, 30)),
    ("20261103091500", datetime.datetime(2026, 11, 3, 9, 15)),
    (datetime.datetime(2026, 11, 3, 9, 15), datetime.datetime(2026, 11, 3, 9, 15)),
    (46329.385416667, datetime.datetime(2026, 11, 3, 9, 15)),  # an Excel serial that lost its format
])
def test_receipt_times(value, expected):
    assert imports._naive_datetime(value) == expected


def test_impossible_dates_are_cell_errors():
    with pytest.raises(imports.CellError):
        imports._naive_datetime("2026-02-30 09:00")


def test_row_numbers_count_blank_rows_as_excel_shows_them(staff, projects):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append([order("N-1").get(h, "") for h in HEADERS])
    # rows 3 and 4 left blank, as people leave them between batches
    ws.cell(row=5, column=1, value="N-2")
    for i, h in enumerate(HEADERS, start=1):
        ws.cell(row=5, column=i, value=order("N-2", at="不详").get(h, ""))
    buf = io.BytesIO()
    wb.save(buf)
    result = run(staff, buf.getvalue())
    assert [(p.row, p.column) for p in result.errors] == [(5, "受理时间")]


def test_a_phone_typed_as_a_number(staff, projects):
    result = run(staff, xlsx([order("M-1", phone=13812345678), order("M-2", phone=7176221234)]))
    (error,) = result.errors
    assert error.row == 3 and "数字格式" in error.message


def test_a_file_with_one_known_column_is_told_what_is_missing(staff, projects):
    result = run(staff, xlsx([{"工单编号": "X-1", "备注": "y"}], ["工单编号", "备注"]))
    (error,) = result.errors
    assert "缺少必填列：受理时间、诉求内容、小区名称或项目编号（至少一列）" in error.message


def test_too_many_rows(staff, projects, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    result = run(staff, xlsx([order("L-1"), order("L-2"), order("L-3")]))
    assert [(p.row, p.message) for p in result.errors] == [(4, "单次最多导入 2 条工单，请按受理时间拆分后分批导入")]
