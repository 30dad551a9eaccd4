"""Public complaints are classified after they are stored, by a background task, in batches."""

import datetime

from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from propwatch.complaints import services
from propwatch.complaints.models import Complaint

from .factories import xiling_project


def test_a_burst_of_public_complaints_is_classified_by_one_deferred_task(transactional_db, company_user, settings):
    # Given the database queue, which can defer tasks (what `make run` and production use)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    project = xiling_project(company_user)
    from django.core.cache import cache

    cache.delete("complaints:classification-scheduled")
    # When residents file three complaints within the window
    for text in ["物业把我家的水停了，说是欠物业费", "电梯里贴满了广告", "物业费每平米多收了五毛"]:
        services.submit_public_complaint(project=project, text=text)
    # Then intake stored them without a suggestion, and queued one task for all three
    assert Complaint.objects.filter(suggested_focus__isnull=True).count() == 3
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "propwatch.complaints.tasks.classify_pending"
    assert queued.run_after > timezone.now()  # it waits for the window to close
    # And when the worker runs it, every complaint has its suggestion; the supply cut-off is urgent
    DBTaskResult.objects.update(run_after=timezone.now() - datetime.timedelta(seconds=1))
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", "--queue-name", "*")
    complaints = {c.text[:4]: c for c in Complaint.objects.all()}
    assert not Complaint.objects.filter(suggested_focus__isnull=True).exists()
    supply = complaints["物业把我"]
    assert supply.suggested_focus == 1
    assert (supply.reply_deadline - supply.received_at).total_seconds() == settings.COMPLAINT_URGENT_REPLY_HOURS * 3600
