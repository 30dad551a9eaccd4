"""Writing audit rows. Domain services call `record` inside their own transaction."""

import datetime
import decimal

from django.db import models

from .middleware import current_ip
from .models import AuditAction, AuditEvent


def _jsonable(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


# Never copied into the audit trail: secrets, and timestamps the row itself carries.
_NOT_AUDITED = {"created_at", "updated_at", "password", "last_login"}


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """The concrete field values of a row, as JSON-safe data (foreign keys as ids)."""
    names = fields or [f.attname for f in obj._meta.concrete_fields if f.attname not in _NOT_AUDITED]
    return {name: _jsonable(getattr(obj, name)) for name in names}


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
    ip: str | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    real_actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=real_actor,
        actor_name=(str(actor.display_name or actor.username) if real_actor else (str(actor) if actor else "系统")),
        ip=ip or current_ip(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        before=before,
        after=after,
        note=note,
    )


def record_change(
    *, actor, obj: models.Model, before: dict | None, note: str = "", fields: list[str] | None = None
) -> AuditEvent | None:
    """Record a create (before=None) or an update; an update that changed nothing writes nothing.

    `fields` limits the snapshot; pass the same list that made `before`, or fields missing from
    `before` would read as changed on every save.
    """
    after = snapshot(obj, fields)
    if before is None:
        return record(actor=actor, action=AuditAction.CREATE, obj=obj, after=after, note=note)
    changed = {k for k in after if before.get(k) != after.get(k)}
    if not changed:
        return None
    return record(
        actor=actor, action=AuditAction.UPDATE, obj=obj,
        before={k: before.get(k) for k in changed}, after={k: after[k] for k in changed}, note=note,
    )
