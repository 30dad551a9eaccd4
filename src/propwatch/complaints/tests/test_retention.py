"""Contact data is erased once a complaint is finished and the retention period has passed."""

import datetime

from django.utils import timezone

from propwatch.audit.models import AuditEvent
from propwatch.complaints import services
from propwatch.complaints.models import Complaint
from propwatch.complaints.retention import anonymise_expired
from propwatch.complaints.tasks import anonymise_expired_contacts

from .factories import (
    NAME,
    PHONE,
    ComplaintFactory,
    accept,
    close_problem,
    fresh,
    use_stub_classifier,
    xiling_project,
)


def test_finished_complaints_lose_their_contact_after_the_period(settings, monkeypatch, company_user, street_officer):
    use_stub_classifier(monkeypatch)
    settings.COMPLAINT_PII_RETENTION_DAYS = 30
    project = xiling_project(company_user)
    rejected = ComplaintFactory(project=project, name=NAME, phone=PHONE)
    services.reject_complaint(actor=street_officer, complaint=rejected, version=rejected.version, reason="不属于范围")
    handled = accept(ComplaintFactory(project=project, name=NAME, phone=PHONE), street_officer)
    close_problem(handled.problem, verifier=street_officer, submitter=company_user)
    open_one = ComplaintFactory(project=project, name=NAME, phone=PHONE)

    assert anonymise_expired() == 0  # nothing is 30 days old yet
    later = timezone.now() + datetime.timedelta(days=31)
    assert anonymise_expired(later) == 2
    assert fresh(rejected).name() == "" and fresh(handled).phone() == ""
    assert fresh(open_one).phone() == PHONE  # still being handled: kept
    assert fresh(handled).text and fresh(handled).problem_id  # the record stays for the reports
    assert AuditEvent.objects.filter(object_repr="投诉人信息到期清除").count() == 1
    assert anonymise_expired(later) == 0


def test_the_daily_task_runs(db, settings):
    settings.COMPLAINT_PII_RETENTION_DAYS = 0
    assert anonymise_expired_contacts.call("2026-12-03") == 0
    assert not Complaint.objects.exists()
