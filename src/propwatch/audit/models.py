"""The audit trail: who did what, when, from where, with the record before and after."""

from django.apps import apps
from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    IMPORT = "import", "批量导入"
    EXPORT = "export", "导出"
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"
    REVEAL = "reveal", "查看个人信息"
    DEMO = "demo", "加载演示数据"


class AuditEvent(models.Model):
    """One audited event. Rows are only ever inserted."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="操作人"
    )
    # Kept as text so the row still says who it was if the account is renamed or removed.
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    action = models.CharField("操作", max_length=16, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField("对象类型", max_length=60, blank=True, db_index=True)
    object_id = models.CharField("对象编号", max_length=40, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    @property
    def object_type_label(self) -> str:
        """The model's Chinese name (物业项目), or the raw type for non-model objects (exports)."""
        try:
            return str(apps.get_model(self.object_type)._meta.verbose_name) if self.object_type else ""
        except (LookupError, ValueError):
            return {"companies": "企业列表", "projects": "项目列表", "users": "用户列表", "audit": "审计日志",
                    "problems": "问题台账", "demo": "演示数据"}.get(self.object_type, self.object_type)

    def changes(self) -> list[tuple[str, object, object]]:
        """(field label, before, after) for every field that differs, in the model's field order.

        Rows store attribute names (`disclosed_fees_on`); people read the field's Chinese name.
        """
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before, *after]))
        labels: dict[str, str] = {}
        try:
            fields = apps.get_model(self.object_type)._meta.concrete_fields if self.object_type else []
        except (LookupError, ValueError):  # an export or a login names no model
            fields = []
        if fields:
            order = {f.attname: i for i, f in enumerate(fields)}
            labels = {f.attname: str(f.verbose_name) for f in fields}
            keys.sort(key=lambda k: order.get(k, len(order)))
        return [(labels.get(k, k), before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
