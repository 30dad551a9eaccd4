"""Scoped reads: likely duplicates, problems a complaint can join, corrections for retraining."""

import datetime
import math
from collections import Counter
from collections.abc import Iterator

from django.conf import settings

from propwatch.ledger.choices import State as ProblemState
from propwatch.ledger.models import Problem

from .choices import State
from .models import Complaint

SIMILARITY_THRESHOLD = 0.3


def _bigrams(text: str) -> Counter:
    chars = [c for c in (text or "") if not c.isspace() and c not in "，。！？、；：,.!?;:“”\"'（）()"]
    return Counter(a + b for a, b in zip(chars, chars[1:], strict=False)) or Counter(chars)


def similarity(a: str, b: str) -> float:
    """Cosine similarity of character bigrams: robust to word order and Chinese without spaces."""
    x, y = _bigrams(a), _bigrams(b)
    dot = sum(v * y[k] for k, v in x.items() if k in y)
    norm = math.sqrt(sum(v * v for v in x.values())) * math.sqrt(sum(v * v for v in y.values()))
    return dot / norm if norm else 0.0


def likely_duplicates(complaint: Complaint, user, limit: int = 5) -> list[tuple[Complaint, float]]:
    """Earlier or later complaints on the same project within the window, from any channel, most similar first."""
    window = datetime.timedelta(days=settings.COMPLAINT_DUPLICATE_WINDOW_DAYS)
    candidates = (
        Complaint.objects.visible_to(user)
        .filter(project_id=complaint.project_id, received_at__gte=complaint.received_at - window,
                received_at__lte=complaint.received_at + window)
        .exclude(pk=complaint.pk).exclude(state=State.REJECTED)
        .select_related("problem").order_by("-received_at")[:300]
    )
    scored = [(c, similarity(complaint.text, c.text)) for c in candidates]
    scored = [(c, round(s, 2)) for c, s in scored if s >= SIMILARITY_THRESHOLD]
    scored.sort(key=lambda pair: (-pair[1], pair[0].received_at))
    return scored[:limit]


def joinable_problems(complaint: Complaint, user, focus: int | None = None):
    """Open problems of the same project (and focus, when known) a complaint can join."""
    qs = (Problem.objects.visible_to(user).filter(project_id=complaint.project_id)
          .exclude(state=ProblemState.CLOSED).select_related("responsible_department"))
    focus = focus or complaint.focus or complaint.suggested_focus
    if focus:
        qs = qs.filter(focus=focus)
    return qs.order_by("-found_on")[:20]


def classifier_corrections() -> Iterator[tuple[str, int, str]]:
    """(text, focus, route) confirmed by staff, for retraining the classifier.

    Every decided complaint whose classification a person confirmed counts (also the ones that
    agreed with the suggestion: they keep the model honest); rejected complaints count with the
    focus staff gave them (0 when outside the campaign).
    """
    rows = (Complaint.objects.exclude(focus=None).exclude(route="")
            .values_list("text", "focus", "route").iterator(chunk_size=2000))
    yield from rows


def complaint_summary(user) -> dict:
    """Headline counts for the home page, in one query."""
    from django.db.models import Count, Q
    from django.utils import timezone

    now = timezone.now()
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return Complaint.objects.visible_to(user).aggregate(
        received=Count("pk", filter=Q(state=State.RECEIVED)),
        reply_overdue=Count("pk", filter=Q(replied_at__isnull=True, reply_deadline__lt=now) & ~Q(state=State.REJECTED)),
        accepted_this_month=Count("pk", filter=Q(state__in=[State.ACCEPTED, State.DUPLICATE],
                                                 decided_at__gte=month_start)),
        this_month=Count("pk", filter=Q(received_at__gte=month_start)),
    )
