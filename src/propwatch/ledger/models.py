"""The problem ledger (台账): every problem found, tracked until verified and closed (销号)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from propwatch.accounts.models import Department
from propwatch.campaigns.choices import Focus
from propwatch.registry.models import Company, Project

from .choices import TRANSITIONS, EventKind, EvidenceKind, ExtensionState, Level, Source, State


class ProblemQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ProblemQuerySet":
        from propwatch.accounts.scoping import scope_problems

        return scope_problems(self, user)

    def open(self) -> "ProblemQuerySet":
        return self.exclude(state=State.CLOSED)

    def overdue(self, now=None) -> "ProblemQuerySet":
        """Overdue is derived: past the deadline and not closed. It is never stored."""
        return self.open().filter(deadline__lt=now or timezone.now())


class Problem(models.Model):
    """One problem, from registration to verified close-out."""

    number = models.CharField("编号", max_length=30, unique=True, editable=False)
    source = models.CharField("问题来源", max_length=20, choices=Source.choices)
    project = models.ForeignKey(Project, models.PROTECT, related_name="problems", verbose_name="小区（项目）")
    company = models.ForeignKey(Company, models.PROTECT, null=True, blank=True, related_name="problems",
                                verbose_name="物业服务企业")
    focus = models.PositiveSmallIntegerField("整治重点", choices=Focus.choices)
    description = models.TextField("问题描述")
    found_on = models.DateField("发现日期")
    responsible_department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="responsible_problems",
        verbose_name="整改责任单位",
    )
    responsible_person = models.CharField("责任人", max_length=50, blank=True)
    level = models.CharField("办理层级", max_length=10, choices=Level.choices, default=Level.STREET)
    joint_departments = models.ManyToManyField(Department, blank=True, related_name="joint_problems",
                                               verbose_name="联合督办部门")
    supervised = models.BooleanField("挂牌督办", default=False)
    deadline = models.DateTimeField("整改期限", null=True, blank=True)
    deadline_provisional = models.BooleanField(
        "期限待定", default=False, help_text="期限跨入尚未录入节假日安排的年度，按周一至周五暂算，录入后自动重算"
    )
    # The working days the deadline was counted with, kept so a provisional deadline can be
    # recounted when the year's holidays are entered. Empty for explicit or extended deadlines.
    limit_working_days = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    state = models.CharField("状态", max_length=24, choices=State.choices, default=State.REGISTERED)
    # Optimistic locking: every write bumps it; a write based on an older version is refused.
    version = models.PositiveIntegerField(default=1)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name="整改提交人")
    rectification_note = models.TextField("整改情况", blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name="核验人")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+",
                                   verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        ordering = ["-found_on", "-id"]
        verbose_name = "台账问题"
        verbose_name_plural = "台账问题"
        indexes = [
            models.Index(fields=["state", "deadline"]),
            models.Index(fields=["focus"]),
            models.Index(fields=["found_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.project.name}"

    @property
    def is_overdue(self) -> bool:
        return self.state != State.CLOSED and self.deadline is not None and self.deadline < timezone.now()

    def allowed_next_states(self) -> set[str]:
        return TRANSITIONS.get(self.state, set())

    def can_move_to(self, target: str) -> bool:
        return target in self.allowed_next_states()


class ProblemEvent(models.Model):
    """One entry of a problem's timeline: a transition or another change, with who, when and why."""

    problem = models.ForeignKey(Problem, models.CASCADE, related_name="events")
    kind = models.CharField("类型", max_length=24, choices=EventKind.choices)
    from_state = models.CharField("原状态", max_length=24, choices=State.choices, blank=True)
    to_state = models.CharField("新状态", max_length=24, choices=State.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    actor_department = models.CharField("操作单位", max_length=100, blank=True)
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    note = models.TextField("说明", blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "台账事件"
        verbose_name_plural = "台账事件"

    def __str__(self) -> str:
        return f"{self.problem_id} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


def _evidence_path(instance, filename: str) -> str:
    # Random names: nothing of the uploader's file name or the problem reaches the path.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class Evidence(models.Model):
    """A photo or PDF attached to a problem. Served only through a view that checks scope."""

    problem = models.ForeignKey(Problem, models.CASCADE, related_name="evidence")
    event = models.ForeignKey(ProblemEvent, models.SET_NULL, null=True, blank=True, related_name="evidence")
    kind = models.CharField("类型", max_length=16, choices=EvidenceKind.choices)
    file = models.FileField(upload_to=_evidence_path)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class DeadlineExtension(models.Model):
    """A request to move a deadline; approved or rejected by the level above."""

    problem = models.ForeignKey(Problem, models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField("延期理由")
    old_deadline = models.DateTimeField(null=True)
    new_deadline = models.DateTimeField("申请延至")
    state = models.CharField(max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["problem"], condition=Q(state=ExtensionState.PENDING),
                                    name="one_pending_extension_per_problem"),
        ]

    def __str__(self) -> str:
        return f"{self.problem_id} → {self.new_deadline:%Y-%m-%d}"
