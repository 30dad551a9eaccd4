"""Who may do what to a complaint. Each rule returns "" when allowed, else the Chinese reason.

Visibility comes first (accounts.scoping.scope_complaints: a complaint out of scope is a 404);
these rules decide, for a visible complaint, which actions a user gets.
"""

from propwatch.accounts.choices import DepartmentKind as K
from propwatch.accounts.choices import Role
from propwatch.accounts.scoping import INTAKE_KINDS, ROUTED_KINDS
from propwatch.regions.models import Level as RegionLevel

_WORKERS = {Role.STAFF, Role.LEADER, Role.ADMIN}


def _dept(user):
    dept = getattr(user, "department", None)
    return dept if dept is not None and dept.is_active else None


def _worker_of(user, kinds) -> bool:
    if user.is_superuser:
        return True
    dept = _dept(user)
    return dept is not None and user.role in _WORKERS and dept.kind in kinds


def can_register(user) -> str:
    """Enter a complaint received by hotline, visit, letter, mailbox or media; import 12345 orders."""
    return "" if _worker_of(user, INTAKE_KINDS) else "只有住建部门、街道办事处和社区可以登记投诉"


def can_import(user) -> str:
    if user.is_superuser:
        return ""
    dept = _dept(user)
    if dept is not None and user.role in _WORKERS and dept.kind == K.HOUSING:
        return ""
    return "只有住建部门可以导入 12345 工单"


def can_decide(user, complaint) -> str:
    """Accept, reject or mark as duplicate."""
    if not _worker_of(user, INTAKE_KINDS):
        return "只有住建部门、街道办事处和社区可以受理投诉"
    if not complaint.can_decide():
        return f"该投诉当前为“{complaint.get_state_display()}”，不能重复处理"
    return ""


def can_reply(user, complaint) -> str:
    if not _worker_of(user, INTAKE_KINDS | ROUTED_KINDS):
        return "您的角色不能答复投诉"
    dept = _dept(user)
    if dept is not None and dept.kind in ROUTED_KINDS and complaint.handling_department_id != dept.pk:
        return "只有承办单位可以答复"
    return ""


def can_callback(user, complaint) -> str:
    if not _worker_of(user, INTAKE_KINDS):
        return "只有住建部门、街道办事处和社区可以回访"
    if not complaint.callback_due():
        if complaint.is_anonymous:
            return "问题销号后才能回访，且每次销号只回访一次；匿名投诉没有联系方式，无需回访"
        return "问题销号后才能回访，且每次销号只回访一次"
    return ""


def can_reveal(user, complaint) -> str:
    """See the complainant's full name and phone: only staff who handle the complaint.

    When the complainant asked for confidentiality, the handling (routed) department never sees
    who it is (12345 practice): only the intake offices — the housing bureau and the office that
    entered it — may, to call back.
    """
    if complaint.is_anonymous:
        return "该投诉为匿名投诉，没有投诉人信息"
    if not user.is_superuser and user.role not in _WORKERS:
        return "您的角色不能查看投诉人信息"
    if user.is_superuser:
        return ""
    dept = _dept(user)
    if dept is None:
        return "您的角色不能查看投诉人信息"
    if complaint.confidential:
        if dept.kind == K.HOUSING and dept.region.level in (RegionLevel.CITY, RegionLevel.COUNTY):
            return ""
        if complaint.received_by_department_id == dept.pk:
            return ""
        return "投诉人要求保密，只有住建部门和登记单位可以查看"
    if dept.kind in INTAKE_KINDS:
        return ""
    if dept.kind in ROUTED_KINDS and complaint.handling_department_id == dept.pk:
        return ""
    return "只有办理该投诉的工作人员可以查看投诉人信息"
