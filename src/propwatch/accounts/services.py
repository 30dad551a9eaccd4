"""Account writes: creating and changing users, with the audit row in the same transaction."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from propwatch.audit.services import record_change, snapshot

from .choices import DepartmentKind
from .models import Department, User

USER_FIELDS = ["display_name", "department", "role", "phone", "is_active", "email"]
_SNAPSHOT_FIELDS = ["username", "display_name", "department_id", "role", "phone", "is_active", "email"]


def _check(data: dict[str, Any]) -> None:
    dept = data.get("department")
    if dept is not None and dept.kind == DepartmentKind.PROPERTY_COMPANY and data.get("role") == "auditor":
        raise ValidationError({"role": "物业服务企业账号不能设为审计员"})


def _validate_password(password: str, user: User) -> None:
    # Keyed by field so the page shows the reasons under the password box, not above the form.
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


@transaction.atomic
def create_user(*, actor, username: str, password: str, data: dict[str, Any]) -> User:
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"用户名 {username} 已被使用"})
    _check(data)
    user = User(username=username, **{k: v for k, v in data.items() if k in USER_FIELDS})
    _validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    record_change(actor=actor, obj=user, before=None, fields=_SNAPSHOT_FIELDS)
    return user


@transaction.atomic
def update_user(*, actor, user: User, data: dict[str, Any]) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user, _SNAPSHOT_FIELDS)
    _check({"department": user.department, "role": user.role} | data)
    if user.pk == getattr(actor, "pk", None):
        # An administrator who demotes, moves or stops themself may leave nobody able to undo it.
        if data.get("is_active") is False:
            raise ValidationError({"is_active": "不能停用自己的账号"})
        if "role" in data and data["role"] != user.role:
            raise ValidationError({"role": "不能修改自己的角色，请由其他管理员操作"})
        if "department" in data and data["department"] != user.department:
            raise ValidationError({"department": "不能修改自己的所属部门，请由其他管理员操作"})
    for k, v in data.items():
        if k in USER_FIELDS:
            setattr(user, k, v)
    user.full_clean(exclude=["password"])
    user.save()
    record_change(actor=actor, obj=user, before=before, fields=_SNAPSHOT_FIELDS)
    return user


@transaction.atomic
def set_password(*, actor, user: User, password: str) -> None:
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    from propwatch.audit.models import AuditAction
    from propwatch.audit.services import record

    record(actor=actor, action=AuditAction.UPDATE, obj=user, note="重置密码")


@transaction.atomic
def create_department(*, actor, data: dict[str, Any]) -> Department:
    dept = Department(**data)
    dept.full_clean()
    dept.save()
    record_change(actor=actor, obj=dept, before=None)
    return dept
