"""Shared fixtures: the real Yichang territory and one named persona per role."""

import pytest

from propwatch.regions.models import Region
from propwatch.regions.services import load_yichang

TEST_PASSWORD = "Test-pass-2026"


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    # Argon2 is the production hasher (tested in accounts); tests hash thousands of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Each test counts public requests from zero, in memory: the default file cache under var/ is
    shared by every run on the machine (and `make run`), so limits would carry over between runs."""
    import uuid

    settings.CACHES = {**settings.CACHES, "ratelimit": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"ratelimit-{uuid.uuid4().hex}"}}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_yichang()


@pytest.fixture
def yichang(db):
    """The territory; reloaded when a transactional test has flushed it."""
    if not Region.objects.filter(code="420500").exists():
        load_yichang()
    return Region.objects.get(code="420500")


def _persona(code, kind, role="staff", name="", username=""):
    from propwatch.accounts.tests.factories import officer

    return officer(code, kind, role, name=name, username=username) if username else officer(code, kind, role, name=name)


@pytest.fixture
def city_admin(yichang):
    return _persona("420500", "housing", "admin", "宜昌市住房和城乡建设局", "t_city_admin")


@pytest.fixture
def xiling_housing_staff(yichang):
    return _persona("420502", "housing", "staff", "西陵区住房和城乡建设局", "t_xiling_housing")


@pytest.fixture
def wujiagang_housing_staff(yichang):
    return _persona("420503", "housing", "staff", "伍家岗区住房和城乡建设局", "t_wujiagang_housing")


@pytest.fixture
def street_officer(yichang):
    return _persona("420502001", "street_office", "staff", "西陵街道办事处", "t_xiling_street")


@pytest.fixture
def police_officer(yichang):
    return _persona("420502", "police", "staff", "宜昌市公安局西陵区分局", "t_police_xiling")


@pytest.fixture
def auditor_user(yichang):
    return _persona("420500", "housing", "auditor", "宜昌市住建局审计", "t_auditor")


@pytest.fixture
def company_user(yichang):
    """A user of a company that manages one project in 西陵区 and one in 伍家岗区."""
    from propwatch.accounts.choices import DepartmentKind
    from propwatch.accounts.tests.factories import DepartmentFactory, UserFactory
    from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community

    company = CompanyFactory(name="宜昌江城物业服务有限公司")
    ProjectFactory(company=company, name="江城西陵花园", community=community("420502001001"))
    ProjectFactory(company=company, name="江城伍家岗苑", community=community("420503001001"))
    dept = DepartmentFactory(kind=DepartmentKind.PROPERTY_COMPANY, company=company, name=company.name,
                             region=Region.objects.get(code="420502"))
    return UserFactory(department=dept, role="admin", username="t_company")


@pytest.fixture
def client_for(client):
    """client_for(user) → a test client signed in as that user."""

    def make(user):
        from django.test import Client

        c = Client()
        c.force_login(user)
        return c

    return make
