"""The registry: property-service companies and the residential projects they manage."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from propwatch.regions.models import Region

# The focus-5 disclosure checklist (整治重点五; 附件1 第5项): what must be displayed prominently in
# the estate. Each item records the date it became complete; empty means not (yet) displayed.
DISCLOSURE_ITEMS: list[tuple[str, str]] = [
    ("disclosed_filing_on", "企业备案信息"),
    ("disclosed_services_on", "服务内容"),
    ("disclosed_fees_on", "收费项目、标准和方式"),
    ("disclosed_complaint_phone_on", "投诉电话及投诉报修方式"),
    ("disclosed_public_income_on", "公共收益收支"),
    ("disclosed_equipment_on", "特种设备维保单位及联系方式"),
]
DISCLOSURE_FIELDS = [f for f, _ in DISCLOSURE_ITEMS]


def today() -> datetime.date:
    return timezone.localdate()


class CompanyQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CompanyQuerySet":
        from propwatch.accounts.scoping import scope_companies

        return scope_companies(self, user)


class Company(models.Model):
    """A property-service company (物业服务企业)."""

    name = models.CharField("企业名称", max_length=120)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    credit_code_override_reason = models.TextField(
        "校验位例外说明", blank=True,
        help_text="代码未通过校验位检查但确认真实（如早期试点代码）时，由市级管理员填写原因",
    )
    credit_code_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="例外确认人",
    )
    filing_no = models.CharField("备案编号", max_length=50, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=50)
    contact_phone = models.CharField("联系电话", max_length=20)
    address = models.CharField("注册地址", max_length=200, blank=True)
    region = models.ForeignKey(
        Region, models.PROTECT, null=True, blank=True, related_name="companies", verbose_name="注册所在地",
        limit_choices_to={"level__in": ["city", "county"]},
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "物业服务企业"
        verbose_name_plural = "物业服务企业"
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


def managed_q(on: datetime.date, prefix: str = "") -> Q:
    """Professionally managed on a date: a company under a contract that covers that date."""
    return (
        Q(**{f"{prefix}company__isnull": False, f"{prefix}contract_start__lte": on})
        & (Q(**{f"{prefix}contract_end__isnull": True}) | Q(**{f"{prefix}contract_end__gte": on}))
    )


def disclosed_q(on: datetime.date, prefix: str = "") -> Q:
    """Every disclosure item complete on or before the date."""
    return Q(**{f"{prefix}{f}__lte": on for f in DISCLOSURE_FIELDS})


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ProjectQuerySet":
        from propwatch.accounts.scoping import scope_projects

        return scope_projects(self, user)

    def managed(self, on: datetime.date | None = None) -> "ProjectQuerySet":
        return self.filter(managed_q(on or today()))

    def disclosed(self, on: datetime.date | None = None) -> "ProjectQuerySet":
        return self.filter(disclosed_q(on or today()))

    def within(self, region: Region) -> "ProjectQuerySet":
        return self.filter(community__path__startswith=region.path)


class Project(models.Model):
    """A residential project (物业项目/小区) in one community."""

    code = models.CharField("项目编号", max_length=30, unique=True, help_text="留空则自动生成；批量导入以此编号更新")
    name = models.CharField("项目名称", max_length=120)
    address = models.CharField("地址", max_length=200)
    community = models.ForeignKey(
        Region, models.PROTECT, related_name="projects", verbose_name="所在社区",
        limit_choices_to={"level": "community"},
    )
    company = models.ForeignKey(
        Company, models.PROTECT, null=True, blank=True, related_name="projects", verbose_name="物业服务企业"
    )
    contract_start = models.DateField("合同开始日期", null=True, blank=True)
    contract_end = models.DateField("合同结束日期", null=True, blank=True, help_text="留空表示长期有效")
    households = models.PositiveIntegerField("户数", default=0)
    disclosed_filing_on = models.DateField("企业备案信息公示日期", null=True, blank=True)
    disclosed_services_on = models.DateField("服务内容公示日期", null=True, blank=True)
    disclosed_fees_on = models.DateField("收费项目、标准和方式公示日期", null=True, blank=True)
    disclosed_complaint_phone_on = models.DateField("投诉电话及投诉报修方式公示日期", null=True, blank=True)
    disclosed_public_income_on = models.DateField("公共收益收支公示日期", null=True, blank=True)
    disclosed_equipment_on = models.DateField("特种设备维保单位公示日期", null=True, blank=True)
    # History, not derivable from the items: the first day the whole checklist was complete.
    # Figure 4 of the monthly report counts a project once, in that window.
    disclosure_first_complete_on = models.DateField("首次全部公示日期", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = "物业项目"
        verbose_name_plural = "物业项目"
        indexes = [models.Index(fields=["name"]), models.Index(fields=["company", "contract_end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(contract_end__isnull=True) | Q(contract_start__isnull=True)
                | Q(contract_end__gte=models.F("contract_start")),
                name="project_contract_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_managed(self, on: datetime.date | None = None) -> bool:
        on = on or today()
        return bool(
            self.company_id and self.contract_start and self.contract_start <= on
            and (self.contract_end is None or self.contract_end >= on)
        )

    def disclosure_items(self) -> list[tuple[str, datetime.date | None]]:
        return [(label, getattr(self, f)) for f, label in DISCLOSURE_ITEMS]

    def disclosure_complete_on(self) -> datetime.date | None:
        """The day the checklist became complete (latest item), or None while incomplete."""
        dates = [getattr(self, f) for f in DISCLOSURE_FIELDS]
        return None if any(d is None for d in dates) else max(dates)

    @property
    def is_disclosed(self) -> bool:
        complete = self.disclosure_complete_on()
        return complete is not None and complete <= today()
