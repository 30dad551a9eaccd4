from django.db import models


class DepartmentKind(models.TextChoices):
    HOUSING = "housing", "住建部门"  # leads the campaign, investigates companies
    DRC = "drc", "发改部门"  # credit records and joint punishment
    POLICE = "police", "公安机关"  # violence, threats, fraud
    CIVIL_AFFAIRS = "civil_affairs", "民政部门"  # community committees, three-party linkage
    MARKET_REGULATION = "market_regulation", "市场监管部门"  # contracts, prices, competition
    STREET_OFFICE = "street_office", "街道办事处、乡镇政府"  # patrols, resolves on the spot
    COMMUNITY_COMMITTEE = "community_committee", "社区居委会"
    PROPERTY_COMPANY = "property_company", "物业服务企业"
    ASSOCIATION = "association", "行业协会"


class Role(models.TextChoices):
    STAFF = "staff", "工作人员"  # does the daily work of the department
    LEADER = "leader", "负责人"  # approves what the department sends up
    ADMIN = "admin", "管理员"  # manages the department's users (at city housing: the whole system)
    AUDITOR = "auditor", "审计员"  # reads everything in scope and the audit log, changes nothing
