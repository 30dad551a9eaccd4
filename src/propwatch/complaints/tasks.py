"""Background tasks of complaints (django.tasks; enqueued daily by `propwatch schedule`)."""

from django.tasks import task

from .retention import anonymise_expired

BATCH = 500


@task
def anonymise_expired_contacts(day: str) -> int:
    """Idempotent: a second run the same day finds nothing left to erase."""
    return anonymise_expired()


@task
def classify_pending() -> int:
    """Suggest focus and route for every complaint still without a suggestion, in batches."""
    from .classifier import classify_many
    from .models import Complaint
    from .services import apply_suggestions

    done = 0
    while True:
        batch = list(Complaint.objects.filter(suggested_focus__isnull=True).order_by("pk")
                     .only("pk", "text", "state", "received_at")[:BATCH])
        if not batch:
            return done
        done += apply_suggestions(batch, classify_many([c.text for c in batch]))
