"""`propwatch schedule`: enqueue each periodic job once for the current period.

Safe to run as often as you like and on several machines at once: a (job, period) pair is claimed
by inserting a unique row, and only the scheduler whose insert wins enqueues the task. Run it
from cron or a systemd timer (hourly is plenty); `scripts/serve` runs it at start and hourly.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from propwatch.notifications.scheduling import PERIODIC_JOBS, claim_and_enqueue, run_due_jobs


class Command(BaseCommand):
    help = "Enqueue each periodic job (the daily reminders) once per day, even when run twice or on two machines."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="Claim this day (YYYY-MM-DD) instead of today in Asia/Shanghai, "
                                          "e.g. to catch up a day the scheduler missed.")
        parser.add_argument("--rerun", action="store_true",
                            help="Enqueue even if the day was already claimed (e.g. its task failed). The jobs "
                                 "are idempotent per day: a rerun only sends what is still missing.")

    def handle(self, *args, day=None, rerun=False, **options):
        if day:
            try:
                period = datetime.date.fromisoformat(day).isoformat()
            except ValueError as exc:
                raise CommandError(f"日期格式应为 YYYY-MM-DD：{day}") from exc
            outcomes = [claim_and_enqueue(job, period, rerun=rerun) for job in PERIODIC_JOBS]
        else:
            outcomes = run_due_jobs(rerun=rerun)
        for o in outcomes:
            if o.enqueued:
                self.stdout.write(self.style.SUCCESS(
                    f"{o.job.label}（{o.job.name}，{o.period}）：已加入任务队列，任务编号 {o.task_id}"))
            else:
                self.stdout.write(f"{o.job.label}（{o.job.name}，{o.period}）：本期已由调度进程领取，未重复加入")
