"""A company never learns who complained: crawl everything `company_demo` can reach.

Given a complaint about the company's project, filed on the public site with a known name and
phone (also typed into the text), accepted into the ledger and taken through rectification, the
company's account follows every link from its home page, exports every list it can, and walks
every API endpoint and object it can list. Neither the name nor the phone (full or masked)
appears in any response.
"""

import io
import json
import re
import zipfile
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse

from propwatch.accounts.choices import DepartmentKind
from propwatch.accounts.tests.factories import DepartmentFactory, UserFactory
from propwatch.complaints import services
from propwatch.ledger import services as ledger
from propwatch.ledger.tests.factories import png_upload
from propwatch.regions.models import Region
from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community

from .factories import files_in, use_stub_classifier

NAME = "欧阳娜娜"
PHONE = "13907171234"
SECRETS = [NAME, PHONE, "139****1234", "0717-1234"]
SKIP = ("/accounts/logout", "/static/", "/api/docs")


@pytest.fixture
def company_demo(yichang):
    company = CompanyFactory(name="宜昌城发物业服务有限公司")
    ProjectFactory(company=company, name="城发·西陵春晓", community=community("420502001001"))
    dept = DepartmentFactory(kind=DepartmentKind.PROPERTY_COMPANY, company=company, name=company.name,
                             region=Region.objects.get(code="420502"))
    return UserFactory(department=dept, role="admin", username="company_demo")


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":  # an XLSX export: read every part of the zip
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            return "".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist())
    return content.decode("utf-8", "ignore")


def _links(html: str, base: str) -> set[str]:
    found = set()
    for href in re.findall(r'(?:href|src|hx-get)="([^"#]+)"', html):
        url = urljoin(base, href.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP):
            continue
        found.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _api_urls(data) -> set[str]:
    """Every same-site URL and every object id a JSON API response lists."""
    found = set()
    if isinstance(data, dict):
        for value in data.values():
            found |= _api_urls(value)
    elif isinstance(data, list):
        for value in data:
            found |= _api_urls(value)
    elif isinstance(data, str) and data.startswith("http://testserver/"):
        found.add(data.removeprefix("http://testserver"))
    return found


@pytest.mark.django_db
def test_company_never_sees_the_complainant(client_for, company_demo, street_officer, monkeypatch, settings,
                                            tmp_path):
    use_stub_classifier(monkeypatch)
    files_in(settings, tmp_path)
    project = company_demo.department.company.projects.get()
    complaint, _ = services.submit_public_complaint(
        project=project, name=NAME, phone=PHONE, photos=[png_upload()],
        text=f"物业以欠费为由给我家停水两天了，我叫{NAME}，电话{PHONE}，请尽快处理")
    complaint = services.accept_complaint(actor=street_officer, complaint=complaint, version=complaint.version,
                                          focus=1, route="housing")
    problem = ledger.start_rectification(actor=company_demo, problem=complaint.problem,
                                         version=complaint.problem.version)
    services.reply_complaint(actor=street_officer, complaint=complaint, text=f"已联系{NAME}核实情况")

    client = client_for(company_demo)
    seen: set[str] = set()
    queue = ["/", reverse("ledger:problem_list"), f"/ledger/problems/{problem.pk}/", "/api/v1/",
             f"/complaints/{complaint.pk}/", f"/complaints/photos/{complaint.photos.get().pk}/",
             f"/api/v1/complaints/{complaint.pk}/", "/notifications/"]
    pages = 0
    while queue and pages < 400:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, HTTP_ACCEPT="application/json" if url.startswith("/api/") else "text/html")
        pages += 1
        body = _body(response)
        for secret in SECRETS:
            assert secret not in body, f"{secret} leaked at {url}"
        if response.status_code != 200:
            continue
        if url.startswith("/api/"):
            try:
                data = json.loads(body)
            except ValueError:
                continue
            queue.extend(_api_urls(data))
            for row in data.get("results", []) if isinstance(data, dict) else []:
                if isinstance(row, dict) and "id" in row:
                    queue.append(f"{urlsplit(url).path}{row['id']}/")
        elif "text/html" in response.get("Content-Type", ""):
            links = _links(body, url)
            queue.extend(links)
            # Every list the company reaches is exported too.
            if "?" not in url and 'name="q"' in body:
                queue.append(f"{url}?export=xlsx")
    assert pages > 20, f"the crawl reached only {pages} pages: {sorted(seen)}"
    assert f"/ledger/problems/{problem.pk}/" in seen
    # The complaint record itself is not the company's to see.
    assert client.get(f"/complaints/{complaint.pk}/").status_code in (403, 404)
    assert client.get(f"/api/v1/complaints/{complaint.pk}/").status_code in (403, 404)
    # …while the problem description it works from is there, with the phone and name masked.
    page = client.get(f"/ledger/problems/{problem.pk}/").content.decode()
    assert "停水两天" in page
