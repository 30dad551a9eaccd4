"""`propwatch schedule`: each periodic job is enqueued once per day, however often it runs and from
however many machines, and the database worker then runs it.

These tests use the real queue (django-tasks-db's DatabaseBackend), not the immediate backend the
rest of the suite uses, so "enqueued once" is counted in the queue table itself.
"""

import datetime
import io
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connections
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import is_locked_database_exception

from propwatch.ledger import services as ledger_services
from propwatch.ledger.choices import Source
from propwatch.ledger.deadlines import end_of_day
from propwatch.notifications.models import Notification, ScheduledRun
from propwatch.notifications.scheduling import PERIODIC_JOBS, claim_and_enqueue
from propwatch.registry.tests.factories import ProjectFactory

JOB = "ledger.daily_reminders"


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def only_reminders(request):
    """These tests follow the claiming of one job; the list of jobs is tested on its own below."""
    if "all_jobs" in request.keywords:
        yield
        return
    saved = PERIODIC_JOBS[:]
    PERIODIC_JOBS[:] = [j for j in saved if j.name == JOB]
    yield
    PERIODIC_JOBS[:] = saved


@pytest.mark.all_jobs
def test_every_periodic_job_is_enqueued_once_a_day(db, database_queue):
    schedule()
    schedule()
    assert sorted(DBTaskResult.objects.values_list("task_path", flat=True)) == [
        "propwatch.complaints.tasks.anonymise_expired_contacts", "propwatch.ledger.tasks.send_daily_reminders"]


def schedule(*args) -> str:
    out = io.StringIO()
    call_command("schedule", *args, stdout=out)
    return out.getvalue()


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", "--queue-name", "*")


def today() -> str:
    return timezone.localdate().isoformat()


def test_running_the_scheduler_twice_enqueues_the_day_once(db, database_queue):
    first = schedule()
    second = schedule()

    [queued] = DBTaskResult.objects.all()
    [run] = ScheduledRun.objects.all()
    assert (run.job, run.period) == (JOB, today())
    assert queued.task_path == "propwatch.ledger.tasks.send_daily_reminders"
    assert queued.args_kwargs == {"args": [today()], "kwargs": {}}
    assert run.task_id == str(queued.id)
    assert first.strip() == f"每日到期和逾期提醒（{JOB}，{today()}）：已加入任务队列，任务编号 {queued.id}"
    assert second.strip() == f"每日到期和逾期提醒（{JOB}，{today()}）：本期已由调度进程领取，未重复加入"


def test_a_day_claimed_by_another_machine_is_not_enqueued_here(db, database_queue):
    ScheduledRun.objects.create(job=JOB, period=today(), task_id="enqueued-elsewhere")
    assert "本期已由调度进程领取" in schedule()
    assert not DBTaskResult.objects.exists()


def test_a_missed_day_can_be_caught_up_once(db, database_queue):
    schedule("--day", "2026-12-01")
    schedule("--day", "2026-12-01")
    assert list(ScheduledRun.objects.values_list("period", flat=True)) == ["2026-12-01"]
    assert DBTaskResult.objects.get().args_kwargs["args"] == ["2026-12-01"]
    with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD"):
        schedule("--day", "12/01/2026")


def test_a_claimed_day_is_enqueued_again_only_on_request(db, database_queue):
    schedule("--day", "2026-12-01")
    first = DBTaskResult.objects.get()
    assert "本期已由调度进程领取" in schedule("--day", "2026-12-01")
    assert "已加入任务队列" in schedule("--day", "2026-12-01", "--rerun")
    [second] = DBTaskResult.objects.exclude(pk=first.pk)
    assert ScheduledRun.objects.get().task_id == str(second.id)


def test_the_claim_is_undone_when_the_task_cannot_be_enqueued(db, database_queue, monkeypatch):
    # The claim and the queue row are written in one transaction: a claim without its task would
    # silently skip the day on every machine.
    def broken(self, task, args, kwargs):
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(DatabaseBackend, "enqueue", broken)
    with pytest.raises(RuntimeError):
        schedule()
    assert not ScheduledRun.objects.exists()
    monkeypatch.undo()
    assert "已加入任务队列" in schedule()
    assert DBTaskResult.objects.count() == 1


def test_the_worker_runs_the_scheduled_reminders(transactional_db, yichang, xiling_housing_staff, street_officer,
                                                 database_queue):
    # Given an overdue problem assigned to the street office
    registered = timezone.now() - datetime.timedelta(days=10)
    problem = ledger_services.register_problem(
        actor=xiling_housing_staff, project=ProjectFactory(), focus=2, description="占用消防通道经营",
        source=Source.INSPECTION, found_on=timezone.localdate(registered), now=registered,
        responsible_department=street_officer.department,
        deadline=end_of_day(timezone.localdate() - datetime.timedelta(days=2)),
    )
    Notification.objects.all().delete()
    # When the scheduler runs twice and a worker works through the queue
    schedule()
    schedule()
    run_worker()
    # Then the task ran once and the street office was reminded
    [result] = DBTaskResult.objects.all()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"day": today(), "reminders": 1, "county_digests": 1}
    [reminder] = Notification.objects.filter(user=street_officer)
    assert reminder.title == f"已逾期：{problem.number} {problem.project.name}"
    # And another round the same day finds nothing to do
    schedule()
    run_worker()
    assert DBTaskResult.objects.count() == 1


def test_two_schedulers_at_the_same_moment_enqueue_once(transactional_db, database_queue):
    # Two machines run the scheduler at once: both try to claim the day; the unique constraint lets
    # one insert win, and only the winner enqueues.
    job = next(j for j in PERIODIC_JOBS if j.name == JOB)
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def machine():
        try:
            barrier.wait(timeout=10)
            for _attempt in range(200):
                try:
                    outcomes.append(claim_and_enqueue(job, "2026-12-05"))
                    break
                except OperationalError as exc:
                    # The in-memory SQLite test database reports a busy table at once, where the
                    # file database (timeout=20) waits for the other writer: wait here instead.
                    if not is_locked_database_exception(exc):
                        raise
                    time.sleep(0.05)
        except Exception as exc:  # reported below: an error must fail the test, not vanish
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=machine) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(outcomes) == 2
    assert sorted(o.enqueued for o in outcomes) == [False, True]
    assert ScheduledRun.objects.filter(period="2026-12-05").count() == 1
    assert DBTaskResult.objects.count() == 1
