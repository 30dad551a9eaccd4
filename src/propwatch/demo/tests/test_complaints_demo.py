"""The demo complaints: every channel and state, linked to the ledger, called back, loaded once."""

import datetime
import functools
import re

import pytest
from django.utils import timezone

from propwatch.audit.models import AuditEvent
from propwatch.complaints.choices import Channel, Satisfaction, State
from propwatch.complaints.models import Callback, Complaint, ComplaintEvent
from propwatch.demo import complaints_demo, ledger_demo, loader
from propwatch.ledger.models import Problem, ProblemEvent

WORK_ORDER_NO = re.compile(r"^YC12345-\d{8}-\d{5}$")


@pytest.fixture
def small_demo(settings, tmp_path, monkeypatch, yichang):
    """The whole demo at a tenth of its size: 300 estates, 60 ledger problems, 200 complaints."""
    settings.VAR_DIR = tmp_path
    monkeypatch.delenv("PROPWATCH_DEMO_PASSWORD", raising=False)
    monkeypatch.setattr(loader, "DEMO_PROJECTS", 300)
    monkeypatch.setattr(loader, "DEMO_COMPANIES", 40)
    monkeypatch.setattr(ledger_demo, "load_ledger", functools.partial(ledger_demo.load_ledger, count=60))
    monkeypatch.setattr(complaints_demo, "DEMO_COMPLAINTS", 200)
    loader.load_demo()


def table_counts() -> dict[str, int]:
    return {"complaints": Complaint.objects.count(), "events": ComplaintEvent.objects.count(),
            "callbacks": Callback.objects.count(), "problems": Problem.objects.count(),
            "problem events": ProblemEvent.objects.count(), "audit": AuditEvent.objects.count()}


# Loading even the small demo takes a while: one test loads it, checks what it should hold, and
# loads it again to see that nothing is added.

def test_the_demo_complaints_cover_every_channel_and_state_and_load_once(small_demo):
    assert_every_channel_and_state()
    assert_decisions_link_complaints_to_the_ledger()
    assert_callbacks_of_each_kind_and_dissatisfaction_reopens()
    assert_the_timeline_lies_in_the_past_five_months_and_in_order()

    before = table_counts()
    loader.load_demo()
    assert table_counts() == before


def assert_every_channel_and_state():
    complaints = list(Complaint.objects.select_related("problem", "duplicate_of"))
    assert len(complaints) == 200
    assert {c.channel for c in complaints} == set(Channel.values)
    assert {c.state for c in complaints} == set(State.values)
    # Residents both named and anonymous; some asked to stay confidential.
    assert any(c.is_anonymous for c in complaints) and any(not c.is_anonymous for c in complaints)
    assert any(c.confidential for c in complaints)
    assert all(c.phone() == "" or len(c.phone()) in (11, 12) for c in complaints)
    work_orders = [c for c in complaints if c.channel == Channel.WORK_ORDER]
    assert all(WORK_ORDER_NO.match(c.work_order_no) for c in work_orders)
    assert all(c.work_order_no is None for c in complaints if c.channel != Channel.WORK_ORDER)


def assert_decisions_link_complaints_to_the_ledger():
    accepted = Complaint.objects.filter(state=State.ACCEPTED).select_related("problem")
    assert accepted.exists()
    for c in accepted:
        assert c.problem is not None and c.handling_department_id is not None
        assert (c.problem.project_id, c.problem.focus) == (c.project_id, c.focus)
    # Several residents' complaints were handled as one problem.
    shared = {c.problem_id for c in accepted if accepted.filter(problem_id=c.problem_id).count() > 1}
    assert shared
    # Some joined a problem the ledger already held (found before the complaint came in).
    assert any(c.problem.found_on < timezone.localdate(c.received_at) for c in accepted)

    duplicates = Complaint.objects.filter(state=State.DUPLICATE).select_related("duplicate_of")
    assert duplicates.exists()
    assert all(d.duplicate_of.project_id == d.project_id and d.duplicate_of.state != State.REJECTED
               for d in duplicates)
    assert any(d.channel != d.duplicate_of.channel for d in duplicates)  # across channels

    for c in Complaint.objects.filter(state=State.REJECTED):
        assert "不属于" in c.decision_note or "不明确" in c.decision_note
        assert c.replied_at is not None and c.problem_id is None
    assert Complaint.objects.filter(state=State.RECEIVED, decided_at=None).exists()


def assert_callbacks_of_each_kind_and_dissatisfaction_reopens():
    callbacks = list(Callback.objects.select_related("complaint"))
    assert {cb.satisfaction for cb in callbacks} == set(Satisfaction.values)
    for cb in callbacks:
        assert cb.complaint.state in (State.ACCEPTED, State.DUPLICATE)
        assert cb.problem_closed_at is not None and cb.at > cb.problem_closed_at
    for cb in (cb for cb in callbacks if cb.satisfaction == Satisfaction.DISSATISFIED):
        problem = cb.complaint.followed_problem
        reopened = problem.events.filter(data__callback=True).get()
        assert reopened.at == cb.at and problem.closed_at is None


def assert_the_timeline_lies_in_the_past_five_months_and_in_order():
    # The services stamp the time of the load; the demo moves every stamp back into the months
    # it represents (the audit trail alone keeps the real time of the load).
    loaded = AuditEvent.objects.filter(object_type="complaints.complaint").order_by("at").first().at
    oldest = loaded - datetime.timedelta(days=complaints_demo.DAYS + 1)
    for c in Complaint.objects.all():
        assert oldest < c.received_at < loaded
        assert c.created_at == c.received_at
        assert c.decided_at is None or c.received_at < c.decided_at < loaded
        assert c.replied_at is None or c.received_at <= c.replied_at < loaded
    assert not ComplaintEvent.objects.filter(at__gte=loaded).exists()
    assert not Callback.objects.filter(at__gte=loaded).exists()
    assert not Problem.objects.filter(complaints__isnull=False, closed_at__gte=loaded).exists()
    # Each complaint's story starts with its receipt, and its decision comes before any reply.
    for c in Complaint.objects.exclude(decided_at=None).prefetch_related("events"):
        kinds = [e.kind for e in c.events.all()]
        assert kinds[0] == "receive" and kinds[1] in ("accept", "join", "reject", "duplicate")

