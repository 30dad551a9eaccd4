"""Columns of the registry exports (the same rows as the filtered list page)."""

from propwatch.web.xlsx import Column

from .models import DISCLOSURE_ITEMS

COMPANY_COLUMNS = [
    Column("企业名称", lambda c: c.name, 36),
    Column("统一社会信用代码", lambda c: c.credit_code, 22),
    Column("备案编号", lambda c: c.filing_no, 16),
    Column("法定代表人", lambda c: c.legal_representative, 12),
    Column("联系电话", lambda c: c.contact_phone, 15),
    Column("注册地址", lambda c: c.address, 30),
    Column("注册所在地", lambda c: c.region.name if c.region else "", 14),
    Column("在管项目数", lambda c: c.project_count, 10),
    Column("校验位例外说明", lambda c: c.credit_code_override_reason, 24),
]


def _county(p):
    return p.community.parent.parent.name


PROJECT_COLUMNS = [
    Column("项目编号", lambda p: p.code, 16),
    Column("项目名称", lambda p: p.name, 26),
    Column("县（市、区）", _county, 14),
    Column("街道（乡镇）", lambda p: p.community.parent.name, 14),
    Column("社区", lambda p: p.community.name, 14),
    Column("社区代码", lambda p: p.community.code, 14),
    Column("地址", lambda p: p.address, 30),
    Column("物业服务企业", lambda p: p.company.name if p.company else "", 30),
    Column("企业统一社会信用代码", lambda p: p.company.credit_code if p.company else "", 22),
    Column("合同开始日期", lambda p: p.contract_start, 13),
    Column("合同结束日期", lambda p: p.contract_end, 13),
    Column("户数", lambda p: p.households, 8),
    Column("专业化物业管理", lambda p: "是" if p.is_managed() else "否", 10),
    *[Column(f"{label}公示日期", (lambda f: lambda p: getattr(p, f))(field), 13) for field, label in DISCLOSURE_ITEMS],
]
