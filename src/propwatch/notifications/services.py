"""Creating and reading notifications. Idempotent by key: the same (user, key) is sent once.

`notify` sends one notification; `notify_many` sends a batch with a fixed number of queries per
batch (the daily reminders send thousands). Both e-mail only when `settings.NOTIFY_BY_EMAIL` is
on (PROPWATCH_EMAIL_HOST is set); without it the in-app list is the only channel.
"""

import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification

EMAIL_SUBJECT_PREFIX = "[物业专项整治]"
# Rows per INSERT / per lookup of existing keys: well under SQLite's limit on query parameters.
BATCH = 500

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Draft:
    """A notification to send: who, its idempotency key and what it says."""

    user_id: int
    key: str
    title: str
    body: str = ""
    url: str = ""


def notify(user, *, key: str, title: str, body: str = "", url: str = "") -> bool:
    """Create the notification unless this user already has one with this key. True if created."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(user=user, key=key[:120], title=title[:200], body=body,
                                                       url=url)
    except IntegrityError:
        return False
    if settings.NOTIFY_BY_EMAIL and user.email:
        _email(user.pk, user.email, [notification])
    return True


def notify_many(drafts: Iterable[Draft]) -> list[Notification]:
    """Create every draft whose (user, key) is new; return the created ones.

    Two queries per batch of 500: the keys that already exist, then one INSERT that also ignores
    rows a concurrent run inserted in between (the unique constraint has the last word).
    """
    created: list[Notification] = []
    pending: list[Draft] = []
    for draft in drafts:
        pending.append(draft)
        if len(pending) == BATCH:
            created += _insert_batch(pending)
            pending = []
    if pending:
        created += _insert_batch(pending)
    if settings.NOTIFY_BY_EMAIL and created:
        _email_digests(created)
    return created


def _insert_batch(drafts: list[Draft]) -> list[Notification]:
    wanted = {(d.user_id, d.key[:120]): d for d in drafts}
    existing = set(
        Notification.objects.filter(user_id__in={u for u, _ in wanted}, key__in={k for _, k in wanted})
        .values_list("user_id", "key")
    )
    new = [Notification(user_id=u, key=k, title=d.title[:200], body=d.body, url=d.url)
           for (u, k), d in wanted.items() if (u, k) not in existing]
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    return new


def _email_digests(created: list[Notification]) -> None:
    """One e-mail per user for what this batch created for them, not one e-mail per row."""
    from propwatch.accounts.models import User

    by_user: dict[int, list[Notification]] = defaultdict(list)
    for n in created:
        by_user[n.user_id].append(n)
    emails = dict(User.objects.filter(pk__in=by_user, is_active=True).exclude(email="")
                  .values_list("pk", "email"))
    for user_id, rows in by_user.items():
        if user_id in emails:
            _email(user_id, emails[user_id], rows)


def _email(user_id: int, address: str, rows: list[Notification]) -> None:
    # Links are paths inside the app (no public base URL is configured): the mail says where to
    # look instead of carrying a link that would not open from a mail client.
    if len(rows) == 1:
        subject, body = rows[0].title, rows[0].body
    else:
        subject = f"您有 {len(rows)} 条新通知"
        body = "\n\n".join("\n".join(x for x in (n.title, n.body) if x) for n in rows)
    body += "\n\n请登录物业专项整治监管平台查看详情。"
    try:
        send_mail(f"{EMAIL_SUBJECT_PREFIX} {subject}", body, None, [address])
    except (OSError, smtplib.SMTPException):
        # The in-app notification stands; a mail server being down must not fail the caller.
        # `emailed_at` stays empty, so it is visible which notifications never went out by mail.
        logger.warning("Could not e-mail %d notification(s) to user %s", len(rows), user_id, exc_info=True)
        return
    Notification.objects.filter(user_id=user_id, key__in=[n.key for n in rows], emailed_at__isnull=True).update(
        emailed_at=timezone.now())


def mark_read(*, actor, notification_id: int) -> bool:
    """Mark one of the actor's own notifications read. False when it is not theirs or already read."""
    return bool(Notification.objects.filter(pk=notification_id, user=actor, read_at__isnull=True)
                .update(read_at=timezone.now()))


def mark_all_read(*, actor) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())


def notify_problem_change(problem_id: int, kind: str) -> None:
    """Tell the people who act next on a problem that it changed. Filled in by the ledger."""
    from propwatch.ledger.notify import on_problem_change

    on_problem_change(problem_id, kind)
