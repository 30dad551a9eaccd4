"""Complaints (投诉举报): what residents report, how it was taken in, decided, handled and called back."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from propwatch.accounts.models import Department
from propwatch.campaigns.choices import Focus
from propwatch.ledger.choices import State as ProblemState
from propwatch.ledger.models import Problem
from propwatch.registry.models import Project

from . import pii, tracking
from .choices import (
    TRANSITIONS,
    CallbackMethod,
    Channel,
    EventKind,
    Progress,
    Route,
    Satisfaction,
    State,
)

SUGGESTED_FOCUS_CHOICES = [(0, "不属于专项整治"), *Focus.choices]


class ComplaintQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ComplaintQuerySet":
        from propwatch.accounts.scoping import scope_complaints

        return scope_complaints(self, user)


class Complaint(models.Model):
    """One resident's complaint, from any channel. Name and phone are stored encrypted."""

    tracking_code = models.CharField("查询码", max_length=20, unique=True, editable=False)
    channel = models.CharField("来源渠道", max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField("受理时间", default=timezone.now, db_index=True)
    work_order_no = models.CharField("工单编号", max_length=40, null=True, blank=True, unique=True)
    project = models.ForeignKey(Project, models.PROTECT, related_name="complaints", verbose_name="小区（项目）")
    text = models.TextField("诉求内容")
    address = models.CharField("事发地址", max_length=200, blank=True)
    # Encrypted (pii.encrypt): never read these columns directly, use name()/phone()/masked_*().
    name_cipher = models.TextField(blank=True, editable=False)
    phone_cipher = models.TextField(blank=True, editable=False)
    confidential = models.BooleanField("要求保密", default=False,
                                       help_text="投诉人要求对身份保密：承办单位看不到投诉人信息")
    wants_reply = models.BooleanField("需要回复", default=True)

    suggested_focus = models.PositiveSmallIntegerField("建议整治重点", choices=SUGGESTED_FOCUS_CHOICES,
                                                       null=True, blank=True)
    suggested_route = models.CharField("建议转办", max_length=10, choices=Route.choices, blank=True)
    suggestion_confidence = models.FloatField("置信度", null=True, blank=True)
    suggestion_keywords = models.JSONField("判断依据", default=list, blank=True)
    focus = models.PositiveSmallIntegerField("整治重点", choices=SUGGESTED_FOCUS_CHOICES, null=True, blank=True)
    route = models.CharField("转办方向", max_length=10, choices=Route.choices, blank=True)
    # True when staff chose other than the suggestion: these rows retrain the classifier.
    classification_corrected = models.BooleanField("人工更正分类", default=False)

    state = models.CharField("受理状态", max_length=12, choices=State.choices, default=State.RECEIVED)
    version = models.PositiveIntegerField(default=1)
    handling_department = models.ForeignKey(Department, models.PROTECT, null=True, blank=True,
                                            related_name="handled_complaints", verbose_name="承办单位")
    problem = models.ForeignKey(Problem, models.PROTECT, null=True, blank=True, related_name="complaints",
                                verbose_name="台账问题")
    duplicate_of = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="duplicates",
                                     verbose_name="重复于")
    decided_at = models.DateTimeField("受理决定时间", null=True, blank=True, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name="决定人")
    decision_note = models.TextField("受理意见", blank=True)
    reply_deadline = models.DateTimeField("答复期限", null=True, blank=True)
    reply_deadline_provisional = models.BooleanField(default=False)
    replied_at = models.DateTimeField("首次答复时间", null=True, blank=True)

    # The department that took it in (staff intake, the import, or none for the public site).
    received_by_department = models.ForeignKey(Department, models.PROTECT, null=True, blank=True,
                                               related_name="+", verbose_name="登记单位")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name="登记人")
    # A double click or a retried request carries the same key: one complaint, not two.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "投诉举报"
        verbose_name_plural = "投诉举报"
        indexes = [
            models.Index(fields=["project", "received_at"]),
            models.Index(fields=["state", "received_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.display_code} {self.project.name}"

    @property
    def display_code(self) -> str:
        return tracking.display(self.tracking_code)

    # ---- personal data ------------------------------------------------------------------------

    def name(self) -> str:
        return pii.decrypt(self.name_cipher)

    def phone(self) -> str:
        return pii.decrypt(self.phone_cipher)

    def masked_name(self) -> str:
        return pii.mask_name(self.name()) if self.name_cipher else ""

    def masked_phone(self) -> str:
        return pii.mask_phone(self.phone()) if self.phone_cipher else ""

    @property
    def is_anonymous(self) -> bool:
        return not (self.name_cipher or self.phone_cipher)

    # ---- state --------------------------------------------------------------------------------

    def can_decide(self) -> bool:
        return bool(TRANSITIONS[self.state])

    @property
    def followed_problem(self) -> Problem | None:
        """The ledger problem this complaint's progress follows (a duplicate follows the original's)."""
        if self.problem_id:
            return self.problem
        if self.duplicate_of_id and self.duplicate_of.problem_id:
            return self.duplicate_of.problem
        return None

    def last_callback(self):
        return max(self.callbacks.all(), key=lambda c: (c.at, c.pk), default=None)

    def callback_due(self) -> bool:
        """A callback is due when the problem is closed and not yet called back since it closed."""
        problem = self.followed_problem
        if self.state not in (State.ACCEPTED, State.DUPLICATE) or problem is None:
            return False
        if self.is_anonymous:  # nobody to call back
            return False
        if problem.state != ProblemState.CLOSED:
            return False
        last = self.last_callback()
        return last is None or last.problem_closed_at != problem.closed_at

    def progress(self) -> Progress:
        if self.state == State.RECEIVED:
            return Progress.RECEIVED
        if self.state == State.REJECTED:
            return Progress.REJECTED
        if self.state == State.DUPLICATE and self.duplicate_of_id:
            # A duplicate reads as its original until that one has a problem to follow.
            original_state = self.duplicate_of.state
            if original_state == State.REJECTED:
                return Progress.REJECTED
            if original_state == State.RECEIVED:
                return Progress.RECEIVED
        problem = self.followed_problem
        if problem is None:
            return Progress.HANDLING
        if problem.state == ProblemState.CLOSED:
            last = self.last_callback()
            called_back = last is not None and last.problem_closed_at == problem.closed_at
            return Progress.CALLED_BACK if called_back else Progress.CLOSED
        if problem.state == ProblemState.AWAITING_VERIFICATION:
            return Progress.VERIFYING
        return Progress.HANDLING

    @property
    def reply_overdue(self) -> bool:
        return (self.replied_at is None and self.reply_deadline is not None
                and self.state != State.REJECTED and self.reply_deadline < timezone.now())


def _photo_path(instance, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"complaints/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class ComplaintPhoto(models.Model):
    """A resident's photo, re-encoded without EXIF/GPS; served only through a scope-checking view."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=_photo_path)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "投诉照片"
        verbose_name_plural = "投诉照片"

    def __str__(self) -> str:
        return f"{self.complaint_id}#{self.pk}"


class ComplaintEvent(models.Model):
    """One entry of a complaint's timeline. Public entries are what the resident reads."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="events")
    kind = models.CharField("类型", max_length=16, choices=EventKind.choices)
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    actor_department = models.CharField("操作单位", max_length=100, blank=True)
    note = models.TextField("内容", blank=True)
    public = models.BooleanField("公开答复", default=False,
                                 help_text="公开的内容投诉人可在查询页看到，请勿填写他人个人信息")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "投诉事件"
        verbose_name_plural = "投诉事件"

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.get_kind_display()}"


class Callback(models.Model):
    """The complainant's satisfaction after the problem was closed (回访)."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="callbacks")
    satisfaction = models.CharField("满意度", max_length=12, choices=Satisfaction.choices)
    method = models.CharField("回访方式", max_length=10, choices=CallbackMethod.choices)
    note = models.TextField("回访情况", blank=True)
    at = models.DateTimeField("回访时间", default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+",
                           verbose_name="回访人")
    # The close-out this callback judged: a reopened and re-closed problem is called back again.
    problem_closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "回访记录"
        verbose_name_plural = "回访记录"
        constraints = [
            models.UniqueConstraint(fields=["complaint", "problem_closed_at"], name="one_callback_per_closeout",
                                    condition=Q(problem_closed_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.get_satisfaction_display()}"
