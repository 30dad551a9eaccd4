"""Browser tests: Debian's chromium, driven by Playwright, against pytest-django's live server.

No browser is ever downloaded: the tests launch /usr/bin/chromium and fail (never skip) when it
is missing, because CI installs it. Screenshots go to test-results/screenshots/ (gitignored) so a
person can look at what the tests saw.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

# Playwright's sync API keeps an asyncio event loop in the main thread; Django would otherwise
# refuse ORM calls from fixtures and from the test body, thinking it is inside async code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from conftest import TEST_PASSWORD  # noqa: E402  (the factories' password, defined once)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # Without these chromium phones Google hosts (component updates, sync, field trials).
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session", autouse=True)
def _classifier_ready():
    """Train the complaint classifier once, before any page asks for it: the live server would
    otherwise train it inside the first complaint's request while the browser waits."""
    from propwatch.complaints.classifier import classify

    classify("物业停水")


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole run (each test gets its own context)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Debian's chromium is missing at {CHROMIUM}; the browser tests need it and never download "
            "a browser. Install it with: sudo apt-get install -y chromium fonts-noto-cjk",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Web:
    """A browser tab on the live server that remembers every request, response and console error."""

    page: object  # playwright.sync_api.Page
    base_url: str
    requests: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def login(self, username: str, password: str = TEST_PASSWORD) -> None:
        """Sign in through the real login form, as a person would."""
        response = self.goto("/accounts/login/")
        assert response is not None and response.ok, f"the login page answered {response and response.status}"
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="登录").click()

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def foreign_requests(self) -> list[str]:
        """Requests that left the live server: any scheme, host or port other than its own."""
        own = urlsplit(self.base_url)
        return [
            url for url in self.requests
            if not url.startswith(("data:", "blob:"))  # inline resources never reach a network
            and (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)
        ]

    def nav_labels(self) -> list[str]:
        return [t.strip() for t in self.page.get_by_role("list", name="主导航").get_by_role("link").all_inner_texts()]


_warmed: set[str] = set()


def _warm_up(base_url: str) -> None:
    """Serve one page before the browser asks for any. A fresh server builds its middleware
    (WhiteNoise indexes the static files) and loads its URLs and templates on its first request;
    on a loaded machine running several workers that alone can outlast a navigation timeout."""
    if base_url in _warmed:
        return
    with urlopen(base_url + "/accounts/login/", timeout=180) as response:
        assert response.status == 200, f"the live server answered {response.status} to the login page"
    _warmed.add(base_url)


@pytest.fixture
def open_web(browser, live_server) -> Iterator[Callable[..., Web]]:
    """open_web(viewport=DESKTOP) → a fresh browser context (own cookies) on the live server."""
    _warm_up(live_server.url)
    contexts = []

    def make(viewport: dict | None = None) -> Web:
        context = browser.new_context(viewport=viewport or DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
        # Generous: CI runs these in parallel workers on a few shared cores.
        context.set_default_timeout(30_000)
        contexts.append(context)
        web = Web(page=context.new_page(), base_url=live_server.url)
        # Context-level hooks also see requests from workers and popups, not just the page.
        context.on("request", lambda request: web.requests.append(request.url))
        context.on("response", lambda response: web.failed_responses.append(
            f"{response.status} {response.url}") if response.status >= 400 else None)
        web.page.on("console", lambda msg: web.console_errors.append(msg.text) if msg.type == "error" else None)
        web.page.on("pageerror", lambda exc: web.console_errors.append(str(exc)))
        return web

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def web(open_web) -> Web:
    return open_web()


# ---- the demo personas, built small ------------------------------------------------------------

# Where each persona department of the demo sits: (kind, region code). The demo loader creates
# these (and many more) by name; the tests build only what the nine personas need.
_PERSONA_DEPARTMENTS = {
    "宜昌市住房和城乡建设局": ("housing", "420500"),
    "西陵区住房和城乡建设局": ("housing", "420502"),
    "伍家岗区住房和城乡建设局": ("housing", "420503"),
    "西陵街道办事处": ("street_office", "420502001"),
    "宜昌市公安局西陵区分局": ("police", "420502"),
    "西陵区市场监督管理局": ("market_regulation", "420502"),
    "宜昌市发展和改革委员会": ("drc", "420500"),
}


def make_personas() -> dict:
    """The demo's nine logins (same usernames, names, departments and roles as
    `propwatch.demo.loader.PERSONAS`) with the factories' password, plus a small registry: the
    demo company with projects in 西陵区 and 伍家岗区, and one other company in each county."""
    from propwatch.accounts.choices import DepartmentKind
    from propwatch.accounts.tests.factories import DepartmentFactory, UserFactory
    from propwatch.demo.loader import DEMO_COMPANY_CODE, DEMO_COMPANY_NAME, PERSONAS
    from propwatch.regions.models import Region
    from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community

    xiling = Region.objects.get(code="420502")
    company = CompanyFactory(name=DEMO_COMPANY_NAME, credit_code=DEMO_COMPANY_CODE, region=xiling,
                             legal_representative="孙建国", contact_phone="0717-6881234")
    ProjectFactory(company=company, name="江城西陵花园", community=community("420502001001"))
    ProjectFactory(company=company, name="江城伍家岗苑", community=community("420503001001"))
    ProjectFactory(company=CompanyFactory(name="宜昌西陵物业有限公司"), name="西坝小区",
                   community=community("420502004001"))
    ProjectFactory(company=CompanyFactory(name="伍家岗安居物业有限公司", region=Region.objects.get(code="420503")),
                   name="大公桥小区", community=community("420503001002"))

    departments = {
        name: DepartmentFactory(name=name, kind=kind, region=Region.objects.get(code=code))
        for name, (kind, code) in _PERSONA_DEPARTMENTS.items()
    }
    departments[DEMO_COMPANY_NAME] = DepartmentFactory(
        name=DEMO_COMPANY_NAME, kind=DepartmentKind.PROPERTY_COMPANY, company=company, region=xiling)
    # A KeyError here means the demo gained a persona in a department this helper does not know.
    return {
        p.username: UserFactory(username=p.username, display_name=p.display_name,
                                department=departments[p.department], role=p.role)
        for p in PERSONAS
    }


@pytest.fixture
def personas(transactional_db, yichang, live_server) -> dict:
    return make_personas()


@pytest.fixture(scope="session", autouse=True)
def _fresh_screenshots():
    """Start a plain run with an empty folder, so every PNG there comes from this run. Under
    xdist the workers share the folder and one must not delete another's pictures."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        shutil.rmtree(SCREENSHOTS, ignore_errors=True)
