"""Registry writes through the services: credit-code rules, contracts, project codes, disclosure."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from propwatch.regions.models import Region
from propwatch.registry import services
from propwatch.registry.models import DISCLOSURE_FIELDS, Company, Project, today

from .factories import CompanyFactory, ProjectFactory, community

# A real early pilot code: well formed, but its 18th character fails the check (identifiers.md).
PILOT_CODE = "91350100M0001TGQXM"
VALID_CODE = "91350100M000100Y43"


def company_data(**overrides):
    data = {
        "name": "宜昌清江物业服务有限公司", "credit_code": VALID_CODE, "filing_no": "YCWY-2020-001",
        "legal_representative": "王建国", "contact_phone": "13812341234", "address": "宜昌市西陵区夷陵大道 1 号",
        "region": Region.objects.get(code="420502"),
    }
    return data | overrides


def project_data(**overrides):
    data = {
        "code": "", "name": "清江花园", "address": "宜昌市西陵区清江路 8 号", "community": community("420502001001"),
        "company": None, "contract_start": None, "contract_end": None, "households": 320,
    }
    return data | overrides


def errors_of(exc_info) -> dict[str, list[str]]:
    return exc_info.value.message_dict


# ---- companies: the credit code ----------------------------------------------------------------

def test_a_valid_code_is_stored_trimmed_and_upper_cased(xiling_housing_staff):
    company = services.create_company(actor=xiling_housing_staff,
                                      data=company_data(credit_code=" 91350100m000100y43 "))
    assert company.credit_code == VALID_CODE
    assert company.credit_code_override_reason == "" and company.credit_code_override_by is None


def test_county_staff_cannot_accept_a_failed_check_digit_even_with_a_reason(xiling_housing_staff):
    with pytest.raises(ValidationError) as exc:
        services.create_company(actor=xiling_housing_staff, data=company_data(credit_code=PILOT_CODE),
                                override_reason="营业执照原件核实无误")
    [message] = errors_of(exc)["credit_code"]
    assert "校验位不符" in message and "只有市级管理员可以确认例外代码" in message
    assert not Company.objects.filter(credit_code=PILOT_CODE).exists()


def test_county_staff_without_a_reason_gets_the_plain_check_digit_error(xiling_housing_staff):
    with pytest.raises(ValidationError) as exc:
        services.create_company(actor=xiling_housing_staff, data=company_data(credit_code=PILOT_CODE))
    [message] = errors_of(exc)["credit_code"]
    assert message.startswith("校验位不符：第 18 位为“M”")
    assert "例外说明" not in message  # the county cannot override, so it is not invited to
    assert Company.objects.count() == 0


def test_city_admin_without_a_reason_is_told_to_fill_one_in(city_admin):
    with pytest.raises(ValidationError) as exc:
        services.create_company(actor=city_admin, data=company_data(credit_code=PILOT_CODE))
    [message] = errors_of(exc)["credit_code"]
    assert "校验位不符" in message and "请填写例外说明后保存" in message
    assert Company.objects.count() == 0


def test_city_admin_with_a_reason_accepts_the_code_and_is_recorded_as_the_one_who_did(city_admin):
    company = services.create_company(actor=city_admin, data=company_data(credit_code=PILOT_CODE),
                                      override_reason="  早期试点代码，已核对营业执照  ")
    company.refresh_from_db()
    assert company.credit_code == PILOT_CODE
    assert company.credit_code_override_reason == "早期试点代码，已核对营业执照"
    assert company.credit_code_override_by == city_admin


def test_an_accepted_exception_survives_a_county_edit_that_keeps_the_code(city_admin, xiling_housing_staff):
    company = services.create_company(actor=city_admin, data=company_data(credit_code=PILOT_CODE),
                                      override_reason="早期试点代码")
    services.update_company(actor=xiling_housing_staff, company=company, data={"address": "宜昌市西陵区新址 2 号"})
    company.refresh_from_db()
    assert company.address == "宜昌市西陵区新址 2 号"
    assert company.credit_code_override_by == city_admin and company.credit_code_override_reason == "早期试点代码"


def test_a_county_edit_cannot_rewrite_an_accepted_reason(city_admin, xiling_housing_staff):
    company = services.create_company(actor=city_admin, data=company_data(credit_code=PILOT_CODE),
                                      override_reason="早期试点代码")
    services.update_company(actor=xiling_housing_staff, company=company, data={}, override_reason="随便写的")
    company.refresh_from_db()
    assert company.credit_code_override_reason == "早期试点代码" and company.credit_code_override_by == city_admin


def test_a_new_failing_code_needs_a_new_acceptance(city_admin, xiling_housing_staff):
    company = services.create_company(actor=city_admin, data=company_data(credit_code=PILOT_CODE),
                                      override_reason="早期试点代码")
    other_failing = PILOT_CODE[:-1] + "A"
    with pytest.raises(ValidationError) as exc:
        services.update_company(actor=xiling_housing_staff, company=company, data={"credit_code": other_failing})
    assert "校验位不符" in errors_of(exc)["credit_code"][0]
    company.refresh_from_db()
    assert company.credit_code == PILOT_CODE


def test_a_reason_is_not_stored_for_a_code_that_passes(city_admin):
    company = services.create_company(actor=city_admin, data=company_data(), override_reason="不需要")
    assert company.credit_code_override_reason == "" and company.credit_code_override_by is None


@pytest.mark.parametrize(("raw", "fragment"), [
    ("91350100M00010OY43", "第 15 位字符“O”"),
    ("91350100M000100Y4", "应为 18 位，当前为 17 位"),
    ("", "请填写统一社会信用代码"),
])
def test_malformed_codes_cannot_be_overridden_by_anyone(city_admin, raw, fragment):
    with pytest.raises(ValidationError) as exc:
        services.create_company(actor=city_admin, data=company_data(credit_code=raw), override_reason="确认")
    assert fragment in errors_of(exc)["credit_code"][0]
    assert Company.objects.count() == 0


def test_a_duplicate_credit_code_is_refused_in_chinese(xiling_housing_staff):
    services.create_company(actor=xiling_housing_staff, data=company_data())
    with pytest.raises(ValidationError) as exc:
        services.create_company(actor=xiling_housing_staff,
                                data=company_data(name="另一家物业公司", credit_code=VALID_CODE.lower()))
    assert errors_of(exc)["credit_code"] == [f"统一社会信用代码 {VALID_CODE} 已登记，请勿重复录入"]
    assert Company.objects.count() == 1


def test_changing_a_company_to_another_companys_code_is_refused(xiling_housing_staff):
    other = CompanyFactory()
    company = services.create_company(actor=xiling_housing_staff, data=company_data())
    with pytest.raises(ValidationError) as exc:
        services.update_company(actor=xiling_housing_staff, company=company, data={"credit_code": other.credit_code})
    assert errors_of(exc)["credit_code"] == [f"统一社会信用代码 {other.credit_code} 已被其他企业使用"]
    company.refresh_from_db()
    assert company.credit_code == VALID_CODE


# ---- companies: other fields -------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "stored"), [
    ("+86 138-1234-5678", "13812345678"), ("86 13812345678", "13812345678"), ("0717 6221234", "0717-6221234"),
])
def test_phone_numbers_are_stored_normalised(xiling_housing_staff, raw, stored):
    company = services.create_company(actor=xiling_housing_staff, data=company_data(contact_phone=raw))
    company.refresh_from_db()
    assert company.contact_phone == stored


def test_a_bad_phone_number_and_missing_names_are_all_reported_at_once(xiling_housing_staff):
    with pytest.raises(ValidationError) as exc:
        services.create_company(actor=xiling_housing_staff,
                                data=company_data(contact_phone="1381234", name=" ", legal_representative=""))
    errors = errors_of(exc)
    assert "电话号码格式不正确" in errors["contact_phone"][0]
    assert errors["name"] == ["请填写企业名称"] and errors["legal_representative"] == ["请填写法定代表人"]
    assert Company.objects.count() == 0


def test_a_company_is_registered_at_a_city_or_county_not_a_street(xiling_housing_staff):
    with pytest.raises(ValidationError) as exc:
        services.create_company(actor=xiling_housing_staff,
                                data=company_data(region=Region.objects.get(code="420502001")))
    assert errors_of(exc)["region"] == ["注册所在地应为市或县（市、区）"]


# ---- projects ----------------------------------------------------------------------------------

def test_project_codes_are_generated_per_county_and_increment(xiling_housing_staff, city_admin):
    ProjectFactory()  # a project with a hand-made code does not disturb the sequence
    first = services.create_project(actor=xiling_housing_staff, data=project_data())
    second = services.create_project(actor=xiling_housing_staff,
                                     data=project_data(name="清江花园二期", community=community("420502002001")))
    elsewhere = services.create_project(actor=city_admin,
                                        data=project_data(name="万寿家园", community=community("420503002001")))
    assert (first.code, second.code, elsewhere.code) == ("420502-00001", "420502-00002", "420503-00001")


def test_the_high_tech_zone_numbers_its_projects_under_its_internal_code(city_admin):
    zone_community = Region.objects.filter(level="community", path__startswith="/420500/GX4205/").first()
    project = services.create_project(actor=city_admin, data=project_data(community=zone_community))
    assert project.code == "GX4205-00001"


def test_a_given_project_code_is_kept_upper_cased_and_must_be_unique(xiling_housing_staff):
    services.create_project(actor=xiling_housing_staff, data=project_data(code=" xl-a-001 "))
    assert Project.objects.filter(code="XL-A-001").exists()
    with pytest.raises(ValidationError) as exc:
        services.create_project(actor=xiling_housing_staff, data=project_data(code="XL-A-001"))
    assert errors_of(exc)["code"] == ["项目编号 XL-A-001 已存在"]
    assert Project.objects.count() == 1


def test_a_contract_that_ends_before_it_starts_is_refused(xiling_housing_staff):
    with pytest.raises(ValidationError) as exc:
        services.create_project(actor=xiling_housing_staff, data=project_data(
            company=CompanyFactory(), contract_start=datetime.date(2024, 6, 1), contract_end=datetime.date(2024, 5, 31)))
    assert errors_of(exc)["contract_end"] == ["合同结束日期不能早于开始日期"]
    assert Project.objects.count() == 0


def test_a_project_with_a_company_needs_a_contract_start(xiling_housing_staff):
    with pytest.raises(ValidationError) as exc:
        services.create_project(actor=xiling_housing_staff, data=project_data(company=CompanyFactory()))
    assert errors_of(exc)["contract_start"] == ["有物业服务企业时请填写合同开始日期"]
    assert Project.objects.count() == 0


def test_an_edit_cannot_break_the_contract_either(xiling_housing_staff):
    project = services.create_project(actor=xiling_housing_staff, data=project_data(
        company=CompanyFactory(), contract_start=datetime.date(2024, 1, 1)))
    with pytest.raises(ValidationError) as exc:
        services.update_project(actor=xiling_housing_staff, project=project,
                                data={"contract_end": datetime.date(2023, 12, 31)})
    assert errors_of(exc)["contract_end"] == ["合同结束日期不能早于开始日期"]
    project.refresh_from_db()
    assert project.contract_end is None


def test_a_project_must_sit_in_a_community(xiling_housing_staff):
    with pytest.raises(ValidationError) as exc:
        services.create_project(actor=xiling_housing_staff,
                                data=project_data(community=Region.objects.get(code="420502001")))
    assert errors_of(exc)["community"] == ["所在区划应为社区"]


# ---- professionally managed --------------------------------------------------------------------

@pytest.mark.parametrize(("start_days", "end_days", "managed"), [
    (-400, 200, True),     # a running contract
    (-400, None, True),    # an open-ended contract
    (-400, 0, True),       # the last day of the contract still counts
    (-800, -1, False),     # expired yesterday: no longer professionally managed
    (10, 400, False),      # not started yet
])
def test_professionally_managed_follows_the_contract(xiling_housing_staff, start_days, end_days, managed):
    on = today()
    project = services.create_project(actor=xiling_housing_staff, data=project_data(
        company=CompanyFactory(), contract_start=on + datetime.timedelta(days=start_days),
        contract_end=None if end_days is None else on + datetime.timedelta(days=end_days)))
    assert project.is_managed() is managed
    assert Project.objects.managed().filter(pk=project.pk).exists() is managed


def test_an_estate_without_a_company_is_not_managed(xiling_housing_staff):
    project = services.create_project(actor=xiling_housing_staff, data=project_data())
    assert not project.is_managed() and not Project.objects.managed().exists()


# ---- disclosure --------------------------------------------------------------------------------

def _all_items(on: datetime.date) -> dict[str, datetime.date]:
    return {f: on - datetime.timedelta(days=i) for i, f in enumerate(DISCLOSURE_FIELDS)}


def test_first_complete_date_is_set_once_and_survives_a_lapse(street_officer):
    project = ProjectFactory(community=community("420502001001"))
    first_day = today() - datetime.timedelta(days=30)
    partial = dict(_all_items(first_day))
    partial[DISCLOSURE_FIELDS[-1]] = None

    project = services.update_disclosure(actor=street_officer, project=project, items=partial)
    assert project.disclosure_first_complete_on is None and not project.is_disclosed

    project = services.update_disclosure(actor=street_officer, project=project,
                                         items={DISCLOSURE_FIELDS[-1]: first_day})
    assert project.disclosure_first_complete_on == first_day and project.is_disclosed

    # The fee notice comes down, and goes up again a fortnight later: the first date stays.
    services.update_disclosure(actor=street_officer, project=project, items={"disclosed_fees_on": None})
    project.refresh_from_db()
    assert not project.is_disclosed and project.disclosure_first_complete_on == first_day
    services.update_disclosure(actor=street_officer, project=project, items={"disclosed_fees_on": today()})
    project.refresh_from_db()
    assert project.is_disclosed and project.disclosure_complete_on() == today()
    assert project.disclosure_first_complete_on == first_day


def test_disclosure_dates_in_the_future_are_refused(street_officer):
    project = ProjectFactory(community=community("420502001001"))
    tomorrow = today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.update_disclosure(actor=street_officer, project=project,
                                   items={"disclosed_fees_on": tomorrow, "disclosed_filing_on": today()})
    assert errors_of(exc) == {"disclosed_fees_on": ["公示日期不能晚于今天"]}
    project.refresh_from_db()
    assert project.disclosed_fees_on is None and project.disclosed_filing_on is None


def test_unknown_disclosure_items_are_refused(street_officer):
    project = ProjectFactory(community=community("420502001001"))
    with pytest.raises(ValidationError, match="未知的公示事项：disclosed_weather_on"):
        services.update_disclosure(actor=street_officer, project=project, items={"disclosed_weather_on": today()})

