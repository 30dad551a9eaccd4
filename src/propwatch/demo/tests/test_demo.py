"""The Yichang demo and the scale-data generator: idempotent, valid by the same rules, one login per role."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from propwatch.accounts.models import Department, User
from propwatch.accounts.permissions import Action, can
from propwatch.audit.models import AuditAction, AuditEvent
from propwatch.demo.loader import DEMO_COMPANY_NAME, load_demo
from propwatch.regions.models import Level, Region
from propwatch.registry import credit_code
from propwatch.registry.models import Company, Project

PROJECT_CODE = re.compile(r"^(\d{6}|GX4205)-\d{5}$")

# username → (department, kind, region code, role), as README.md promises.
PERSONAS = {
    "city_admin": ("宜昌市住房和城乡建设局", "housing", "420500", "admin"),
    "xiling_housing": ("西陵区住房和城乡建设局", "housing", "420502", "staff"),
    "wujiagang_housing": ("伍家岗区住房和城乡建设局", "housing", "420503", "staff"),
    "xiling_street": ("西陵街道办事处", "street_office", "420502001", "staff"),
    "police_xiling": ("宜昌市公安局西陵区分局", "police", "420502", "staff"),
    "market_xiling": ("西陵区市场监督管理局", "market_regulation", "420502", "staff"),
    "drc_city": ("宜昌市发展和改革委员会", "drc", "420500", "staff"),
    "company_demo": (DEMO_COMPANY_NAME, "property_company", "420502", "admin"),
    "auditor": ("宜昌市住房和城乡建设局", "housing", "420500", "auditor"),
}


@pytest.fixture
def demo_env(settings, tmp_path, monkeypatch, yichang):
    """A private var/ directory, and no demo password in the environment unless a test sets one."""
    settings.VAR_DIR = tmp_path
    monkeypatch.delenv("PROPWATCH_DEMO_PASSWORD", raising=False)
    # The complaints part has its own test (test_complaints_demo); a small one keeps this one quick.
    from propwatch.demo import complaints_demo

    monkeypatch.setattr(complaints_demo, "DEMO_COMPLAINTS", 150)
    return tmp_path


def table_counts() -> dict[str, int]:
    return {
        "regions": Region.objects.count(), "departments": Department.objects.count(),
        "users": User.objects.count(), "companies": Company.objects.count(), "projects": Project.objects.count(),
    }


def county_of(project: Project) -> str:
    return project.community.path.strip("/").split("/")[1]


def can_sign_in(username: str, password: str) -> bool:
    client = Client()
    client.post(reverse("accounts:login"), {"username": username, "password": password})
    return client.session.get("_auth_user_id") is not None


def test_migrations_create_no_users(db):
    # The test database is built by running every migration: accounts come from the loader only.
    assert not User.objects.exists()


def test_loading_regions_or_scale_data_creates_no_users(demo_env):
    call_command("load_regions", stdout=io.StringIO())
    call_command("generate", projects=10, companies=2, stdout=io.StringIO())
    assert not User.objects.exists()


# Loading the demo takes a while (it also builds a ledger through the services), so each test
# below loads it as few times as its story needs and checks everything that load should give.

def test_loading_the_demo_twice_gives_one_valid_demo(demo_env):
    first = load_demo()
    counts = table_counts()
    second = load_demo()
    assert table_counts() == counts
    assert (first["created"], second["created"]) == (True, False)
    assert first["password"] == second["password"] and first["generated"]
    # The generated password lives in var/, readable by its owner only.
    stored = demo_env / "demo_password"
    assert stored.read_text().strip() == first["password"] and stored.stat().st_mode & 0o077 == 0
    # One audit row says the demo was loaded; the second run adds none.
    assert AuditEvent.objects.filter(action=AuditAction.DEMO).count() == 1

    assert_registry_is_large_valid_and_spread_by_size()
    assert_personas_have_their_departments_and_roles(first["password"])
    assert_demo_company_manages_estates_in_xiling_and_wujiagang()


def assert_registry_is_large_valid_and_spread_by_size():
    codes = list(Company.objects.values_list("credit_code", flat=True))
    assert len(codes) >= 400
    assert [c for c in codes if not credit_code.validate(c).ok] == []

    projects = list(Project.objects.select_related("community"))
    assert len(projects) >= 2000
    assert all(PROJECT_CODE.match(p.code) and p.code.startswith(county_of(p) + "-") for p in projects)
    assert all(p.contract_end is None or p.contract_end >= p.contract_start for p in projects if p.company_id)
    assert all(p.contract_start is None for p in projects if not p.company_id)

    per_county = {code: 0 for code in Region.objects.filter(level=Level.COUNTY).values_list("code", flat=True)}
    for p in projects:
        per_county[county_of(p)] += 1
    assert len(per_county) == 14 and min(per_county.values()) > 0
    assert per_county["420502"] > per_county["420529"]  # 西陵区 holds far more estates than 五峰
    # Some estates have lost their company's contract: the campaign's figures need both kinds.
    assert 0 < Project.objects.managed().count() < len(projects)


def assert_personas_have_their_departments_and_roles(password: str):
    users = {u.username: u for u in User.objects.filter(username__in=PERSONAS).select_related("department__region")}
    assert set(users) == set(PERSONAS)
    for username, (dept, kind, region, role) in PERSONAS.items():
        user = users[username]
        assert (user.department.name, user.department.kind, user.department.region.code, user.role) == (
            dept, kind, region, role), username
        assert user.is_active and user.display_name and not user.is_superuser
        assert can_sign_in(username, password), username

    assert can(users["city_admin"], Action.MANAGE_USERS) and can(users["city_admin"], Action.VIEW_AUDIT)
    assert can(users["auditor"], Action.VIEW_AUDIT) and not can(users["auditor"], Action.EDIT_REGISTRY)
    assert can(users["xiling_housing"], Action.EDIT_REGISTRY) and not can(users["xiling_housing"], Action.VIEW_AUDIT)
    assert can(users["xiling_street"], Action.EDIT_DISCLOSURE)
    for read_only in ("police_xiling", "market_xiling", "drc_city"):
        assert not can(users[read_only], Action.EDIT_REGISTRY), read_only


def assert_demo_company_manages_estates_in_xiling_and_wujiagang():
    company_demo = User.objects.get(username="company_demo")
    company = company_demo.department.company
    assert company.name == DEMO_COMPANY_NAME and credit_code.validate(company.credit_code).ok
    own = Project.objects.filter(company=company).select_related("community")
    assert {county_of(p) for p in own} == {"420502", "420503"}
    assert all(p.is_managed() for p in own)
    # What the company's login sees is exactly its own estates.
    visible = Project.objects.visible_to(company_demo)
    assert set(visible.values_list("pk", flat=True)) == set(own.values_list("pk", flat=True))


def test_the_password_comes_from_the_environment_and_follows_it(demo_env, monkeypatch):
    monkeypatch.setenv("PROPWATCH_DEMO_PASSWORD", "First-demo-pass-1")
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert "已加载宜昌演示数据" in text and "First-demo-pass-1" in text and "来自 PROPWATCH_DEMO_PASSWORD" in text
    assert all(username in text for username in PERSONAS)
    assert not (demo_env / "demo_password").exists()
    assert can_sign_in("city_admin", "First-demo-pass-1")

    monkeypatch.setenv("PROPWATCH_DEMO_PASSWORD", "Second-demo-pass-2")
    again = io.StringIO()
    call_command("load_demo", stdout=again)
    assert "演示数据已存在，未重复加载" in again.getvalue() and "Second-demo-pass-2" in again.getvalue()
    assert all(can_sign_in(username, "Second-demo-pass-2") for username in PERSONAS)
    assert not can_sign_in("wujiagang_housing", "First-demo-pass-1")


def test_generate_adds_exactly_the_rows_asked_for(demo_env):
    before_companies = set(Company.objects.values_list("pk", flat=True))
    before_projects = Project.objects.count()
    out = io.StringIO()
    call_command("generate", projects=3000, companies=300, stdout=out)
    assert "已生成 300 家企业、3000 个项目" in out.getvalue()

    new_companies = Company.objects.exclude(pk__in=before_companies)
    assert new_companies.count() == 300 and Project.objects.count() == before_projects + 3000
    assert [c for c in new_companies.values_list("credit_code", flat=True) if not credit_code.validate(c).ok] == []
    assert new_companies.values("name").distinct().count() == 300
    codes = list(Project.objects.values_list("code", flat=True))
    assert len(set(codes)) == len(codes) and all(PROJECT_CODE.match(c) for c in codes)


def test_generate_continues_the_county_sequences(demo_env):
    call_command("generate", projects=200, companies=20, stdout=io.StringIO())
    last = Project.objects.filter(code__startswith="420502-").order_by("-code").values_list("code", flat=True).first()
    call_command("generate", projects=200, companies=20, seed=8, stdout=io.StringIO())
    assert Project.objects.count() == 400 and Company.objects.count() == 40
    added = Project.objects.filter(code__startswith="420502-", code__gt=last)
    assert added.exists()
    assert Project.objects.values("code").distinct().count() == 400
