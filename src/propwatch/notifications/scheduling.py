"""Periodic jobs, claimed once per period by whichever scheduler gets there first.

`propwatch schedule` runs from cron, a systemd timer or `scripts/serve` (every hour), possibly on
several machines at once. For each job it inserts a `ScheduledRun(job, period)` row; the unique
constraint lets exactly one insert win, and only the winner enqueues the task, in the same
transaction, so a claim without its task (or a task without its claim) is never committed.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import ScheduledRun


@dataclass(frozen=True)
class PeriodicJob:
    """A task to enqueue once per day, called with the day (ISO, Asia/Shanghai) as its argument."""

    name: str
    task_path: str
    label: str

    def period(self, now: datetime.datetime) -> str:
        return timezone.localdate(now).isoformat()

    @property
    def task(self):
        return import_string(self.task_path)


PERIODIC_JOBS = [
    PeriodicJob("ledger.daily_reminders", "propwatch.ledger.tasks.send_daily_reminders", "每日到期和逾期提醒"),
    PeriodicJob("complaints.anonymise", "propwatch.complaints.tasks.anonymise_expired_contacts",
                "清除到期的投诉人信息"),
]


@dataclass(frozen=True)
class Outcome:
    job: PeriodicJob
    period: str
    enqueued: bool
    task_id: str = ""


def claim_and_enqueue(job: PeriodicJob, period: str, *, rerun: bool = False) -> Outcome:
    """Enqueue `job` for `period` unless some scheduler already did.

    `rerun` enqueues again a period already claimed (after its task failed, say): the jobs are
    idempotent per period, so a second run only does what the first left undone.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a lost race leaves the outer transaction usable
                run = ScheduledRun.objects.create(job=job.name, period=period)
        except IntegrityError:
            if not rerun:
                return Outcome(job, period, enqueued=False)
            run = ScheduledRun.objects.select_for_update().get(job=job.name, period=period)
        result = job.task.enqueue(period)
        run.task_id = str(result.id)[:64]
        run.save(update_fields=["task_id"])
    return Outcome(job, period, enqueued=True, task_id=run.task_id)


def run_due_jobs(now: datetime.datetime | None = None, *, rerun: bool = False) -> list[Outcome]:
    now = now or timezone.now()
    return [claim_and_enqueue(job, job.period(now), rerun=rerun) for job in PERIODIC_JOBS]
