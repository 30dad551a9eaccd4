"""Writes to the registry. Views, the API, imports and the demo loader all come through here."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from propwatch.accounts.permissions import Action, can
from propwatch.audit.services import record_change, snapshot
from propwatch.regions.models import Level, Region

from . import credit_code, phone_numbers
from .models import DISCLOSURE_FIELDS, Company, Project, today

COMPANY_FIELDS = ["name", "credit_code", "filing_no", "legal_representative", "contact_phone", "address", "region"]
PROJECT_FIELDS = ["code", "name", "address", "community", "company", "contract_start", "contract_end", "households"]


def clean_company_data(data: dict[str, Any], *, actor, override_reason: str = "",
                       company: Company | None = None) -> dict[str, Any]:
    """Normalise and check company fields; raises ValidationError keyed by field."""
    errors: dict[str, str] = {}
    data = dict(data)
    result = credit_code.validate(data.get("credit_code", ""))
    data["credit_code"] = result.code
    data["credit_code_override_reason"] = ""
    # An exception accepted for this company stays accepted while its code is unchanged, whoever
    # edits the company; only a user who may override can replace the reason.
    kept = company.credit_code_override_reason if company is not None and result.code == company.credit_code else ""
    if not result.ok:
        if result.check_failed and kept and not (override_reason.strip() and can(actor, Action.OVERRIDE_CREDIT_CODE)):
            data["credit_code_override_reason"] = kept
        elif result.check_failed and override_reason.strip():
            if can(actor, Action.OVERRIDE_CREDIT_CODE):
                data["credit_code_override_reason"] = override_reason.strip()
            else:
                errors["credit_code"] = result.error + "。只有市级管理员可以确认例外代码"
        elif result.check_failed and can(actor, Action.OVERRIDE_CREDIT_CODE):
            errors["credit_code"] = result.error + "。如确认代码真实（如早期试点代码），请填写例外说明后保存"
        else:
            errors["credit_code"] = result.error
    phone, phone_error = phone_numbers.validate(data.get("contact_phone", ""))
    data["contact_phone"] = phone
    if phone_error:
        errors["contact_phone"] = phone_error
    for field, label in (("name", "企业名称"), ("legal_representative", "法定代表人")):
        data[field] = str(data.get(field) or "").strip()
        if not data[field]:
            errors[field] = f"请填写{label}"
    region = data.get("region")
    if region is not None and region.level not in (Level.CITY, Level.COUNTY):
        errors["region"] = "注册所在地应为市或县（市、区）"
    if errors:
        raise ValidationError(errors)
    return data


def _apply(obj, data: dict[str, Any], fields: list[str]) -> None:
    for f in fields:
        if f in data:
            setattr(obj, f, data[f])


@transaction.atomic
def create_company(*, actor, data: dict[str, Any], override_reason: str = "") -> Company:
    data = clean_company_data(data, actor=actor, override_reason=override_reason)
    if Company.objects.filter(credit_code=data["credit_code"]).exists():
        raise ValidationError({"credit_code": f"统一社会信用代码 {data['credit_code']} 已登记，请勿重复录入"})
    company = Company()
    _apply(company, data, [*COMPANY_FIELDS, "credit_code_override_reason"])
    company.credit_code_override_by = actor if data["credit_code_override_reason"] else None
    company.full_clean(validate_unique=False)
    company.save()
    record_change(actor=actor, obj=company, before=None)
    return company


@transaction.atomic
def update_company(*, actor, company: Company, data: dict[str, Any], override_reason: str = "") -> Company:
    company = Company.objects.select_for_update().get(pk=company.pk)
    before = snapshot(company)
    merged = {f: getattr(company, f) for f in COMPANY_FIELDS} | data
    # An accepted exception stays accepted while the code is unchanged.
    if not override_reason and merged["credit_code"] == company.credit_code:
        override_reason = company.credit_code_override_reason
    data = clean_company_data(merged, actor=actor, override_reason=override_reason, company=company)
    if Company.objects.filter(credit_code=data["credit_code"]).exclude(pk=company.pk).exists():
        raise ValidationError({"credit_code": f"统一社会信用代码 {data['credit_code']} 已被其他企业使用"})
    _apply(company, data, [*COMPANY_FIELDS, "credit_code_override_reason"])
    if data["credit_code_override_reason"] != before["credit_code_override_reason"]:
        company.credit_code_override_by = actor if data["credit_code_override_reason"] else None
    company.full_clean(validate_unique=False)
    company.save()
    record_change(actor=actor, obj=company, before=before)
    return company


def next_project_code(community: Region) -> str:
    """`<county code>-<5-digit sequence>`, unique within the county."""
    county_code = community.path.strip("/").split("/")[1]
    prefix = f"{county_code}-"
    last = (
        Project.objects.filter(code__startswith=prefix).order_by("-code").values_list("code", flat=True).first()
    )
    seq = int(last.removeprefix(prefix)) + 1 if last and last.removeprefix(prefix).isdigit() else 1
    return f"{prefix}{seq:05d}"


def clean_project_data(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    data = dict(data)
    for field, label in (("name", "项目名称"), ("address", "地址")):
        data[field] = str(data.get(field) or "").strip()
        if not data[field]:
            errors[field] = f"请填写{label}"
    community = data.get("community")
    if community is None:
        errors["community"] = "请选择所在社区"
    elif community.level != Level.COMMUNITY:
        errors["community"] = "所在区划应为社区"
    start, end = data.get("contract_start"), data.get("contract_end")
    if data.get("company") is not None and start is None:
        errors["contract_start"] = "有物业服务企业时请填写合同开始日期"
    if start and end and end < start:
        errors["contract_end"] = "合同结束日期不能早于开始日期"
    if (data.get("households") or 0) < 0:
        errors["households"] = "户数不能为负数"
    if errors:
        raise ValidationError(errors)
    data["code"] = str(data.get("code") or "").strip().upper()
    return data


def _update_disclosure_history(project: Project) -> None:
    complete_on = project.disclosure_complete_on()
    if complete_on and project.disclosure_first_complete_on is None:
        project.disclosure_first_complete_on = complete_on


@transaction.atomic
def create_project(*, actor, data: dict[str, Any]) -> Project:
    data = clean_project_data(data)
    if not data["code"]:
        data["code"] = next_project_code(data["community"])
    elif Project.objects.filter(code=data["code"]).exists():
        raise ValidationError({"code": f"项目编号 {data['code']} 已存在"})
    project = Project()
    _apply(project, data, PROJECT_FIELDS + [f for f in DISCLOSURE_FIELDS if f in data])
    _update_disclosure_history(project)
    project.full_clean(validate_unique=False, validate_constraints=False)
    project.save()
    record_change(actor=actor, obj=project, before=None)
    return project


@transaction.atomic
def update_project(*, actor, project: Project, data: dict[str, Any]) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    before = snapshot(project)
    merged = {f: getattr(project, f) for f in PROJECT_FIELDS} | data
    data = clean_project_data(merged)
    if not data["code"]:
        data["code"] = project.code
    if Project.objects.filter(code=data["code"]).exclude(pk=project.pk).exists():
        raise ValidationError({"code": f"项目编号 {data['code']} 已被其他项目使用"})
    _apply(project, data, PROJECT_FIELDS + [f for f in DISCLOSURE_FIELDS if f in data])
    _update_disclosure_history(project)
    project.full_clean(validate_unique=False, validate_constraints=False)
    project.save()
    record_change(actor=actor, obj=project, before=before)
    return project


@transaction.atomic
def update_disclosure(*, actor, project: Project, items: dict[str, datetime.date | None]) -> Project:
    """Record which focus-5 items are displayed, each with the date it became complete."""
    unknown = set(items) - set(DISCLOSURE_FIELDS)
    if unknown:
        raise ValidationError(f"未知的公示事项：{', '.join(sorted(unknown))}")
    future = [f for f, d in items.items() if d and d > today()]
    if future:
        raise ValidationError({f: "公示日期不能晚于今天" for f in future})
    project = Project.objects.select_for_update().get(pk=project.pk)
    before = snapshot(project)
    for f, d in items.items():
        setattr(project, f, d)
    _update_disclosure_history(project)
    project.save()
    record_change(actor=actor, obj=project, before=before, note="登记公示情况")
    return project
