"""Evidence files are served only through the view, only to users who may see the problem."""

import pytest
from django.urls import reverse

from propwatch.accounts.tests.factories import DepartmentFactory, UserFactory
from propwatch.ledger import services
from propwatch.ledger.models import Evidence
from propwatch.regions.models import Region
from propwatch.registry.tests.factories import CompanyFactory, ProjectFactory, community

from .factories import pdf_upload, png_upload, register


@pytest.fixture(autouse=True)
def _evidence_in_tmp(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}


def evidence_of(actor, project, *uploads) -> list[Evidence]:
    problem = register(actor, project, files=list(uploads))
    return list(problem.evidence.order_by("pk"))


def url(evidence: Evidence) -> str:
    return reverse("ledger:evidence_file", args=[evidence.pk])


@pytest.fixture
def xiling_evidence(xiling_housing_staff, company_user):
    """A photo and a PDF of a problem about the company's 西陵 project."""
    project = company_user.department.company.projects.get(name="江城西陵花园")
    return evidence_of(xiling_housing_staff, project, png_upload("现场 \"照片\".png"), pdf_upload("整改报告.pdf"))


def test_an_image_is_served_inline_with_its_type(client_for, xiling_housing_staff, xiling_evidence):
    photo = xiling_evidence[0]

    response = client_for(xiling_housing_staff).get(url(photo))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="{photo.problem.number}-{photo.pk}.png"'
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\x89PNG") and len(body) == photo.size


def test_a_pdf_is_served_inline_with_a_safe_name(client_for, xiling_housing_staff, xiling_evidence):
    pdf = xiling_evidence[1]

    response = client_for(xiling_housing_staff).get(url(pdf))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    # The uploader's name (quotes, Chinese, anything) never reaches the header.
    assert response["Content-Disposition"] == f'inline; filename="{pdf.problem.number}-{pdf.pk}.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_evidence_of_another_county_is_404(client_for, wujiagang_housing_staff, xiling_housing_staff,
                                           xiling_evidence):
    theirs = evidence_of(wujiagang_housing_staff, ProjectFactory(community=community("420503001001")), png_upload())[0]
    client = client_for(xiling_housing_staff)

    assert client.get(url(theirs)).status_code == 404
    assert client_for(wujiagang_housing_staff).get(url(xiling_evidence[0])).status_code == 404
    # The same users do get their own: the 404s come from the scope, not from a broken view.
    assert client.get(url(xiling_evidence[0])).status_code == 200
    assert client_for(wujiagang_housing_staff).get(url(theirs)).status_code == 200


def test_evidence_of_another_company_is_404(client_for, xiling_housing_staff, company_user, xiling_evidence):
    # Same street, same county, another company's project.
    neighbour = ProjectFactory(community=community("420502001001"), company=CompanyFactory(name="邻居物业"))
    theirs = evidence_of(xiling_housing_staff, neighbour, pdf_upload())[0]
    client = client_for(company_user)

    assert client.get(url(theirs)).status_code == 404
    assert client.get(url(xiling_evidence[0])).status_code == 200


def test_police_see_evidence_only_of_problems_routed_to_them(client_for, police_officer, city_admin,
                                                             xiling_evidence):
    photo = xiling_evidence[0]
    client = client_for(police_officer)
    assert client.get(url(photo)).status_code == 404

    problem = photo.problem
    services.add_joint_departments(actor=city_admin, problem=problem, version=problem.version,
                                   departments=[police_officer.department])

    assert client.get(url(photo)).status_code == 200


def test_signed_out_and_departmentless_users_get_nothing(client, xiling_evidence):
    photo = xiling_evidence[0]
    nobody = UserFactory(department=None)
    retired = UserFactory(department=DepartmentFactory(region=Region.objects.get(code="420500"), is_active=False))

    response = client.get(url(photo))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    for user in (nobody, retired):
        client.force_login(user)
        assert client.get(url(photo)).status_code == 404


def test_a_missing_evidence_id_is_the_same_404(client_for, city_admin, xiling_evidence):
    assert client_for(city_admin).get(reverse("ledger:evidence_file", args=[999999])).status_code == 404
