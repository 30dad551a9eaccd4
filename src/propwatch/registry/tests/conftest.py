import pytest

from propwatch.audit.models import AuditEvent
from propwatch.registry.models import Company, Project


@pytest.fixture
def counts(db):
    """What the database holds now, to compare after an import that must write nothing."""

    def snapshot():
        return Company.objects.count(), Project.objects.count(), AuditEvent.objects.count()

    return snapshot
