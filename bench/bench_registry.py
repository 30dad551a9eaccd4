"""Registry benchmarks: the county officer's project list, and the XLSX export of a county."""

import io

from django.db import connection
from django.test import RequestFactory
from openpyxl import Workbook

from propwatch.accounts.choices import DepartmentKind
from propwatch.accounts.models import Department, User
from propwatch.regions.models import Region
from propwatch.registry.exports import PROJECT_COLUMNS
from propwatch.registry.filters import ProjectFilter
from propwatch.registry.selectors import projects_for
from propwatch.web.xlsx import workbook_bytes

PAGE = 25


def _county_officer() -> User:
    county = Region.objects.get(code="420502")
    dept, _ = Department.objects.get_or_create(
        name="基准测试-西陵区住建局", defaults={"kind": DepartmentKind.HOUSING, "region": county})
    user, _ = User.objects.get_or_create(username="bench_xiling", defaults={"department": dept})
    return user


def cases():
    user = _county_officer()
    request = RequestFactory().get("/registry/projects/", {"q": "花园", "sort": "-households"})
    request.user = user
    path = Region.objects.get(code="420502").path

    def list_page_ours():
        fs = ProjectFilter(request.GET, queryset=projects_for(user), request=request)
        qs = fs.qs.order_by("-households", "-pk")
        total = qs.count()
        rows = [(p.code, p.name, p.community.name, p.company.name if p.company else "") for p in qs[:PAGE]]
        return total, rows

    def list_page_floor():
        like = "%花园%"
        where = """FROM registry_project p
            JOIN regions_region c ON c.id = p.community_id
            LEFT JOIN registry_company co ON co.id = p.company_id
            WHERE c.path LIKE %s AND (p.name LIKE %s OR p.code LIKE %s OR p.address LIKE %s OR co.name LIKE %s)"""
        params = [path + "%", like, like, like, like]
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) " + where, params)
            total = cur.fetchone()[0]
            cur.execute("SELECT p.code, p.name, c.name, co.name " + where
                        + " ORDER BY p.households DESC, p.id DESC LIMIT %s", [*params, PAGE])
            rows = cur.fetchall()
        return total, rows

    export_qs = projects_for(user).order_by("code")

    def export_ours():
        return workbook_bytes("物业项目", PROJECT_COLUMNS, export_qs)

    def export_floor():
        # The bare library call: the same cells from one hand-written SQL query, written by openpyxl.
        from propwatch.registry.models import today

        with connection.cursor() as cur:
            cur.execute("""SELECT p.code, p.name, p.address, county.name, s.name, c.name, c.code,
                    COALESCE(co.credit_code, ''), COALESCE(co.name, ''), p.contract_start, p.contract_end,
                    p.households,
                    CASE WHEN p.company_id IS NOT NULL AND p.contract_start <= %s
                         AND (p.contract_end IS NULL OR p.contract_end >= %s) THEN '是' ELSE '否' END,
                    p.disclosed_filing_on, p.disclosed_services_on, p.disclosed_fees_on,
                    p.disclosed_complaint_phone_on, p.disclosed_public_income_on, p.disclosed_equipment_on
                FROM registry_project p JOIN regions_region c ON c.id = p.community_id
                JOIN regions_region s ON s.id = c.parent_id
                JOIN regions_region county ON county.id = s.parent_id
                LEFT JOIN registry_company co ON co.id = p.company_id
                WHERE c.path LIKE %s ORDER BY p.code""", [today(), today(), path + "%"])
            data = cur.fetchall()
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("物业项目")
        ws.append([c.header for c in PROJECT_COLUMNS])
        for row in data:
            ws.append(["" if v is None else v for v in row])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    n = export_qs.count()
    return [
        ("project list page, county scope + search (25 rows)", list_page_ours, list_page_floor),
        (f"XLSX export of a county's projects ({n} rows)", export_ours, export_floor),
    ]
