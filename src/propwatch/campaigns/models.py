"""Campaign configuration: time limits per focus problem and the working-day calendar."""

from django.core.exceptions import ValidationError
from django.db import models

from .choices import Focus


class TimeLimit(models.Model):
    """Default rectification time limit for one focus problem: working days, or hours when urgent."""

    focus = models.PositiveSmallIntegerField("整治重点", choices=Focus.choices, unique=True)
    working_days = models.PositiveSmallIntegerField("工作日", null=True, blank=True)
    hours = models.PositiveSmallIntegerField(
        "小时", null=True, blank=True, help_text="紧急事项（如停水停电）按自然小时计，填写此项则不按工作日"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["focus"]
        verbose_name = "整改时限"
        verbose_name_plural = "整改时限"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(working_days__isnull=False) & models.Q(hours__isnull=True))
                | (models.Q(working_days__isnull=True) & models.Q(hours__isnull=False)),
                name="time_limit_days_xor_hours",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_focus_display()}：{self.describe()}"

    def describe(self) -> str:
        return f"{self.hours} 小时" if self.hours else f"{self.working_days} 个工作日"

    def clean(self):
        if bool(self.working_days) == bool(self.hours):
            raise ValidationError("工作日和小时只能填写其中一项")


# Defaults used until an administrator changes them (the plan sets no numbers; these follow the
# 12345 practice in reference/hotline-and-calendar.md: urgent supply cut-offs in hours).
DEFAULT_TIME_LIMITS = {1: {"hours": 24}, 2: {"working_days": 15}, 3: {"working_days": 5},
                       4: {"working_days": 10}, 5: {"working_days": 10}, 6: {"working_days": 15}}


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a public holiday, or a make-up working weekend day (调休).

    Administrators enter a year's days when the State Council publishes the schedule (usually
    November–December), then mark the year complete (`CalendarYear`).
    """

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否上班", help_text="节假日选“否”；周末调休上班选“是”")
    note = models.CharField("说明", max_length=50, blank=True, help_text="如：元旦、春节、国庆节调休")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '放假'} {self.note}"


class CalendarYear(models.Model):
    """A year whose holiday schedule has been entered completely: its deadlines are final."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("依据", max_length=100, blank=True, help_text="如：国务院办公厅关于2027年部分节假日安排的通知")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year"]
        verbose_name = "已录入年度"
        verbose_name_plural = "已录入年度"

    def __str__(self) -> str:
        return f"{self.year} 年"
