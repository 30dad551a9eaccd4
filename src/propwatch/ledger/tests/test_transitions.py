"""The transitions table: every legal move succeeds, every illegal one is refused with a reason."""

import itertools

import pytest

from propwatch.ledger import services
from propwatch.ledger.choices import TRANSITIONS, EventKind, State
from propwatch.ledger.errors import Conflict, IllegalTransition, LedgerError, NotAllowed
from propwatch.ledger.models import Problem

from .factories import bring_to as shared_bring_to
from .factories import png_upload, register


@pytest.fixture
def actors(xiling_housing_staff, city_admin, company_user):
    from propwatch.accounts.tests.factories import UserFactory

    # A second county officer: the verifier must not be the person who submitted.
    colleague = UserFactory(department=xiling_housing_staff.department, username="t_xiling_colleague")
    return {"county": xiling_housing_staff, "colleague": colleague, "city": city_admin, "company": company_user}


def _project_of(company_user):
    return company_user.department.company.projects.get(name="江城西陵花园")


def bring_to(state: str, actors) -> Problem:
    return shared_bring_to(state, actors["county"], actors["company"])


def _do(target: str, p: Problem, actors) -> Problem:
    county, company = actors["county"], actors["company"]
    if target == State.ASSIGNED:
        return services.transition(actor=county, problem=p, target=target, version=p.version,
                                   department=county.department)
    if target == State.AWAITING_VERIFICATION:
        return services.transition(actor=company, problem=p, target=target, version=p.version, note="已整改",
                                   files=[png_upload()])
    if target == State.CLOSED:
        return services.transition(actor=county, problem=p, target=target, version=p.version)
    if target == State.RECTIFYING:
        actor = company if p.state == State.ASSIGNED else county
        return services.transition(actor=actor, problem=p, target=target, version=p.version, note="未整改到位")
    return services.transition(actor=county, problem=p, target=target, version=p.version)


# Sorted: sets iterate in a per-process order, and xdist workers must collect the same tests.
LEGAL = sorted((s, t) for s, targets in TRANSITIONS.items() for t in targets)
ILLEGAL = [(s, t) for s, t in itertools.product(State.values, State.values) if (s, t) not in LEGAL]


@pytest.mark.parametrize(("source", "target"), LEGAL)
def test_every_legal_move_succeeds_and_writes_an_event(source, target, actors):
    problem = bring_to(source, actors)
    moved = _do(target, problem, actors)
    assert moved.state == target
    last = moved.events.order_by("-id").first()
    assert (last.kind, last.from_state, last.to_state) == (EventKind.TRANSITION, source, target)


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_every_illegal_move_is_refused_and_changes_nothing(source, target, actors):
    problem = bring_to(source, actors)
    events_before = problem.events.count()
    with pytest.raises(IllegalTransition) as err:
        _do(target, problem, actors)
    assert "不能变更为" in err.value.message or "只有" in err.value.message
    problem.refresh_from_db()
    assert problem.state == source and problem.events.count() == events_before


def test_submitter_cannot_verify_their_own_rectification(actors):
    county = actors["county"]
    p = bring_to(State.RECTIFYING, actors)
    # The county officer submits on the company's behalf, then tries to close it.
    p = services.submit_rectification(actor=county, problem=p, version=p.version, note="代为提交",
                                      files=[png_upload()])
    with pytest.raises(NotAllowed, match="不能核验自己提交"):
        services.close_problem(actor=county, problem=p, version=p.version)
    closed = services.close_problem(actor=actors["colleague"], problem=p, version=p.version)
    assert closed.state == State.CLOSED and closed.closed_by == actors["colleague"]


def test_company_cannot_verify(actors):
    p = bring_to(State.AWAITING_VERIFICATION, actors)
    with pytest.raises(NotAllowed):
        services.close_problem(actor=actors["company"], problem=p, version=p.version)


def test_submission_needs_a_note_and_a_file(actors):
    p = bring_to(State.RECTIFYING, actors)
    with pytest.raises(LedgerError, match="至少一份"):
        services.submit_rectification(actor=actors["company"], problem=p, version=p.version, note="已整改", files=[])
    with pytest.raises(LedgerError, match="整改情况"):
        services.submit_rectification(actor=actors["company"], problem=p, version=p.version, note=" ",
                                      files=[png_upload()])
    p.refresh_from_db()
    assert p.state == State.RECTIFYING and not p.evidence.exists()


def test_send_back_and_reopen_need_a_reason(actors):
    p = bring_to(State.AWAITING_VERIFICATION, actors)
    with pytest.raises(LedgerError, match="原因"):
        services.send_back(actor=actors["county"], problem=p, version=p.version, reason="")
    closed = bring_to(State.CLOSED, actors)
    with pytest.raises(LedgerError, match="原因"):
        services.reopen_problem(actor=actors["city"], problem=closed, version=closed.version, reason=" ")
    reopened = services.reopen_problem(actor=actors["city"], problem=closed, version=closed.version,
                                       reason="业主反映问题复发")
    assert reopened.state == State.RECTIFYING and reopened.closed_at is None


def test_company_cannot_reopen_or_assign(actors):
    closed = bring_to(State.CLOSED, actors)
    with pytest.raises(NotAllowed):
        services.reopen_problem(actor=actors["company"], problem=closed, version=closed.version, reason="x")
    fresh = bring_to(State.REGISTERED, actors)
    with pytest.raises(NotAllowed):
        services.assign_problem(actor=actors["company"], problem=fresh, version=fresh.version,
                                department=actors["county"].department)


def test_second_person_acting_on_the_same_version_gets_a_conflict(actors):
    p = bring_to(State.AWAITING_VERIFICATION, actors)
    seen = p.version
    services.close_problem(actor=actors["county"], problem=p, version=seen)
    with pytest.raises(Conflict, match="刷新"):
        services.send_back(actor=actors["colleague"], problem=p, version=seen, reason="照片不清楚")
    p.refresh_from_db()
    assert p.state == State.CLOSED
    assert not p.events.filter(note="照片不清楚").exists()


def test_timeline_reads_in_order(actors):
    p = bring_to(State.CLOSED, actors)
    kinds = list(p.events.values_list("kind", "to_state"))
    assert kinds[0] == (EventKind.REGISTER, State.REGISTERED)
    assert [t for _, t in kinds[1:]] == [State.ASSIGNED, State.RECTIFYING, State.AWAITING_VERIFICATION,
                                         State.CLOSED]


def test_numbers_are_per_county_and_year(actors):
    a = register(actors["county"], _project_of(actors["company"]))
    b = register(actors["county"], _project_of(actors["company"]))
    assert a.number.startswith("420502-") and int(b.number[-6:]) == int(a.number[-6:]) + 1
