"""Columns of the registry exports (the same rows as the filtered list page).

The headers are the import templates' headers (`imports.COMPANY_SPEC`, `imports.PROJECT_SPEC`),
so an export can be corrected in Excel and imported back as it is. The few columns added for
reading only are listed in the spec's `read_only` and ignored by the importer.
"""

from propwatch.web.xlsx import Column

from .imports import COMPANY_SPEC, PROJECT_SPEC
from .models import DISCLOSURE_ITEMS

_company = COMPANY_SPEC.header_of
_project = PROJECT_SPEC.header_of

COMPANY_COLUMNS = [
    Column(_company("name"), lambda c: c.name, 36),
    Column(_company("credit_code"), lambda c: c.credit_code, 22),
    Column(_company("filing_no"), lambda c: c.filing_no, 16),
    Column(_company("legal_representative"), lambda c: c.legal_representative, 12),
    Column(_company("contact_phone"), lambda c: c.contact_phone, 15),
    Column(_company("address"), lambda c: c.address, 30),
    Column(_company("region"), lambda c: c.region.name if c.region else "", 14),
    Column("在管项目数", lambda c: c.project_count, 10),  # read-only
    Column(_company("override_reason"), lambda c: c.credit_code_override_reason, 24),
]


def _county(p):
    return p.community.parent.parent.name


PROJECT_COLUMNS = [
    Column(_project("code"), lambda p: p.code, 16),
    Column(_project("name"), lambda p: p.name, 26),
    Column(_project("address"), lambda p: p.address, 30),
    Column(_project("county"), _county, 12),
    Column(_project("street"), lambda p: p.community.parent.name, 14),
    Column(_project("community"), lambda p: p.community.name, 14),
    Column(_project("community_code"), lambda p: p.community.code, 15),
    Column(_project("company"), lambda p: p.company.credit_code if p.company else "", 22),
    Column("物业服务企业", lambda p: p.company.name if p.company else "", 30),  # read-only
    Column(_project("contract_start"), lambda p: p.contract_start, 13),
    Column(_project("contract_end"), lambda p: p.contract_end, 13),
    Column(_project("households"), lambda p: p.households, 8),
    Column("专业化物业管理", lambda p: "是" if p.is_managed() else "否", 10),  # read-only
    *[Column(_project(field), (lambda f: lambda p: getattr(p, f))(field), 13) for field, _label in DISCLOSURE_ITEMS],
]
