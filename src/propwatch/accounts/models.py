"""Departments and users. A user's department decides what it sees; its role what it may do."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from propwatch.regions.models import Region

from .choices import DepartmentKind, Role


class DepartmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DepartmentQuerySet":
        from .scoping import scope_departments

        return scope_departments(self, user)


class Department(models.Model):
    """An office at one region (市住建局, 西陵区公安分局, 西陵街道办…) or a property company's account."""

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=24, choices=DepartmentKind.choices)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name="所在区划", related_name="departments")
    company = models.OneToOneField(
        "registry.Company", models.PROTECT, null=True, blank=True, related_name="department",
        verbose_name="物业服务企业", help_text="仅物业服务企业类型的部门填写",
    )
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["region__path", "kind", "name"]
        verbose_name = "部门"
        verbose_name_plural = "部门"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=DepartmentKind.PROPERTY_COMPANY, company__isnull=False)
                | (~models.Q(kind=DepartmentKind.PROPERTY_COMPANY) & models.Q(company__isnull=True)),
                name="department_company_iff_property_company",
            )
        ]

    def __str__(self) -> str:
        return self.name


class UserQuerySet(models.QuerySet):
    def visible_to(self, user) -> "UserQuerySet":
        from .scoping import scope_users

        return scope_users(self, user)


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person who signs in. Superusers exist only for emergencies; daily work goes through roles."""

    display_name = models.CharField("姓名", max_length=50)
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="users", verbose_name="所属部门"
    )
    role = models.CharField("角色", max_length=12, choices=Role.choices, default=Role.STAFF)
    phone = models.CharField("联系电话", max_length=11, blank=True)

    objects = ScopedUserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username
