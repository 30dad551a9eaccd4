"""The Yichang demo: territory, departments, a realistic registry and one persona per role.

Loading is idempotent: the second run finds the data in place, adds nothing twice, and only
makes sure the personas exist with the current demo password.
"""

import datetime
import os
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from propwatch.accounts.choices import DepartmentKind as K
from propwatch.accounts.choices import Role
from propwatch.accounts.models import Department, User
from propwatch.audit.models import AuditAction
from propwatch.audit.services import record
from propwatch.regions.models import Level, Region
from propwatch.regions.services import load_yichang
from propwatch.registry import credit_code
from propwatch.registry.models import Company, Project

from .generate import generate

DEMO_COMPANIES = 420
DEMO_PROJECTS = 2400
# The persona company: a real-looking, valid credit code registered in 西陵区.
DEMO_COMPANY_NAME = "宜昌江城物业服务有限公司"
DEMO_COMPANY_CODE = credit_code.make("91420502", "MA4A8C1X3")


@dataclass(frozen=True)
class Persona:
    username: str
    display_name: str
    department: str  # department name, created below
    role: str
    summary: str


PERSONAS = [
    Persona("city_admin", "周建华", "宜昌市住房和城乡建设局", Role.ADMIN, "市住建局管理员：全市投诉、台账和登记、用户、节假日安排、审计日志"),
    Persona("xiling_housing", "李晓燕", "西陵区住房和城乡建设局", Role.STAFF, "西陵区住建局：本区投诉受理、企业、项目和问题台账，县级督办，导入 12345 工单"),
    Persona("wujiagang_housing", "王志强", "伍家岗区住房和城乡建设局", Role.STAFF, "伍家岗区住建局：本区投诉受理、企业、项目和问题台账，县级督办"),
    Persona("xiling_street", "陈静", "西陵街道办事处", Role.STAFF, "西陵街道办：本街道的投诉、项目和问题，受理和回访，就地化解，登记公示情况"),
    Persona("police_xiling", "刘洋", "宜昌市公安局西陵区分局", Role.STAFF, "西陵区公安：转交本单位的投诉和问题；本区企业和项目（只读）"),
    Persona("market_xiling", "张敏", "西陵区市场监督管理局", Role.STAFF, "西陵区市场监管：转交本单位的投诉和问题；本区企业和项目（只读）"),
    Persona("drc_city", "赵磊", "宜昌市发展和改革委员会", Role.STAFF, "市发改委：全市企业、项目和台账（只读）"),
    Persona("company_demo", "孙丽", DEMO_COMPANY_NAME, Role.ADMIN, "物业企业：本企业在西陵区、伍家岗区的项目和问题，提交整改（看不到投诉人）"),
    Persona("auditor", "吴敏", "宜昌市住房和城乡建设局", Role.AUDITOR, "审计员：全市只读（含投诉，不能查看投诉人）、审计日志"),
]

_COUNTY_DEPTS = [
    (K.HOUSING, "{short}住房和城乡建设局"),
    (K.POLICE, "宜昌市公安局{short}分局"),
    (K.MARKET_REGULATION, "{short}市场监督管理局"),
    (K.DRC, "{short}发展和改革局"),
    (K.CIVIL_AFFAIRS, "{short}民政局"),
]
_CITY_DEPTS = [
    (K.HOUSING, "宜昌市住房和城乡建设局"),
    (K.DRC, "宜昌市发展和改革委员会"),
    (K.POLICE, "宜昌市公安局"),
    (K.CIVIL_AFFAIRS, "宜昌市民政局"),
    (K.MARKET_REGULATION, "宜昌市市场监督管理局"),
    (K.ASSOCIATION, "宜昌市物业管理协会"),
]


def demo_password() -> tuple[str, bool]:
    """PROPWATCH_DEMO_PASSWORD, or one generated once into var/ (so every run prints the same)."""
    if pw := os.environ.get("PROPWATCH_DEMO_PASSWORD"):
        return pw, False
    path = settings.VAR_DIR / "demo_password"
    if not path.exists():
        path.write_text(f"Yc-{secrets.token_urlsafe(9)}")
        path.chmod(0o600)
    return path.read_text().strip(), True


def _short(county: Region) -> str:
    # 西陵区 → 西陵区; 长阳土家族自治县 → 长阳县 (the usual short form in department names)
    return county.name.replace("土家族自治县", "县")


def _departments(city: Region) -> dict[str, Department]:
    depts: dict[str, Department] = {}

    def ensure(name: str, kind: str, region: Region, company: Company | None = None) -> None:
        dept, _ = Department.objects.get_or_create(
            name=name, defaults={"kind": kind, "region": region, "company": company}
        )
        depts[name] = dept

    for kind, name in _CITY_DEPTS:
        ensure(name, kind, city)
    for county in Region.objects.filter(level=Level.COUNTY):
        for kind, pattern in _COUNTY_DEPTS:
            name = pattern.format(short=_short(county))
            if county.code == "GX4205":
                name = pattern.format(short="宜昌高新区").replace("宜昌市公安局宜昌高新区分局", "宜昌市公安局高新区分局")
            ensure(name, kind, county)
    for street in Region.objects.filter(level=Level.STREET):
        suffix = "办事处" if street.name.endswith("街道") else ("人民政府" if street.name[-1] in "镇乡" else "管理办公室")
        ensure(f"{street.name}{suffix}", K.STREET_OFFICE, street)
    return depts


def _demo_company(city: Region) -> Company:
    xiling = Region.objects.get(code="420502")
    company, _ = Company.objects.get_or_create(
        credit_code=DEMO_COMPANY_CODE,
        defaults={"name": DEMO_COMPANY_NAME, "legal_representative": "孙建国", "contact_phone": "0717-6881234",
                  "filing_no": "YCWY-2016-018", "address": "宜昌市西陵区东山大道 95 号", "region": xiling},
    )
    return company


def _give_demo_company_projects(company: Company) -> None:
    """Make sure the persona company manages projects in both 西陵区 and 伍家岗区."""
    today = timezone.localdate()
    for county_code, count in (("420502", 9), ("420503", 5)):
        have = Project.objects.filter(company=company, community__path__contains=f"/{county_code}/").count()
        if have >= count:
            continue
        candidates = Project.objects.filter(community__path__contains=f"/{county_code}/").exclude(company=company)
        for project in candidates.order_by("code")[: count - have]:
            Project.objects.filter(pk=project.pk).update(
                company=company, contract_start=today - datetime.timedelta(days=900),
                contract_end=today + datetime.timedelta(days=600),
            )


@transaction.atomic
def load_demo(stdout=None) -> dict:
    city = load_yichang()
    created = False
    if not Project.objects.exists():
        generate(companies=DEMO_COMPANIES, projects=DEMO_PROJECTS, seed=2021)
        created = True
    company = _demo_company(city)
    _give_demo_company_projects(company)
    depts = _departments(city)
    dept, _ = Department.objects.get_or_create(
        company=company, defaults={"name": company.name, "kind": K.PROPERTY_COMPANY,
                                   "region": Region.objects.get(code="420502")},
    )
    depts[company.name] = dept
    password, generated = demo_password()
    # Argon2 is deliberately slow: hash once, verify once, and give every persona that hash.
    existing = User.objects.filter(username=PERSONAS[0].username).first()
    hashed = existing.password if existing and existing.check_password(password) else make_password(password)
    for p in PERSONAS:
        user, _ = User.objects.get_or_create(username=p.username)
        user.display_name = p.display_name
        user.department = depts[p.department]
        user.role = p.role
        user.is_active = True
        user.password = hashed
        user.save()
    from .complaints_demo import load_complaints
    from .ledger_demo import load_ledger

    load_ledger({u.username: u for u in User.objects.filter(username__in=[p.username for p in PERSONAS])})
    load_complaints({u.username: u for u in User.objects.filter(username__in=[p.username for p in PERSONAS])})
    if created:
        record(actor=None, action=AuditAction.DEMO, object_type="demo", object_repr="宜昌演示数据",
               note=f"区划、{Company.objects.count()} 家企业、{Project.objects.count()} 个项目")
    return {"created": created, "password": password, "generated": generated,
            "companies": Company.objects.count(), "projects": Project.objects.count()}
