"""The region tree: city → county-level division → street/township → community."""

from django.db import models


class Level(models.TextChoices):
    CITY = "city", "市"
    COUNTY = "county", "县（市、区）"
    STREET = "street", "街道（乡镇）"
    COMMUNITY = "community", "社区"


class RegionQuerySet(models.QuerySet):
    def within(self, region: "Region") -> "RegionQuerySet":
        """The region and everything below it."""
        return self.filter(path__startswith=region.path)

    def counties(self) -> "RegionQuerySet":
        return self.filter(level=Level.COUNTY)


class Region(models.Model):
    """One node of the administrative tree.

    `path` holds the codes from the root down, each followed by "/", so a subtree is a single
    indexed prefix match (`path LIKE '/420500/420502/%'`) instead of a recursive query.
    """

    code = models.CharField("区划代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=60)
    level = models.CharField("层级", max_length=12, choices=Level.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    path = models.CharField(max_length=255, db_index=True, editable=False)
    is_official = models.BooleanField(
        "国家区划代码", default=True, help_text="否：功能区等非正式单位，使用内部代码（不与 GB/T 2260 冲突）"
    )
    is_invented = models.BooleanField("演示数据虚构", default=False, help_text="演示用的虚构名称，并非真实社区")
    sort_order = models.PositiveIntegerField(default=0)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def county(self) -> "Region | None":
        """The county-level ancestor (or self), read from the path without a query when cached."""
        if self.level == Level.COUNTY:
            return self
        if self.level == Level.CITY:
            return None
        codes = self.path.strip("/").split("/")
        return Region.objects.filter(code=codes[1]).first() if len(codes) > 1 else None

    def full_name(self) -> str:
        names = list(Region.objects.filter(code__in=self.path.strip("/").split("/")).order_by("path")
                     .values_list("name", flat=True))
        return " / ".join(names)
