"""Logins, logouts and failed logins go to the audit trail too."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .middleware import client_ip
from .models import AuditAction
from .services import record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record(actor=user, action=AuditAction.LOGIN, obj=user, ip=client_ip(request) if request else None)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(actor=user, action=AuditAction.LOGOUT, obj=user, ip=client_ip(request) if request else None)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # Never store the attempted password: only the username typed.
    username = str(credentials.get("username", ""))[:150]
    record(  # the actor is the name typed: there is no user to point at
        actor=username or None, action=AuditAction.LOGIN_FAILED, object_type="accounts.user", object_repr=username,
        note=f"用户名：{username}", ip=client_ip(request) if request else None,
    )
