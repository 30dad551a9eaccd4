"""Background tasks of complaints (django.tasks; enqueued daily by `propwatch schedule`)."""

from django.tasks import task

from .retention import anonymise_expired


@task
def anonymise_expired_contacts(day: str) -> int:
    """Idempotent: a second run the same day finds nothing left to erase."""
    return anonymise_expired()
