"""Creating notifications. Idempotent by key: sending the same (user, key) twice sends once."""

from django.conf import settings
from django.db import IntegrityError, transaction

from .models import Notification


def notify(user, *, key: str, title: str, body: str = "", url: str = "") -> bool:
    """Create the notification unless this user already has one with this key. True if created."""
    try:
        with transaction.atomic():
            Notification.objects.create(user=user, key=key[:120], title=title[:200], body=body, url=url)
    except IntegrityError:
        return False
    if getattr(settings, "NOTIFY_BY_EMAIL", False) and user.email:
        from django.core.mail import send_mail

        send_mail(f"[物业专项整治] {title}", f"{body}\n\n{url}", None, [user.email], fail_silently=True)
    return True


def notify_problem_change(problem_id: int, kind: str) -> None:
    """Tell the people who act next on a problem that it changed. Filled in by the ledger."""
    from propwatch.ledger.notify import on_problem_change

    on_problem_change(problem_id, kind)
