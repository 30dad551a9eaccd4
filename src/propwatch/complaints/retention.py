"""Keep complainants' contact data only as long as needed (个人信息保护法 art. 19).

A complaint's name and phone are erased once the complaint is finished and the retention period
has passed: rejected complaints from their decision, handled ones from the close-out of the
problem they follow. The complaint itself (text, project, dates, decision) stays for the
reports; only the identity goes. One audit row records how many were anonymised.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from propwatch.audit.models import AuditAction
from propwatch.audit.services import record
from propwatch.ledger.choices import State as ProblemState

from .choices import State
from .models import Complaint


def expired(now: datetime.datetime | None = None):
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.COMPLAINT_PII_RETENTION_DAYS)
    finished = (
        Q(state=State.REJECTED, decided_at__lt=cutoff)
        | Q(problem__state=ProblemState.CLOSED, problem__closed_at__lt=cutoff)
        | Q(problem__isnull=True, duplicate_of__problem__state=ProblemState.CLOSED,
            duplicate_of__problem__closed_at__lt=cutoff)
    )
    return Complaint.objects.filter(finished).filter(~Q(name_cipher="") | ~Q(phone_cipher=""))


@transaction.atomic
def anonymise_expired(now: datetime.datetime | None = None) -> int:
    """Erase the contact data of finished complaints past the retention period; returns how many."""
    ids = list(expired(now).values_list("pk", flat=True))
    if not ids:
        return 0
    count = Complaint.objects.filter(pk__in=ids).update(name_cipher="", phone_cipher="", updated_at=timezone.now())
    record(actor=None, action=AuditAction.UPDATE, object_type="complaints.complaint", object_repr="投诉人信息到期清除",
           note=f"已清除 {count} 件办结超过 {settings.COMPLAINT_PII_RETENTION_DAYS} 天的投诉的投诉人姓名和电话")
    return count
