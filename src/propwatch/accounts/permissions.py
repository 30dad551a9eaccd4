"""Which role may do which action: the one table that views, the API and templates read.

Visibility (which rows) is decided separately by `scoping`; this module only answers "may this
user do this kind of thing at all". A view checks both: the action here, the object through a
scoped queryset.
"""

from collections.abc import Callable
from enum import StrEnum

from propwatch.regions.models import Level

from .choices import DepartmentKind as K
from .choices import Role as R


class Action(StrEnum):
    VIEW_REGISTRY = "view_registry"
    EDIT_REGISTRY = "edit_registry"  # create and edit companies and projects
    EDIT_DISCLOSURE = "edit_disclosure"  # tick the focus-5 disclosure checklist after a visit
    IMPORT_REGISTRY = "import_registry"
    EXPORT = "export"
    OVERRIDE_CREDIT_CODE = "override_credit_code"  # accept a code that fails the check digit
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    VIEW_LEDGER = "view_ledger"  # the problem ledger (台账); which rows and moves is scoping's and ledger.rules' job
    MANAGE_CALENDAR = "manage_calendar"  # holiday / make-up day table and time limits per focus problem
    VIEW_COMPLAINTS = "view_complaints"  # complaint records; which rows is scoping's job, which moves complaints.rules'


def _dept(user):
    return getattr(user, "department", None) if user and user.is_authenticated else None


def _is(kinds: set[str], roles: set[str] | None = None, levels: set[str] | None = None) -> Callable:
    def rule(user) -> bool:
        dept = _dept(user)
        if dept is None or not dept.is_active:
            return False
        if dept.kind not in kinds:
            return False
        if roles is not None and user.role not in roles:
            return False
        return levels is None or dept.region.level in levels

    return rule


_WORKERS = {R.STAFF, R.LEADER, R.ADMIN}
_GOV = {K.HOUSING, K.DRC, K.POLICE, K.CIVIL_AFFAIRS, K.MARKET_REGULATION, K.STREET_OFFICE,
        K.COMMUNITY_COMMITTEE, K.ASSOCIATION}

RULES: dict[Action, Callable] = {
    Action.VIEW_REGISTRY: _is(_GOV | {K.PROPERTY_COMPANY}),
    Action.EDIT_REGISTRY: _is({K.HOUSING}, _WORKERS, {Level.CITY, Level.COUNTY}),
    Action.EDIT_DISCLOSURE: _is({K.HOUSING, K.STREET_OFFICE, K.COMMUNITY_COMMITTEE}, _WORKERS),
    Action.IMPORT_REGISTRY: _is({K.HOUSING}, _WORKERS, {Level.CITY, Level.COUNTY}),
    Action.EXPORT: _is(_GOV | {K.PROPERTY_COMPANY}),
    Action.OVERRIDE_CREDIT_CODE: _is({K.HOUSING}, {R.LEADER, R.ADMIN}, {Level.CITY}),
    Action.MANAGE_USERS: _is({K.HOUSING}, {R.ADMIN}, {Level.CITY}),
    Action.VIEW_AUDIT: lambda user: _is({K.HOUSING}, {R.ADMIN, R.AUDITOR}, {Level.CITY})(user),
    Action.VIEW_LEDGER: _is(_GOV | {K.PROPERTY_COMPANY}),
    Action.MANAGE_CALENDAR: _is({K.HOUSING}, {R.ADMIN}, {Level.CITY}),
    # Offices that take complaints in, and police / market regulation for what is routed to them.
    # Never a property company: it reads the ledger problem, not the complaint.
    Action.VIEW_COMPLAINTS: _is({K.HOUSING, K.STREET_OFFICE, K.COMMUNITY_COMMITTEE, K.POLICE, K.MARKET_REGULATION}),
}

DESCRIPTIONS: dict[Action, str] = {
    Action.VIEW_REGISTRY: "查看企业和项目",
    Action.EDIT_REGISTRY: "新增、修改企业和项目",
    Action.EDIT_DISCLOSURE: "登记公示情况",
    Action.IMPORT_REGISTRY: "批量导入企业和项目",
    Action.EXPORT: "导出列表",
    Action.OVERRIDE_CREDIT_CODE: "确认未通过校验的统一社会信用代码",
    Action.MANAGE_USERS: "管理用户",
    Action.VIEW_AUDIT: "查看审计日志",
    Action.VIEW_LEDGER: "查看问题台账",
    Action.MANAGE_CALENDAR: "维护节假日安排和整改时限",
    Action.VIEW_COMPLAINTS: "查看和办理投诉举报",
}


def can(user, action: Action) -> bool:
    """True when the user's department kind, level and role allow the action."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return RULES[action](user)


def allowed_actions(user) -> set[str]:
    """Every action the user may take; templates read `perms_pw.edit_registry` etc."""
    return {str(a) for a in Action if can(user, a)}
