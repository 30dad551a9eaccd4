"""Ledger pages: the list (filters, bulk assignment, export), registration, the problem page with
the action forms the user may use now, and the evidence files.

Views parse, check the role, and call one service each. Whether a move is legal and who may make
it is decided by the services (the transitions table and `rules`); the page uses the same rules
only to decide which forms to show. A refused move (conflict, illegal transition, not allowed) is
rendered on the problem page in Chinese and changes nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import IntegerField, Value
from django.db.models.expressions import Case, When
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from propwatch.accounts.choices import DepartmentKind
from propwatch.accounts.permissions import Action, can
from propwatch.campaigns.choices import FOCUS_LONG
from propwatch.regions.models import Region
from propwatch.registry.models import Project
from propwatch.web.form_errors import add_service_errors
from propwatch.web.listing import FilteredListView
from propwatch.web.xlsx import XLSX_TYPE

from . import exports, rules, selectors, services
from .choices import TRANSITION_LABELS, EventKind, Level, Source, State
from .errors import Conflict, IllegalTransition, LedgerError, NotAllowed
from .filters import ProblemFilter
from .forms import (
    PROJECT_OPTIONS,
    AssignForm,
    BulkAssignForm,
    CloseForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    JointForm,
    NoteForm,
    ProblemCreateForm,
    ReasonForm,
    SendBackForm,
    SubmitForm,
    project_label,
    projects_matching,
)
from .models import Evidence, Problem
from .selectors import assignable_departments

# The lifecycle order, so "sort by state" reads registered → … → closed rather than alphabetically.
STATE_ORDER = Case(*[When(state=s, then=Value(i)) for i, s in enumerate(State.values)],
                   default=Value(len(State.values)), output_field=IntegerField())


def _require(user, action: Action) -> None:
    if not can(user, action):
        raise PermissionDenied


def _is_company(user) -> bool:
    dept = getattr(user, "department", None)
    return dept is not None and dept.kind == DepartmentKind.PROPERTY_COMPANY


# ---- the list ----------------------------------------------------------------------------------

class ProblemList(FilteredListView):
    action = Action.VIEW_LEDGER
    filterset_class = ProblemFilter
    template_name = "ledger/problem_list.html"
    title = "问题台账"
    sort_fields = {
        "number": ("编号", "number"),
        "found": ("发现日期", "found_on"),
        "deadline": ("整改期限", "deadline"),
        "state": ("状态", "state_rank"),
    }
    default_sort = "-found"
    export_name = "ledger"

    def get_queryset(self):
        # Read the calendar once: the row badges, the filter and the county's hint share it.
        self.escalation = selectors.escalation_q()
        return (selectors.with_flags(selectors.problems_for(self.request.user), escalation=self.escalation)
                .annotate(state_rank=STATE_ORDER))

    def extra_context(self) -> dict:
        user = self.request.user
        supervises = rules.is_housing_above_street(user)
        # The levels at which this user may assign: the rule itself answers, for a problem of each level.
        assign_levels = {lvl for lvl in Level.values if not rules.can_assign(user, Problem(level=lvl))}
        context = {
            "can_register": not rules.can_register(user),
            "supervises": supervises,
            "is_company": _is_company(user),
            "escalation_days": settings.LEDGER_ESCALATION_OFFER_WORKING_DAYS,
            "assign_levels": assign_levels,
            "can_bulk_assign": bool(assign_levels),
            "bulk_departments": list(assignable_departments(user)) if assign_levels else [],
            "back": self.request.get_full_path(),
        }
        if supervises:
            context["escalation_offered"] = Problem.objects.visible_to(user).filter(self.escalation).count()
        return context

    def export_response(self, request, rows):
        dept = request.user.department
        office = dept.name if dept else (request.user.display_name or request.user.username)
        content = exports.ledger_workbook(rows, office=office, count=rows.count(), filters=_describe_filters(request))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content, content_type=XLSX_TYPE)
        response["Content-Disposition"] = (
            f"attachment; filename=\"ledger-{stamp}.xlsx\"; filename*=UTF-8''{quote(f'问题台账-{stamp}.xlsx')}"
        )
        return response


def _describe_filters(request) -> str:
    """The filters of an export in words, for the line under the title (县（市、区）：西陵区；状态：整改中)."""
    parts = []
    for name, f in ProblemFilter.base_filters.items():
        value = request.GET.get(name, "").strip()
        if not value:
            continue
        if name in ("county", "street"):
            value = Region.objects.filter(code=value).values_list("name", flat=True).first() or value
        else:
            value = {str(k): v for k, v in f.extra.get("choices", [])}.get(value, value)
        parts.append(f"{f.label}：{value}")
    return "；".join(parts)


def _back_to_list(request) -> str:
    """The list the user came from (with its filters), never another site."""
    target = request.POST.get("back", "")
    list_url = reverse("ledger:problem_list")
    if target.startswith(list_url) and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return list_url


@login_required
@require_POST
def bulk_assign(request):
    """Assign the ticked problems to one department; each goes through the service with its version."""
    _require(request.user, Action.VIEW_LEDGER)
    back = _back_to_list(request)
    form = BulkAssignForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    department, person = form.cleaned_data["department"], form.cleaned_data["person"]
    rows = form.cleaned_data["rows"]
    visible = Problem.objects.visible_to(request.user).in_bulk([pk for pk, _ in rows])
    done, failures = 0, []
    for pk, version in rows:
        problem = visible.get(pk)
        if problem is None:
            failures.append("所选问题不存在或不在您的管辖范围内")
            continue
        try:
            with transaction.atomic():
                services.assign_problem(actor=request.user, problem=problem, version=version,
                                        department=department, person=person)
            done += 1
        except LedgerError as exc:
            failures.append(f"{problem.number}：{exc.message}")
    if done:
        messages.success(request, f"已将 {done} 个问题交办至{department.name}")
    for failure in failures:
        messages.error(request, f"未交办 {failure}")
    return redirect(back)


# ---- registration ------------------------------------------------------------------------------

def _require_register(user) -> None:
    _require(user, Action.VIEW_LEDGER)
    if rules.can_register(user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def problem_create(request):
    _require_register(request.user)
    query = request.GET.get("project_q", "")
    initial = {"found_on": timezone.localdate(), "level": Level.STREET, "source": Source.INSPECTION}
    if (chosen := request.GET.get("project", "")).isdigit():
        initial["project"] = chosen
    form = ProblemCreateForm(request.POST or None, request.FILES or None, user=request.user, project_query=query,
                             initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # One transaction around registration and the assignment that may follow it, so a
            # refused assignment leaves no half-registered problem behind.
            with transaction.atomic():
                problem = services.register_problem(
                    actor=request.user, project=data["project"], focus=data["focus"],
                    description=data["description"], source=data["source"], found_on=data["found_on"],
                    level=data["level"], responsible_department=data["responsible_department"],
                    responsible_person=data["responsible_person"], files=data["files"],
                )
        except LedgerError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已登记问题 {problem.number}")
            return redirect("ledger:problem_detail", pk=problem.pk)
    return render(request, "ledger/problem_create.html", {
        "form": form, "title": "登记问题", "project_query": query, "project_options": form.project_options(),
        "breadcrumbs": [("问题台账", reverse("ledger:problem_list")), ("登记问题", None)],
    })


@login_required
@require_GET
def project_options(request):
    """The project select's options for a search (htmx swaps them in as the user types)."""
    _require_register(request.user)
    matches = projects_matching(request.user, request.GET.get("project_q", ""))[:PROJECT_OPTIONS]
    return render(request, "ledger/_project_options.html", {
        "options": [(p.pk, project_label(p)) for p in matches], "selected": request.GET.get("project", ""),
    })


# ---- the problem page and its actions ----------------------------------------------------------

@dataclass(frozen=True)
class ProblemAction:
    """One form on the problem page: when it is offered, and the one service it calls."""

    key: str
    label: str
    form: type[forms.Form]
    offered: Callable  # (user, problem, pending extension) -> bool
    run: Callable  # (user, problem, cleaned data) -> success message
    confirm: str = ""  # asked in the browser before an irreversible step
    button: str = "btn-primary"
    hint: str = ""


def _extension(problem, data):
    return get_object_or_404(problem.extensions.all(), pk=data["extension"])


# What each form does: one service call, and the message shown when it succeeds.

def _assign(u, p, d) -> str:
    services.assign_problem(actor=u, problem=p, version=d["version"], department=d["department"],
                            person=d["person"], note=d["note"])
    return "已交办"


def _start(u, p, d) -> str:
    services.start_rectification(actor=u, problem=p, version=d["version"], note=d["note"])
    return "已开始整改"


def _submit(u, p, d) -> str:
    services.submit_rectification(actor=u, problem=p, version=d["version"], note=d["note"], files=d["files"])
    return "已提交整改，等待核验"


def _close(u, p, d) -> str:
    services.close_problem(actor=u, problem=p, version=d["version"], note=d["note"], files=d["files"])
    return "已核验销号"


def _send_back(u, p, d) -> str:
    services.send_back(actor=u, problem=p, version=d["version"], reason=d["reason"], files=d["files"])
    return "已退回整改"


def _reopen(u, p, d) -> str:
    services.reopen_problem(actor=u, problem=p, version=d["version"], reason=d["reason"])
    return "已重新打开，问题回到整改中"


def _escalate(u, p, d) -> str:
    services.escalate_problem(actor=u, problem=p, version=d["version"], reason=d["reason"])
    return "已升级至县级督办"


def _join(u, p, d) -> str:
    services.add_joint_departments(actor=u, problem=p, version=d["version"], departments=d["departments"],
                                   note=d["note"])
    return "已增加联合督办部门"


def _supervise(u, p, d) -> str:
    services.supervise_problem(actor=u, problem=p, version=d["version"], note=d["note"])
    return "已挂牌督办"


def _request_extension(u, p, d) -> str:
    services.request_extension(actor=u, problem=p, version=d["version"], new_date=d["new_date"], reason=d["reason"])
    return f"已提交延期申请（申请延至 {d['new_date']:%Y-%m-%d}），等待上一级审批"


def _approve_extension(u, p, d) -> str:
    services.decide_extension(actor=u, extension=_extension(p, d), approve=True, note=d["note"])
    return "已批准延期，整改期限已更新"


def _reject_extension(u, p, d) -> str:
    services.decide_extension(actor=u, extension=_extension(p, d), approve=False, note=d["note"])
    return "已驳回延期申请"


def _decides_extension(u, p, ext) -> bool:
    return ext is not None and ext.requested_by_id != u.pk and not rules.can_decide_extension(u, p)


ACTIONS: list[ProblemAction] = [
    ProblemAction("assign", "交办", AssignForm,
                  lambda u, p, ext: p.can_move_to(State.ASSIGNED) and not rules.can_assign(u, p), _assign,
                  hint="指定整改责任单位，通知责任单位和物业服务企业组织整改。"),
    ProblemAction("start", "开始整改", NoteForm,
                  lambda u, p, ext: p.state == State.ASSIGNED and p.can_move_to(State.RECTIFYING)
                  and not rules.can_start(u, p), _start),
    ProblemAction("submit", "提交整改", SubmitForm,
                  lambda u, p, ext: p.can_move_to(State.AWAITING_VERIFICATION) and not rules.can_submit(u, p),
                  _submit, hint="写明整改情况，并上传至少一份整改后的照片或 PDF。"),
    ProblemAction("close", "核验销号", CloseForm,
                  lambda u, p, ext: p.can_move_to(State.CLOSED) and not rules.can_verify(u, p), _close,
                  confirm="确认整改已到位并销号？销号后只有县级以上住建部门可以重新打开。", button="btn-success"),
    ProblemAction("send_back", "退回整改", SendBackForm,
                  lambda u, p, ext: p.state == State.AWAITING_VERIFICATION and p.can_move_to(State.RECTIFYING)
                  and not rules.can_verify(u, p), _send_back,
                  confirm="确认退回整改？", button="btn-warning"),
    ProblemAction("reopen", "重新打开", ReasonForm,
                  lambda u, p, ext: p.state == State.CLOSED and p.can_move_to(State.RECTIFYING)
                  and not rules.can_reopen(u, p), _reopen,
                  confirm="确认重新打开已销号的问题？", button="btn-warning"),
    ProblemAction("escalate", "升级至县级督办", ReasonForm,
                  lambda u, p, ext: not rules.can_escalate(u, p), _escalate,
                  confirm="确认将该问题升级至县级住建部门督办？升级后不能撤回。", button="btn-warning",
                  hint="街道无法就地化解的问题，写明原因后升级至县级住建部门督办。"),
    ProblemAction("join", "联合督办", JointForm,
                  lambda u, p, ext: not rules.can_supervise(u, p), _join,
                  confirm="确认增加所选部门联合督办？", button="btn-outline-primary",
                  hint="增加本县（市、区）的公安、市场监管等部门联合督办。"),
    ProblemAction("supervise", "挂牌督办", NoteForm,
                  lambda u, p, ext: not p.supervised and not rules.can_supervise(u, p), _supervise,
                  confirm="确认对该问题挂牌督办？", button="btn-outline-danger"),
    ProblemAction("request_extension", "申请延期", ExtensionRequestForm,
                  lambda u, p, ext: ext is None and not rules.can_request_extension(u, p), _request_extension,
                  button="btn-outline-primary", hint="写明理由，由上一级审批：街道层级由县级住建部门审批，县级督办由市住建局审批。"),
    ProblemAction("approve_extension", "批准延期", ExtensionDecisionForm, _decides_extension, _approve_extension,
                  confirm="确认批准延期？", button="btn-success"),
    ProblemAction("reject_extension", "驳回延期", ExtensionDecisionForm, _decides_extension, _reject_extension,
                  confirm="确认驳回延期申请？", button="btn-outline-danger", hint="驳回须填写原因。"),
]
ACTIONS_BY_KEY = {a.key: a for a in ACTIONS}


def _timeline(problem: Problem, *, show_names: bool) -> list[dict]:
    rows = []
    for e in problem.events.prefetch_related("evidence"):
        if e.kind == EventKind.TRANSITION:
            title = TRANSITION_LABELS.get((e.from_state, e.to_state), e.get_kind_display())
        else:
            title = e.get_kind_display()
        who = e.actor_department or ""
        if show_names and e.actor_name:
            who = f"{e.actor_department} {e.actor_name}".strip()
        rows.append({
            "event": e, "title": title, "who": who or "系统",
            "from": State(e.from_state).label if e.from_state else "",
            "to": State(e.to_state).label if e.to_state else "",
            "evidence": list(e.evidence.all()),
        })
    return rows


def _initial_from_post(request, form_class) -> dict:
    """What the user typed into the failed form, so a refused action does not lose the text."""
    data = {}
    for name, field in form_class.base_fields.items():
        if name in ("version", "files") or name not in request.POST:
            continue
        data[name] = request.POST.getlist(name) if isinstance(field, forms.MultipleChoiceField) else request.POST[name]
    return data


def _detail(request, problem: Problem, *, failed: str = "", error: str = "", status: int = 200):
    user = request.user
    is_company = _is_company(user)
    pending = selectors.pending_extension(problem)
    offered = []
    for action in ACTIONS:
        if not action.offered(user, problem, pending):
            continue
        initial = {"version": problem.version}
        if action.form is ExtensionDecisionForm:
            initial["extension"] = pending.pk
        if action.key == "assign" and problem.responsible_department_id:
            initial["department"] = problem.responsible_department_id
        if action.key == failed:
            initial |= _initial_from_post(request, action.form)
        offered.append({"action": action, "form": action.form(initial=initial, user=user, problem=problem)})
    submitter_waiting = (problem.state == State.AWAITING_VERIFICATION and problem.submitted_by_id == user.pk)
    project_link = can(user, Action.VIEW_REGISTRY) and Project.objects.visible_to(user).filter(
        pk=problem.project_id).exists()
    register_event = problem.events.filter(kind=EventKind.REGISTER).first()
    # The complaints behind the problem, for staff who handle complaints (never for the company).
    linked_complaints = []
    if not is_company and can(user, Action.VIEW_COMPLAINTS):
        from propwatch.complaints.models import Complaint

        linked_complaints = list(Complaint.objects.visible_to(user).filter(problem=problem).order_by("received_at"))
    context = {
        "problem": problem, "is_company": is_company, "pending": pending, "actions": offered,
        "focus_long": FOCUS_LONG.get(problem.focus, ""), "timeline": _timeline(problem, show_names=not is_company),
        "joint_departments": list(problem.joint_departments.all()),
        "loose_evidence": list(problem.evidence.filter(event__isnull=True)),
        "registered_by_department": register_event.actor_department if register_event else "",
        "submitter_waiting": submitter_waiting, "project_link": project_link,
        "linked_complaints": linked_complaints,
        "error": error, "failed": ACTIONS_BY_KEY[failed].label if failed else "", "status_conflict": status == 409,
        "offer_escalation": problem.state != State.CLOSED and Problem.objects.filter(
            pk=problem.pk).filter(selectors.escalation_q()).exists(),
        "escalation_days": settings.LEDGER_ESCALATION_OFFER_WORKING_DAYS,
        "breadcrumbs": [("问题台账", reverse("ledger:problem_list")), (problem.number, None)],
    }
    return render(request, "ledger/problem_detail.html", context, status=status)


@login_required
@require_GET
def problem_detail(request, pk: int):
    _require(request.user, Action.VIEW_LEDGER)
    return _detail(request, selectors.get_problem_for(request.user, pk))


@login_required
@require_POST
def problem_action(request, pk: int, action: str):
    _require(request.user, Action.VIEW_LEDGER)
    problem = selectors.get_problem_for(request.user, pk)
    spec = ACTIONS_BY_KEY.get(action)
    if spec is None:
        raise Http404
    form = spec.form(request.POST, request.FILES, user=request.user, problem=problem)
    if not form.is_valid():
        first = next(iter(e for errors in form.errors.values() for e in errors))
        return _detail(request, problem, failed=action, error=first)
    try:
        # The service runs in its own transaction; this one also covers the files it stores
        # and makes a refused step leave nothing behind.
        with transaction.atomic():
            message = spec.run(request.user, problem, form.cleaned_data)
    except (Conflict, IllegalTransition, NotAllowed) as exc:
        # Show the problem as it is now: the move was refused and nothing was written.
        fresh = selectors.get_problem_for(request.user, pk)
        return _detail(request, fresh, failed=action, error=exc.message, status=exc.status)
    except LedgerError as exc:
        return _detail(request, selectors.get_problem_for(request.user, pk), failed=action, error=exc.message)
    except ValidationError as exc:
        return _detail(request, selectors.get_problem_for(request.user, pk), failed=action,
                       error="；".join(exc.messages))
    messages.success(request, f"{problem.number}：{message}")
    return redirect("ledger:problem_detail", pk=problem.pk)


# ---- evidence ----------------------------------------------------------------------------------

_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}


@login_required
@require_GET
def evidence_file(request, pk: int):
    """Serve one evidence file, only when its problem is visible to the user (else 404)."""
    evidence = get_object_or_404(
        Evidence.objects.select_related("problem"), pk=pk,
        problem__in=Problem.objects.visible_to(request.user).values("pk"),
    )
    ext = _EXTENSIONS.get(evidence.content_type)
    if ext is None:  # only the types the upload check accepts are ever served
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    # A name made of the problem number: nothing of the uploader's file name reaches the header.
    response = FileResponse(handle, content_type=evidence.content_type, as_attachment=False,
                            filename=f"{evidence.problem.number}-{evidence.pk}.{ext}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=600"
    return response
