"""Every write to the ledger: one function per verb, one transaction each, an event per change.

Each service takes the acting user as `actor=`, the problem version the user saw (`version=`,
optimistic locking), checks the transitions table and the rules, writes the new state and a
`ProblemEvent` in one transaction together with an audit row, and sends notifications after
commit.
"""

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from propwatch.audit.services import record_change, snapshot

from . import rules
from .choices import (
    TRANSITION_LABELS,
    TRANSITIONS,
    EventKind,
    EvidenceKind,
    ExtensionState,
    Level,
    Source,
    State,
)
from .deadlines import default_deadline, end_of_day, time_limit
from .errors import Conflict, IllegalTransition, LedgerError, NotAllowed
from .evidence_files import store_evidence
from .models import DeadlineExtension, Problem, ProblemEvent

PROBLEM_AUDIT_FIELDS = ["number", "state", "level", "supervised", "responsible_department_id",
                        "responsible_person", "deadline", "deadline_provisional", "focus", "description",
                        "company_id", "project_id", "version"]


def _check(reason: str) -> None:
    if reason:
        raise NotAllowed(reason)


def _locked(problem: Problem, version: int | None) -> Problem:
    """Re-read the row under a lock and refuse when it changed since the user saw it."""
    current = Problem.objects.select_for_update().get(pk=problem.pk)
    if version is not None and current.version != int(version):
        last = current.events.order_by("-at", "-id").first()
        # The department, not the officer: company users read this message too.
        who = f"{last.actor_department or '其他单位'}于{timezone.localtime(last.at):%m-%d %H:%M}" if last else "其他人员"
        raise Conflict(f"该问题已被{who}修改（当前状态：{current.get_state_display()}），"
                       "您的操作未保存。请刷新页面查看最新情况后再操作。")
    return current


def _event(problem: Problem, *, actor, kind: str, note: str = "", from_state: str = "", to_state: str = "",
           data: dict | None = None) -> ProblemEvent:
    dept = getattr(actor, "department", None)
    return ProblemEvent.objects.create(
        problem=problem, kind=kind, note=note, from_state=from_state, to_state=to_state, actor=actor,
        actor_name=actor.display_name or actor.username, actor_department=dept.name if dept else "",
        data=data or {},
    )


def _save(problem: Problem, *, actor, before: dict, note: str = "") -> None:
    problem.version += 1
    problem.save()
    record_change(actor=actor, obj=problem, before=before, note=note, fields=PROBLEM_AUDIT_FIELDS)


def _attach(problem, event, files, kind, actor) -> None:
    for f in files or ():
        store_evidence(problem=problem, event=event, upload=f, kind=kind, actor=actor)


def _notify_after_commit(problem_id: int, kind: str) -> None:
    from propwatch.notifications.services import notify_problem_change

    # robust: a failed notification is logged, never undoes or fails the committed change.
    transaction.on_commit(lambda: notify_problem_change(problem_id, kind), robust=True)


def _next_number(problem: Problem) -> str:
    county = problem.project.community.path.strip("/").split("/")[1]
    prefix = f"{county}-{problem.found_on.year}-"
    last = (Problem.objects.filter(number__startswith=prefix).order_by("-number")
            .values_list("number", flat=True).first())
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


# ---- registration ------------------------------------------------------------------------------

@transaction.atomic  # registration and the optional first assignment stand or fall together
def register_problem(
    *, actor, project, focus: int, description: str, source: str, found_on: datetime.date,
    level: str = Level.STREET, company=None, responsible_department=None, responsible_person: str = "",
    deadline: datetime.datetime | None = None, files: Iterable = (), now: datetime.datetime | None = None,
) -> Problem:
    """Open a problem in the ledger. Complaints, inspections and self-inspections come through here."""
    _check(rules.can_register(actor))
    description = (description or "").strip()
    if not description:
        raise LedgerError("请填写问题描述")
    if focus not in range(1, 7):
        raise LedgerError("请选择整治重点（1–6）")
    if source not in Source.values:
        raise LedgerError("问题来源不正确")
    today = timezone.localdate(now)
    if found_on > today:
        raise LedgerError("发现日期不能晚于今天")
    provisional, limit_days = False, None
    if deadline is None:
        deadline, provisional = default_deadline(focus, found_on, now)
        limit_days = time_limit(focus).get("working_days")
    elif deadline < (now or timezone.now()):
        raise LedgerError("整改期限不能早于当前时间")
    for attempt in range(5):
        try:
            with transaction.atomic():
                problem = Problem(
                    source=source, project=project, company=company if company is not None else project.company,
                    focus=focus, description=description, found_on=found_on, level=level,
                    responsible_department=responsible_department, responsible_person=responsible_person,
                    deadline=deadline, deadline_provisional=provisional, limit_working_days=limit_days,
                    created_by=actor,
                )
                problem.number = _next_number(problem)
                problem.save()
                event = _event(problem, actor=actor, kind=EventKind.REGISTER, to_state=State.REGISTERED,
                               note=f"来源：{problem.get_source_display()}")
                _attach(problem, event, files, EvidenceKind.FOUND, actor)
                record_change(actor=actor, obj=problem, before=None)
            break
        except IntegrityError:
            # Two registrations took the same number at once: take the next one.
            if attempt == 4:
                raise
    if responsible_department is not None:
        problem = assign_problem(actor=actor, problem=problem, version=problem.version,
                                 department=responsible_department, person=responsible_person)
    return problem


# ---- transitions -------------------------------------------------------------------------------

@transaction.atomic
def _move(*, actor, problem: Problem, version, target: str, note: str = "", data: dict | None = None,
          update=None, files: Iterable = (), evidence_kind: str = "", rule=None) -> Problem:
    problem = _locked(problem, version)
    if target not in TRANSITIONS.get(problem.state, set()):
        allowed = "、".join(TRANSITION_LABELS[(problem.state, t)] for t in TRANSITIONS.get(problem.state, ()))
        raise IllegalTransition(
            f"问题当前为“{problem.get_state_display()}”，不能变更为“{State(target).label}”。"
            + (f"当前可以：{allowed}" if allowed else "")
        )
    rule = rule or rules.rule_for(problem, target)
    if rule is not None:
        _check(rule(actor, problem))
    before = snapshot(problem, PROBLEM_AUDIT_FIELDS)
    from_state = problem.state
    problem.state = target
    if update:
        update(problem)
    _save(problem, actor=actor, before=before, note=TRANSITION_LABELS[(from_state, target)])
    event = _event(problem, actor=actor, kind=EventKind.TRANSITION, from_state=from_state, to_state=target,
                   note=note, data=data)
    _attach(problem, event, files, evidence_kind, actor)
    _notify_after_commit(problem.pk, f"{from_state}->{target}")
    return problem


def assign_problem(*, actor, problem: Problem, version, department, person: str = "", note: str = "",
                   routing_complaint: bool = False) -> Problem:
    """Make a department responsible.

    `routing_complaint=True` is the complaint intake's routing (complaints.accept_complaint):
    the office that accepts a complaint sends it to the route's department (police, market
    regulation, …) even where it could not assign a county-level problem in the ledger; that
    decision was checked by the complaint rules.
    """
    rule = (lambda user, p: "") if routing_complaint else None
    if not routing_complaint:
        _check(rules.can_assign(actor, problem))  # a refusal comes before any complaint about the input
    if department is None:
        raise LedgerError("请选择整改责任单位")

    def update(p):
        p.responsible_department = department
        p.responsible_person = person or p.responsible_person

    return _move(actor=actor, problem=problem, version=version, target=State.ASSIGNED, update=update,
                 note=note or f"交办至{department.name}", data={"department": department.pk}, rule=rule)


def start_rectification(*, actor, problem: Problem, version, note: str = "") -> Problem:
    # RECTIFYING is also the target of send-back and reopen, which need a reason: only this move
    # starts from ASSIGNED, so anything else must not slip through here without one.
    if problem.state != State.ASSIGNED:
        with transaction.atomic():
            problem = _locked(problem, version)
        raise IllegalTransition(f"问题当前为“{problem.get_state_display()}”，只有已交办的问题可以开始整改")
    return _move(actor=actor, problem=problem, version=version, target=State.RECTIFYING, note=note)


def submit_rectification(*, actor, problem: Problem, version, note: str, files: Iterable) -> Problem:
    """The responsible party reports the rectification: a note and at least one file."""
    files = list(files or ())
    if not (note or "").strip():
        raise LedgerError("请填写整改情况说明")
    if not files:
        raise LedgerError("请上传至少一份整改佐证材料（照片或 PDF）")

    def update(p):
        p.submitted_by = actor
        p.rectification_note = note.strip()

    return _move(actor=actor, problem=problem, version=version, target=State.AWAITING_VERIFICATION,
                 note=note.strip(), update=update, files=files, evidence_kind=EvidenceKind.RECTIFICATION)


def close_problem(*, actor, problem: Problem, version, note: str = "", files: Iterable = ()) -> Problem:
    """Verify and close (销号). The verifier is never the person who submitted the rectification."""
    def update(p):
        p.closed_at = timezone.now()
        p.closed_by = actor

    return _move(actor=actor, problem=problem, version=version, target=State.CLOSED, note=note or "核验通过，予以销号",
                 update=update, files=files, evidence_kind=EvidenceKind.VERIFICATION)


@transaction.atomic  # _locked uses SELECT … FOR UPDATE, which PostgreSQL refuses outside a transaction
def send_back(*, actor, problem: Problem, version, reason: str, files: Iterable = ()) -> Problem:
    if not (reason or "").strip():
        raise LedgerError("退回整改须填写原因")
    if problem.state != State.AWAITING_VERIFICATION:
        problem = _locked(problem, version)
        raise IllegalTransition(f"问题当前为“{problem.get_state_display()}”，只有待核验的问题可以退回整改")
    def update(p):
        # The rejected report stays in the timeline; the problem itself waits for a new one.
        p.rectification_note = ""
        p.submitted_by = None

    return _move(actor=actor, problem=problem, version=version, target=State.RECTIFYING, note=reason.strip(),
                 update=update, files=files, evidence_kind=EvidenceKind.VERIFICATION, data={"sent_back": True})


@transaction.atomic  # as send_back: _locked needs a transaction on PostgreSQL
def reopen_problem(*, actor, problem: Problem, version, reason: str) -> Problem:
    if not (reason or "").strip():
        raise LedgerError("重新打开须填写原因")
    if problem.state != State.CLOSED:
        problem = _locked(problem, version)
        raise IllegalTransition(f"问题当前为“{problem.get_state_display()}”，只有已销号的问题可以重新打开")

    def update(p):
        p.closed_at = None
        p.closed_by = None
        p.submitted_by = None

    return _move(actor=actor, problem=problem, version=version, target=State.RECTIFYING, note=reason.strip(),
                 update=update, data={"reopened": True})


@transaction.atomic
def reopen_after_callback(*, actor, problem: Problem, reason: str) -> Problem:
    """A complainant was not satisfied at the callback: the problem goes back to rectification.

    The callback staff (street, community or housing) may do this, unlike a discretionary reopen,
    which needs the county housing bureau: the resident's verdict is the reason.
    """
    if problem.state != State.CLOSED:
        problem = _locked(problem, None)
        raise IllegalTransition(f"问题当前为“{problem.get_state_display()}”，只有已销号的问题可以因回访不满意重新整改")

    def update(p):
        p.closed_at = None
        p.closed_by = None
        p.submitted_by = None

    return _move(actor=actor, problem=problem, version=None, target=State.RECTIFYING, note=reason.strip(),
                 update=update, data={"reopened": True, "callback": True}, rule=lambda user, p: "")


def transition(*, actor, problem: Problem, target: str, version, note: str = "", files: Iterable = (),
               department=None) -> Problem:
    """Dispatch a requested target state to the service for that move (used by the API)."""
    if target not in State.values:
        raise LedgerError(f"未知的状态“{target}”")
    if target == State.ASSIGNED:
        return assign_problem(actor=actor, problem=problem, version=version, department=department or
                              problem.responsible_department, note=note)
    if target == State.AWAITING_VERIFICATION:
        return submit_rectification(actor=actor, problem=problem, version=version, note=note, files=files)
    if target == State.CLOSED:
        return close_problem(actor=actor, problem=problem, version=version, note=note, files=files)
    if target == State.RECTIFYING and problem.state == State.AWAITING_VERIFICATION:
        return send_back(actor=actor, problem=problem, version=version, reason=note, files=files)
    if target == State.RECTIFYING and problem.state == State.CLOSED:
        return reopen_problem(actor=actor, problem=problem, version=version, reason=note)
    return _move(actor=actor, problem=problem, version=version, target=target, note=note)


# ---- levels, supervision, deadlines ------------------------------------------------------------

@transaction.atomic
def escalate_problem(*, actor, problem: Problem, version, reason: str) -> Problem:
    """A street-level problem that cannot be resolved on the spot goes to the county housing bureau."""
    if not (reason or "").strip():
        raise LedgerError("升级至县级督办须填写原因")
    problem = _locked(problem, version)
    _check(rules.can_escalate(actor, problem))
    before = snapshot(problem, PROBLEM_AUDIT_FIELDS)
    problem.level = Level.COUNTY
    _save(problem, actor=actor, before=before, note="升级至县级督办")
    _event(problem, actor=actor, kind=EventKind.ESCALATE, note=reason.strip())
    _notify_after_commit(problem.pk, "escalated")
    return problem


@transaction.atomic
def add_joint_departments(*, actor, problem: Problem, version, departments, note: str = "") -> Problem:
    departments = list(departments)
    if not departments:
        raise LedgerError("请选择联合督办部门")
    problem = _locked(problem, version)
    _check(rules.can_supervise(actor, problem))
    before = snapshot(problem, PROBLEM_AUDIT_FIELDS)
    problem.level = Level.JOINT
    problem.joint_departments.add(*departments)
    _save(problem, actor=actor, before=before, note="联合督办")
    _event(problem, actor=actor, kind=EventKind.JOIN, note=note or "、".join(d.name for d in departments),
           data={"departments": [d.pk for d in departments]})
    _notify_after_commit(problem.pk, "joined")
    return problem


@transaction.atomic
def supervise_problem(*, actor, problem: Problem, version, note: str = "") -> Problem:
    problem = _locked(problem, version)
    _check(rules.can_supervise(actor, problem))
    if problem.supervised:
        raise LedgerError("该问题已挂牌督办")
    before = snapshot(problem, PROBLEM_AUDIT_FIELDS)
    problem.supervised = True
    if problem.level == Level.STREET:
        problem.level = Level.COUNTY
    _save(problem, actor=actor, before=before, note="挂牌督办")
    _event(problem, actor=actor, kind=EventKind.SUPERVISE, note=note)
    return problem


@transaction.atomic
def request_extension(*, actor, problem: Problem, version, new_date: datetime.date, reason: str) -> DeadlineExtension:
    if not (reason or "").strip():
        raise LedgerError("申请延期须填写理由")
    problem = _locked(problem, version)
    _check(rules.can_request_extension(actor, problem))
    new_deadline = end_of_day(new_date)
    if problem.deadline and new_deadline <= problem.deadline:
        raise LedgerError("申请的新期限应晚于当前期限")
    if problem.extensions.filter(state=ExtensionState.PENDING).exists():
        raise LedgerError("已有一份延期申请在审批中，请等待审批结果")
    ext = DeadlineExtension.objects.create(problem=problem, requested_by=actor, reason=reason.strip(),
                                           old_deadline=problem.deadline, new_deadline=new_deadline)
    before = snapshot(problem, PROBLEM_AUDIT_FIELDS)
    _save(problem, actor=actor, before=before, note="申请延期")
    _event(problem, actor=actor, kind=EventKind.EXTENSION_REQUESTED, note=reason.strip(),
           data={"extension": ext.pk, "new_deadline": new_deadline.isoformat()})
    _notify_after_commit(problem.pk, "extension_requested")
    return ext


@transaction.atomic
def decide_extension(*, actor, extension: DeadlineExtension, approve: bool, note: str = "") -> DeadlineExtension:
    ext = DeadlineExtension.objects.select_for_update().get(pk=extension.pk)
    if ext.state != ExtensionState.PENDING:
        raise Conflict(f"该延期申请已{ext.get_state_display()}，无需重复审批")
    problem = _locked(ext.problem, None)
    _check(rules.can_decide_extension(actor, problem))
    if ext.requested_by_id == actor.pk:
        raise NotAllowed("不能审批自己提交的延期申请")
    if not approve and not (note or "").strip():
        raise LedgerError("驳回延期须填写原因")
    ext.state = ExtensionState.APPROVED if approve else ExtensionState.REJECTED
    ext.decided_by, ext.decided_at, ext.decision_note = actor, timezone.now(), (note or "").strip()
    ext.save()
    before = snapshot(problem, PROBLEM_AUDIT_FIELDS)
    if approve:
        problem.deadline = ext.new_deadline
        problem.limit_working_days = None
        from propwatch.campaigns.working_days import is_workday

        problem.deadline_provisional = is_workday(timezone.localtime(ext.new_deadline).date()).provisional
    _save(problem, actor=actor, before=before, note="批准延期" if approve else "驳回延期")
    _event(problem, actor=actor, kind=EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REJECTED,
           note=ext.decision_note, data={"extension": ext.pk, "new_deadline": ext.new_deadline.isoformat()})
    _notify_after_commit(problem.pk, "extension_decided")
    return ext


def recompute_provisional_deadlines(*, actor, year: int) -> int:
    """After an administrator enters a year's holidays: recount deadlines that were provisional."""
    from propwatch.campaigns.working_days import add_working_days, is_workday

    changed = 0
    ids = list(Problem.objects.filter(deadline_provisional=True).exclude(state=State.CLOSED)
               .values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            p = Problem.objects.select_for_update().get(pk=pk)
            old_day = timezone.localtime(p.deadline).date()
            if old_day.year < year:
                continue
            before = snapshot(p, PROBLEM_AUDIT_FIELDS)
            if p.limit_working_days is not None:
                result = add_working_days(p.found_on, p.limit_working_days)
                p.deadline, p.deadline_provisional = end_of_day(result.date), result.provisional
                new_day = result.date
            else:  # an explicit date stays; only whether it is final can change
                p.deadline_provisional = is_workday(old_day).provisional
                new_day = old_day
            if new_day == old_day and p.deadline_provisional:
                continue  # still provisional and unmoved: no version bump, no event, no conflict for users
            _save(p, actor=actor, before=before, note="按新录入的节假日安排重新计算期限")
            _event(p, actor=actor, kind=EventKind.DEADLINE_RECOMPUTED,
                   note=f"期限由 {old_day} 调整为 {new_day}" if new_day != old_day else f"期限 {old_day} 不变，已确认")
            changed += 1
    return changed
