"""Who hears about a change to a problem: the people who must act next."""

from django.urls import reverse

from propwatch.accounts.choices import DepartmentKind
from propwatch.accounts.models import User

from .models import Problem

_MESSAGES = {
    "registered->assigned": ("问题已交办：{number}", "请组织整改：{project}，{focus}。期限 {deadline}。"),
    "assigned->rectifying": ("已开始整改：{number}", "{project} 的问题已开始整改。"),
    "rectifying->awaiting_verification": ("待核验：{number}", "{project} 已提交整改材料，请核验。"),
    "awaiting_verification->closed": ("已销号：{number}", "{project} 的问题已核验销号。"),
    "awaiting_verification->rectifying": ("整改被退回：{number}", "{project} 的整改未通过核验，请继续整改。"),
    "closed->rectifying": ("问题重新打开：{number}", "{project} 的问题已重新打开，请继续整改。"),
    "escalated": ("问题升级至县级督办：{number}", "{project} 的问题已由街道升级至县级督办。"),
    "joined": ("联合督办：{number}", "您的单位被列为 {project} 问题的联合督办部门。"),
    "extension_requested": ("延期申请待审批：{number}", "{project} 的问题申请延期，请审批。"),
    "extension_decided": ("延期申请已审批：{number}", "{project} 的延期申请已有审批结果。"),
}


def recipients(problem: Problem, kind: str) -> list[User]:
    users = User.objects.filter(is_active=True)
    company_users = users.filter(department__kind=DepartmentKind.PROPERTY_COMPANY,
                                 department__company_id=problem.company_id) if problem.company_id else users.none()
    responsible = users.filter(department_id=problem.responsible_department_id)
    joint = users.filter(department__in=problem.joint_departments.all())
    county_code = problem.project.community.path.strip("/").split("/")[1]
    county_housing = users.filter(department__kind=DepartmentKind.HOUSING, department__region__code=county_code)
    if kind in ("registered->assigned", "awaiting_verification->rectifying", "closed->rectifying"):
        chosen = responsible | company_users
    elif kind == "rectifying->awaiting_verification":
        chosen = responsible if problem.level == "street" else responsible | county_housing
    elif kind == "awaiting_verification->closed":
        chosen = company_users | responsible
    elif kind in ("escalated", "extension_requested"):
        chosen = county_housing
    elif kind == "joined":
        chosen = joint
    elif kind == "extension_decided":
        chosen = responsible | company_users
    else:
        chosen = users.none()
    return list(chosen.distinct())


def on_problem_change(problem_id: int, kind: str) -> None:
    from propwatch.notifications.services import notify

    problem = Problem.objects.select_related("project", "project__community").get(pk=problem_id)
    title, body = _MESSAGES.get(kind, ("问题有更新：{number}", "{project}"))
    from django.utils import timezone

    values = {"number": problem.number, "project": problem.project.name, "focus": problem.get_focus_display(),
              "deadline": timezone.localtime(problem.deadline).strftime("%Y-%m-%d %H:%M") if problem.deadline else "—"}
    url = reverse("ledger:problem_detail", args=[problem.pk])
    for user in recipients(problem, kind):
        notify(user, key=f"problem:{problem.pk}:{kind}:{problem.version}", title=title.format(**values),
               body=body.format(**values), url=url)
