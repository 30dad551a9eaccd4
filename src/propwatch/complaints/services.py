"""Every write to complaints: one function per verb, one transaction each, an event per change.

Views, the public site, the API, the 12345 import and the demo loader all come through here.
Each service takes the acting user as `actor=` (None for a resident on the public site), checks
the rules, writes the change, a `ComplaintEvent` and an audit row in one transaction, and sends
notifications after commit.
"""

import datetime
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from propwatch.audit.models import AuditAction
from propwatch.audit.services import record, record_change, snapshot
from propwatch.ledger import services as ledger
from propwatch.ledger.choices import Source
from propwatch.ledger.choices import State as ProblemState
from propwatch.ledger.evidence_files import MAX_BYTES, clean_image
from propwatch.ledger.models import Problem
from propwatch.registry import phone_numbers

from . import pii, routing, rules, tracking
from .choices import CallbackMethod, Channel, EventKind, Route, Satisfaction, State
from .classifier import classify
from .errors import ComplaintError, Conflict, LedgerError, NotAllowed
from .models import Callback, Complaint, ComplaintEvent, ComplaintPhoto

MAX_PHOTOS = 5
MAX_TEXT = 5000
PUBLIC_ACTOR = "公众（网上投诉）"
AUDIT_FIELDS = ["tracking_code", "channel", "received_at", "work_order_no", "project_id", "confidential",
                "suggested_focus", "suggested_route", "focus", "route", "state", "handling_department_id",
                "problem_id", "duplicate_of_id", "decision_note", "reply_deadline", "replied_at", "version"]


def _check(reason: str) -> None:
    if reason:
        raise NotAllowed(reason)


def _event(complaint: Complaint, *, actor, kind: str, note: str = "", public: bool = False,
           data: dict | None = None, at: datetime.datetime | None = None) -> ComplaintEvent:
    real = actor if getattr(actor, "is_authenticated", False) else None
    dept = getattr(real, "department", None)
    return ComplaintEvent.objects.create(
        complaint=complaint, kind=kind, note=note, public=public, data=data or {}, at=at or timezone.now(),
        actor=real, actor_name=(real.display_name or real.username) if real else "",
        actor_department=dept.name if dept else "",
    )


def _check_visible(actor, complaint: Complaint) -> None:
    """Services refuse what the actor cannot see, whoever calls them (pages fetch in scope first)."""
    if getattr(actor, "is_authenticated", False) and not Complaint.objects.visible_to(actor).filter(
            pk=complaint.pk).exists():
        raise NotAllowed("该投诉不存在或不在您的管辖范围内")


def _locked(complaint: Complaint, version) -> Complaint:
    current = Complaint.objects.select_for_update().select_related("project__community").get(pk=complaint.pk)
    if version is not None and current.version != int(version):
        raise Conflict(f"该投诉已被其他人员处理（当前状态：{current.get_state_display()}），"
                       "您的操作未保存。请刷新页面查看最新情况后再操作。")
    return current


def _save(complaint: Complaint, *, actor, before: dict, note: str = "") -> None:
    complaint.version += 1
    complaint.save()
    record_change(actor=actor or PUBLIC_ACTOR, obj=complaint, before=before, note=note, fields=AUDIT_FIELDS)


# ---- intake -------------------------------------------------------------------------------------

def clean_contact(name: str, phone: str) -> tuple[str, str]:
    """(name, normalised phone) or ComplaintError saying what is wrong."""
    name = (name or "").strip()
    if len(name) > 50:
        raise ComplaintError("姓名过长（最多 50 个字）")
    phone = (phone or "").strip()
    if phone:
        phone, error = phone_numbers.validate(phone)
        if error:
            raise ComplaintError(error)
    return name, phone


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ComplaintError("请填写投诉内容：发生了什么、在哪里、持续多久")
    if len(text) > MAX_TEXT:
        raise ComplaintError(f"投诉内容过长（{len(text)} 字），请控制在 {MAX_TEXT} 字以内")
    return text


def _clean_photos(photos: Iterable) -> list[tuple[bytes, str, str]]:
    photos = [p for p in (photos or ()) if p]
    if len(photos) > MAX_PHOTOS:
        raise ComplaintError(f"最多上传 {MAX_PHOTOS} 张照片")
    cleaned = []
    for upload in photos:
        name = getattr(upload, "name", "照片")
        size = getattr(upload, "size", None)
        if size is not None and size > MAX_BYTES:
            raise ComplaintError(f"照片“{name}”超过 {MAX_BYTES // 1024 // 1024} MB，请压缩后再上传")
        data = upload.read()
        if not data:
            raise ComplaintError(f"照片“{name}”是空文件")
        if len(data) > MAX_BYTES:
            raise ComplaintError(f"照片“{name}”超过 {MAX_BYTES // 1024 // 1024} MB，请压缩后再上传")
        try:
            cleaned.append(clean_image(data, name))
        except LedgerError as exc:
            raise ComplaintError(exc.message) from exc
    return cleaned


def _create(*, actor, channel: str, project, text: str, name: str = "", phone: str = "",
            confidential: bool = False, wants_reply: bool = True, address: str = "",
            received_at: datetime.datetime | None = None, work_order_no: str | None = None,
            idempotency_key: str | None = None, photos: list | None = None, receive_note: str = "",
            suggestion=None, deadline_memo: dict | None = None, classify_now: bool = True) -> Complaint:
    """Insert one complaint with its suggestion, photos, first event and audit row.

    Bulk callers pass `suggestion` (from one `classify_many`) and a `deadline_memo` dict they keep
    for the whole batch, so each row costs its inserts and little else.
    """
    received_at = received_at or timezone.now()
    if suggestion is None and classify_now:
        suggestion = classify(text)
    focus = suggestion.focus if suggestion is not None else None
    deadline, provisional = routing.reply_deadline(received_at, focus or None, memo=deadline_memo)
    real = actor if getattr(actor, "is_authenticated", False) else None
    complaint = Complaint(
        tracking_code=tracking.new_code(), channel=channel, received_at=received_at, work_order_no=work_order_no,
        project=project, text=text, address=address, name_cipher=pii.encrypt(name), phone_cipher=pii.encrypt(phone),
        confidential=confidential, wants_reply=wants_reply,
        suggested_focus=focus, suggested_route=suggestion.route if suggestion is not None else "",
        suggestion_confidence=round(float(suggestion.confidence), 3) if suggestion is not None else None,
        suggestion_keywords=list(suggestion.keywords) if suggestion is not None else [],
        reply_deadline=deadline, reply_deadline_provisional=provisional,
        received_by_department=getattr(real, "department", None) if real else None, created_by=real,
        idempotency_key=idempotency_key or None,
    )
    complaint.save()
    for content, ext, content_type in photos or ():
        photo = ComplaintPhoto(complaint=complaint, content_type=content_type, size=len(content))
        photo.file.save(f"photo.{ext}", ContentFile(content), save=False)
        photo.save()
    _event(complaint, actor=actor, kind=EventKind.RECEIVE, public=True, at=received_at,
           note=receive_note or f"已收到您的投诉（{complaint.get_channel_display()}），我们将尽快受理。")
    record_change(actor=actor or PUBLIC_ACTOR, obj=complaint, before=None, fields=AUDIT_FIELDS)
    return complaint


def submit_public_complaint(*, project, text: str, name: str = "", phone: str = "", confidential: bool = False,
                            photos: Iterable = (), idempotency_key: str | None = None) -> tuple[Complaint, bool]:
    """A resident's complaint from the public site or API: (complaint, created).

    A repeated submission with the same idempotency key (a double click, a retried request)
    returns the complaint the first one created, not a second one: the key is unique, so the
    insert itself detects the repeat (no lookup before it, which a surge would pay on every call).

    The classifier runs afterwards, in a background task that takes the new complaints in
    batches (`tasks.classify_pending`): after a supply cut-off thousands of residents complain
    within an hour, and intake must not wait for the model.
    """
    from django.tasks import default_task_backend

    key = (idempotency_key or "").strip()[:64] or None
    text = _clean_text(text)
    name, phone = clean_contact(name, phone)
    cleaned = _clean_photos(photos)
    # A queue that cannot defer (tasks run in the request, as in tests) would classify in the
    # request anyway: then do it here, before the transaction.
    deferred = default_task_backend.supports_defer
    suggestion = None if deferred else classify(text)
    try:
        with transaction.atomic():
            complaint = _create(actor=None, channel=Channel.WEB, project=project, text=text, name=name, phone=phone,
                                confidential=confidential, idempotency_key=key, photos=cleaned,
                                suggestion=suggestion, classify_now=False)
    except IntegrityError:
        # The same key was committed before (a double click) or by a concurrent request.
        if key and (existing := Complaint.objects.filter(idempotency_key=key).first()):
            return existing, False
        raise
    if deferred:
        transaction.on_commit(schedule_classification, robust=True)
    return complaint, True


# Public complaints committed within this many seconds share one classification task.
CLASSIFY_WINDOW_SECONDS = 2


def schedule_classification() -> None:
    """Make sure a task will classify the complaints waiting for a suggestion.

    The first complaint of a window enqueues one task to run when the window closes; the others
    of the window find the mark in the cache and add nothing, and that task picks them all up.
    """
    from django.core.cache import cache

    from .tasks import classify_pending

    if cache.add("complaints:classification-scheduled", 1, timeout=CLASSIFY_WINDOW_SECONDS):
        run_after = timezone.now() + datetime.timedelta(seconds=CLASSIFY_WINDOW_SECONDS)
        classify_pending.using(run_after=run_after).enqueue()


def apply_suggestions(complaints: list[Complaint], suggestions: list) -> int:
    """Store the classifier's suggestions on complaints that had none (a background task's work).

    A complaint still waiting for intake gets its reply deadline again when the suggestion is
    focus 1: a supply cut-off is answered in hours, not working days.
    """
    rows = []
    for complaint, suggestion in zip(complaints, suggestions, strict=True):
        complaint.suggested_focus = suggestion.focus
        complaint.suggested_route = suggestion.route
        complaint.suggestion_confidence = round(float(suggestion.confidence), 3)
        complaint.suggestion_keywords = list(suggestion.keywords)
        if suggestion.focus == 1 and complaint.state == State.RECEIVED:
            complaint.reply_deadline, complaint.reply_deadline_provisional = routing.reply_deadline(
                complaint.received_at, 1)
        rows.append(complaint)
    Complaint.objects.bulk_update(rows, ["suggested_focus", "suggested_route", "suggestion_confidence",
                                         "suggestion_keywords", "reply_deadline", "reply_deadline_provisional"])
    return len(rows)


def register_complaint(*, actor, channel: str, project, text: str, received_at: datetime.datetime,
                       name: str = "", phone: str = "", confidential: bool = False, wants_reply: bool = True,
                       address: str = "", work_order_no: str | None = None, photos: Iterable = ()) -> Complaint:
    """Staff enter a complaint received by hotline, visit, letter, mailbox or media."""
    _check(rules.can_register(actor))
    if channel not in Channel.values or channel == Channel.WEB:
        raise ComplaintError("请选择来源渠道：投诉电话、来访、来信、举报信箱或媒体反映")
    if channel == Channel.WORK_ORDER and not work_order_no:
        raise ComplaintError("12345 工单须填写工单编号")
    if received_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ComplaintError("受理时间不能晚于当前时间")
    if not project.__class__.objects.visible_to(actor).filter(pk=project.pk).exists():
        raise ComplaintError("所选小区不在您的管辖范围内")
    text = _clean_text(text)
    name, phone = clean_contact(name, phone)
    if work_order_no and Complaint.objects.filter(work_order_no=work_order_no).exists():
        raise ComplaintError(f"工单编号“{work_order_no}”已登记过")
    cleaned = _clean_photos(photos)
    # Classified before the transaction: on SQLite a write transaction holds the database's
    # write lock, and nothing else should wait for the model.
    suggestion = classify(text)
    try:
        with transaction.atomic():
            return _create(actor=actor, channel=channel, project=project, text=text, name=name, phone=phone,
                           confidential=confidential, wants_reply=wants_reply, address=address,
                           received_at=received_at, work_order_no=work_order_no, photos=cleaned,
                           suggestion=suggestion,
                           receive_note=f"已收到您的投诉（{Channel(channel).label}），我们将尽快受理。")
    except IntegrityError as exc:
        if work_order_no:  # the same order number committed by someone else meanwhile
            raise ComplaintError(f"工单编号“{work_order_no}”已登记过") from exc
        raise


# ---- intake decisions ---------------------------------------------------------------------------

def _confirm_classification(complaint: Complaint, focus: int, route: str) -> None:
    if route not in Route.values:
        raise ComplaintError("请选择转办方向")
    complaint.focus = focus
    complaint.route = route
    complaint.classification_corrected = (focus != complaint.suggested_focus or route != complaint.suggested_route)


@transaction.atomic
def accept_complaint(*, actor, complaint: Complaint, version, focus: int, route: str, department=None,
                     join_problem: Problem | None = None, note: str = "") -> Complaint:
    """Accept: open a problem in the ledger, or join an open problem of the same project and focus."""
    complaint = _locked(complaint, version)
    _check(rules.can_decide(actor, complaint))
    _check_visible(actor, complaint)
    focus = int(focus) if str(focus).isdigit() else -1
    if focus not in range(1, 7):
        raise ComplaintError("受理须选择整治重点（1–6）；不属于专项整治的投诉请选择“不予受理”并说明转办去向")
    before = snapshot(complaint, AUDIT_FIELDS)
    _confirm_classification(complaint, focus, route)
    if join_problem is not None:
        problem = Problem.objects.visible_to(actor).filter(pk=join_problem.pk).first()
        if problem is None:
            raise ComplaintError("要并入的问题不存在或不在您的管辖范围内")
        if problem.state == ProblemState.CLOSED:
            raise ComplaintError(f"问题 {problem.number} 已销号，不能并入；请登记新问题")
        if problem.project_id != complaint.project_id or problem.focus != focus:
            raise ComplaintError(f"问题 {problem.number} 与本投诉不是同一小区、同一整治重点，不能并入")
        complaint.handling_department = problem.responsible_department
        kind, public_note = EventKind.JOIN, "您的投诉已受理，与同一小区的同类问题合并办理。"
    else:
        if department is None:
            department, _level = routing.default_department(complaint.project, route)
        if department is None:
            raise ComplaintError("该小区所在地没有可承办的部门账号，请手动选择承办单位")
        if not routing.can_handle(department, complaint.project):
            raise ComplaintError(f"{department.name}不负责该小区所在地，请选择小区所在县（市、区）的承办单位")
        problem = ledger.register_problem(
            actor=actor, project=complaint.project, focus=focus, source=Source.COMPLAINT,
            description=pii.redact(complaint.text, names=[complaint.name()]),
            found_on=timezone.localdate(complaint.received_at), level=routing.level_for(department),
        )
        problem = ledger.assign_problem(actor=actor, problem=problem, version=problem.version,
                                        department=department, routing_complaint=True,
                                        note=f"投诉 {complaint.display_code} 受理后转交{department.name}")
        complaint.handling_department = department
        kind, public_note = EventKind.ACCEPT, f"您的投诉已受理，已转交{department.name}办理。"
    complaint.problem = problem
    complaint.state = State.ACCEPTED
    complaint.decided_at = timezone.now()
    complaint.decided_by = actor
    complaint.decision_note = (note or "").strip()
    complaint.reply_deadline, complaint.reply_deadline_provisional = routing.reply_deadline(
        complaint.received_at, focus)
    _save(complaint, actor=actor, before=before, note="受理")
    # Complaints already merged into this one follow it to the same department.
    complaint.duplicates.update(handling_department=complaint.handling_department, focus=focus, route=route,
                                version=models.F("version") + 1)
    _event(complaint, actor=actor, kind=kind, public=True, note=public_note,
           data={"problem": problem.pk, "number": problem.number, "focus": focus, "route": route})
    return complaint


@transaction.atomic
def reject_complaint(*, actor, complaint: Complaint, version, reason: str, focus: int | None = None,
                     route: str = "") -> Complaint:
    """Not accepted, with a reason the complainant reads (e.g. outside the campaign, referred elsewhere)."""
    complaint = _locked(complaint, version)
    _check(rules.can_decide(actor, complaint))
    _check_visible(actor, complaint)
    reason = (reason or "").strip()
    if not reason:
        raise ComplaintError("不予受理须填写理由，投诉人可在查询页看到")
    before = snapshot(complaint, AUDIT_FIELDS)
    if focus is not None:
        if str(focus) not in {str(v) for v in range(7)}:
            raise ComplaintError("分类应为 0（不属于专项整治）或整治重点 1–6")
        _confirm_classification(complaint, int(focus), route or Route.NONE)
    complaint.state = State.REJECTED
    complaint.decided_at = timezone.now()
    complaint.decided_by = actor
    complaint.decision_note = reason
    complaint.replied_at = complaint.replied_at or timezone.now()
    _save(complaint, actor=actor, before=before, note="不予受理")
    _event(complaint, actor=actor, kind=EventKind.REJECT, public=True, note=reason)
    # Residents whose complaints were merged into this one read the same answer.
    for duplicate in complaint.duplicates.all():
        _event(duplicate, actor=actor, kind=EventKind.REJECT, public=True, note=reason)
    complaint.duplicates.filter(replied_at__isnull=True).update(replied_at=timezone.now())
    return complaint


@transaction.atomic
def mark_duplicate(*, actor, complaint: Complaint, version, original: Complaint, note: str = "") -> Complaint:
    """Merge into an earlier complaint about the same project; it then follows that one's problem."""
    complaint = _locked(complaint, version)
    _check(rules.can_decide(actor, complaint))
    _check_visible(actor, complaint)
    original = Complaint.objects.visible_to(actor).filter(pk=original.pk).first()
    if original is None:
        raise ComplaintError("原投诉不存在或不在您的管辖范围内")
    while original.duplicate_of_id:  # always point at the first one
        original = original.duplicate_of
    if original.pk == complaint.pk:
        raise ComplaintError("不能标记为与自身重复")
    if original.project_id != complaint.project_id:
        raise ComplaintError("只能并入同一小区的投诉")
    if original.state == State.REJECTED:
        raise ComplaintError(f"投诉 {original.display_code} 已不予受理，不能作为重复投诉的原件")
    before = snapshot(complaint, AUDIT_FIELDS)
    complaint.duplicate_of = original
    complaint.state = State.DUPLICATE
    complaint.focus = original.focus
    complaint.route = original.route
    complaint.handling_department = original.handling_department
    complaint.decided_at = timezone.now()
    complaint.decided_by = actor
    complaint.decision_note = (note or "").strip()
    complaint.replied_at = complaint.replied_at or timezone.now()  # the merge notice is its answer
    _save(complaint, actor=actor, before=before, note="重复投诉")
    _event(complaint, actor=actor, kind=EventKind.DUPLICATE, public=True,
           note="您反映的问题已有其他居民反映，已合并办理，办理进度同步更新。", data={"original": original.pk})
    return complaint


# ---- handling -----------------------------------------------------------------------------------

@transaction.atomic
def reply_complaint(*, actor, complaint: Complaint, text: str, public: bool = True) -> ComplaintEvent:
    """A reply to the complainant (public: shown on the status page) or an internal note."""
    complaint = _locked(complaint, None)
    _check(rules.can_reply(actor, complaint))
    _check_visible(actor, complaint)
    text = (text or "").strip()
    if not text:
        raise ComplaintError("请填写答复内容")
    event = _event(complaint, actor=actor, kind=EventKind.REPLY, note=text, public=public)
    if public and complaint.replied_at is None:
        before = snapshot(complaint, AUDIT_FIELDS)
        complaint.replied_at = event.at
        _save(complaint, actor=actor, before=before, note="答复")
    return event


@transaction.atomic
def record_callback(*, actor, complaint: Complaint, satisfaction: str, method: str, note: str = "") -> Callback:
    """回访 after close-out. 不满意 sends the problem back to rectification with an event."""
    complaint = _locked(complaint, None)
    _check(rules.can_callback(actor, complaint))
    _check_visible(actor, complaint)
    if satisfaction not in Satisfaction.values:
        raise ComplaintError("请选择满意度：满意、基本满意或不满意")
    if method not in CallbackMethod.values:
        raise ComplaintError("请选择回访方式：电话回访、短信回访、上门回访或网上评价")
    note = (note or "").strip()
    if satisfaction == Satisfaction.DISSATISFIED and not note:
        raise ComplaintError("不满意须填写回访情况（投诉人认为哪里没有解决），问题将退回整改")
    problem = Problem.objects.select_for_update().get(pk=complaint.followed_problem.pk)
    try:
        with transaction.atomic():
            callback = Callback.objects.create(complaint=complaint, satisfaction=satisfaction, method=method,
                                               note=note, by=actor, problem_closed_at=problem.closed_at)
    except IntegrityError as exc:
        raise ComplaintError("本次销号已回访过，请勿重复提交") from exc
    label = Satisfaction(satisfaction).label
    _event(complaint, actor=actor, kind=EventKind.CALLBACK, public=True, note=f"回访结果：{label}",
           data={"satisfaction": satisfaction, "method": method})
    record(actor=actor, action=AuditAction.CREATE, obj=callback, after=snapshot(callback), note="回访")
    if satisfaction == Satisfaction.DISSATISFIED:
        ledger.reopen_after_callback(actor=actor, problem=problem,
                                     reason=f"投诉人回访不满意（{complaint.display_code}）：{note}")
    return callback


@transaction.atomic
def reveal_complainant(*, actor, complaint: Complaint) -> tuple[str, str]:
    """The complainant's full name and phone, for the staff handling it. Every reveal is audited."""
    _check(rules.can_reveal(actor, complaint))
    _check_visible(actor, complaint)
    record(actor=actor, action=AuditAction.REVEAL, obj=complaint, note="查看投诉人姓名和电话")
    _event(complaint, actor=actor, kind=EventKind.REVEAL, note="查看了投诉人姓名和电话")
    return complaint.name(), complaint.phone()


__all__ = [
    "ComplaintError", "Conflict", "NotAllowed", "accept_complaint", "mark_duplicate", "record_callback",
    "register_complaint", "reject_complaint", "reply_complaint", "reveal_complainant", "submit_public_complaint",
]
