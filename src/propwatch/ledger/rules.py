"""Who may do what to a problem. Each rule returns "" when allowed, else the Chinese reason.

Visibility is decided by the scoping helper before these run (a problem out of scope is a 404);
these rules decide, for a visible problem, which buttons a user gets and which moves succeed.
"""

from propwatch.accounts.choices import DepartmentKind as K
from propwatch.accounts.choices import Role
from propwatch.regions.models import Level as RegionLevel

from .choices import Level, State

_WORKERS = {Role.STAFF, Role.LEADER, Role.ADMIN}
OFFICES = {K.HOUSING, K.STREET_OFFICE, K.COMMUNITY_COMMITTEE}


def _dept(user):
    dept = getattr(user, "department", None)
    return dept if dept is not None and dept.is_active else None


def _worker(user) -> bool:
    return user.is_superuser or (_dept(user) is not None and user.role in _WORKERS)


def is_company_of(user, problem) -> bool:
    dept = _dept(user)
    return dept is not None and dept.kind == K.PROPERTY_COMPANY and dept.company_id == problem.company_id


def is_housing_above_street(user) -> bool:
    """County or city housing bureau: the level that supervises, escalates and approves."""
    dept = _dept(user)
    return user.is_superuser or (
        dept is not None and dept.kind == K.HOUSING and dept.region.level in (RegionLevel.CITY, RegionLevel.COUNTY)
    )


def is_city_housing(user) -> bool:
    dept = _dept(user)
    return user.is_superuser or (dept is not None and dept.kind == K.HOUSING and dept.region.level == RegionLevel.CITY)


def is_responsible(user, problem) -> bool:
    dept = _dept(user)
    return dept is not None and (
        dept.pk == problem.responsible_department_id
        or problem.joint_departments.filter(pk=dept.pk).exists()
    )


def can_register(user) -> str:
    if user.is_superuser:
        return ""
    dept = _dept(user)
    if dept is None or user.role not in _WORKERS or dept.kind not in OFFICES:
        return "只有住建部门、街道办事处和社区可以登记台账问题"
    return ""


def can_assign(user, problem) -> str:
    if not _worker(user):
        return "您的角色不能交办问题"
    dept = _dept(user)
    if is_housing_above_street(user):
        return ""
    if dept is not None and dept.kind == K.STREET_OFFICE and problem.level == Level.STREET:
        return ""
    return "只有街道办事处（街道层级问题）或县级以上住建部门可以交办"


def can_start(user, problem) -> str:
    if is_company_of(user, problem) or (_worker(user) and (is_responsible(user, problem) or is_housing_above_street(user))):
        return ""
    return "只有责任单位或该项目的物业服务企业可以开始整改"


def can_submit(user, problem) -> str:
    if is_company_of(user, problem) or (_worker(user) and is_responsible(user, problem)):
        return ""
    return "只有该项目的物业服务企业或整改责任单位可以提交整改"


def can_verify(user, problem) -> str:
    """Close or send back: the responsible office or the housing bureau above, never the submitter."""
    if not _worker(user) or is_company_of(user, problem):
        return "只有责任单位或住建部门可以核验"
    dept = _dept(user)
    if not (is_responsible(user, problem) or is_housing_above_street(user)
            or (dept is not None and dept.kind in OFFICES and problem.level == Level.STREET)):
        return "只有责任单位或住建部门可以核验"
    if problem.submitted_by_id is not None and problem.submitted_by_id == user.pk:
        return "整改提交人不能核验自己提交的整改，请由其他人员核验"
    return ""


def can_reopen(user, problem) -> str:
    return "" if _worker(user) and is_housing_above_street(user) else "只有县级以上住建部门可以重新打开已销号的问题"


def can_escalate(user, problem) -> str:
    if problem.level != Level.STREET:
        return "该问题已在县级督办"
    if problem.state == State.CLOSED:
        return "已销号的问题不能升级"
    dept = _dept(user)
    if _worker(user) and (is_housing_above_street(user) or (dept is not None and dept.kind in OFFICES)):
        return ""
    return "只有街道办事处、社区或住建部门可以升级问题"


def can_supervise(user, problem) -> str:
    """Add joint departments or mark supervised (挂牌督办): the county housing bureau or above."""
    if problem.state == State.CLOSED:
        return "已销号的问题不能督办"
    return "" if _worker(user) and is_housing_above_street(user) else "只有县级以上住建部门可以联合督办或挂牌督办"


def can_request_extension(user, problem) -> str:
    if problem.state == State.CLOSED:
        return "已销号的问题不能申请延期"
    if is_company_of(user, problem) or (_worker(user) and is_responsible(user, problem)):
        return ""
    return "只有责任单位或物业服务企业可以申请延期"


def can_decide_extension(user, problem) -> str:
    """The level above approves: county housing for street problems, city housing for county ones."""
    if not _worker(user):
        return "您的角色不能审批延期"
    if problem.level == Level.STREET and is_housing_above_street(user):
        return ""
    if problem.level != Level.STREET and is_city_housing(user):
        return ""
    return "延期须由上一级审批：街道层级由县级住建部门审批，县级督办由市住建局审批"


TRANSITION_RULES = {
    State.ASSIGNED: can_assign,
    State.RECTIFYING: None,  # depends on the source state: start, send back or reopen
    State.AWAITING_VERIFICATION: can_submit,
    State.CLOSED: can_verify,
}


def rule_for(problem, target: str):
    if target == State.RECTIFYING:
        return {State.ASSIGNED: can_start, State.AWAITING_VERIFICATION: can_verify,
                State.CLOSED: can_reopen}.get(problem.state, can_start)
    return TRANSITION_RULES.get(target)
