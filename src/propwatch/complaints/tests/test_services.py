"""Complaint services from intake to callback: each channel, decisions, duplicates, deadlines, callbacks.

Given / when / then; every change goes through the services. The classifier is replaced by the
fixed keyword rules of `factories.stub_classify` so each test knows the suggestion it gets; one
test at the end runs the real classifier to check the services store what it says.
"""

import datetime

import pytest
from django.utils import timezone

from propwatch.accounts.choices import DepartmentKind
from propwatch.accounts.tests.factories import UserFactory, officer
from propwatch.audit.models import AuditAction, AuditEvent
from propwatch.complaints import routing, selectors, services, tracking
from propwatch.complaints.choices import (
    STAFF_CHANNELS,
    Channel,
    EventKind,
    Progress,
    Route,
    Satisfaction,
    State,
)
from propwatch.complaints.errors import ComplaintError, Conflict, NotAllowed
from propwatch.complaints.models import Callback, Complaint, ComplaintEvent
from propwatch.ledger import services as ledger
from propwatch.ledger.choices import Level, Source
from propwatch.ledger.choices import State as ProblemState
from propwatch.ledger.deadlines import SHANGHAI, end_of_day
from propwatch.ledger.models import Problem, ProblemEvent
from propwatch.ledger.tests.factories import register
from propwatch.registry.tests.factories import ProjectFactory, community

from .factories import (
    NAME,
    PHONE,
    REDACTED_NAME,
    REDACTED_PHONE,
    ComplaintFactory,
    accept,
    close_problem,
    days_ago,
    fresh,
    market_officer,
    wujiagang_project,
)

pytestmark = pytest.mark.django_db

# Friday 6 November 2026, 10:00 in Yichang: five working days later is Friday 13 November.
FRIDAY = datetime.datetime(2026, 11, 6, 10, 0, tzinfo=SHANGHAI)
SUPPLY_CUT = "物业以欠费为由给我家停水三天了，老人孩子没法生活"
CLUTTER = "3号楼楼道里堆放杂物，消防通道被占用，物业一直不管"


@pytest.fixture
def received(project):
    """A resident's public complaint about the company's 西陵 project, not yet decided."""
    complaint, _ = services.submit_public_complaint(project=project, text=CLUTTER, name=NAME, phone=PHONE)
    return complaint


def _register(actor, project, channel=Channel.HOTLINE, text=CLUTTER, received_at=None, **kwargs) -> Complaint:
    return services.register_complaint(actor=actor, channel=channel, project=project, text=text,
                                       received_at=received_at or timezone.now() - datetime.timedelta(hours=1),
                                       **kwargs)


def _counts() -> tuple[int, int, int, int]:
    return (Complaint.objects.count(), ComplaintEvent.objects.count(), Problem.objects.count(),
            AuditEvent.objects.count())


# ---- public intake --------------------------------------------------------------------------------

def test_a_resident_files_a_complaint_on_the_public_site(project):
    complaint, created = services.submit_public_complaint(
        project=project, text=f"  {SUPPLY_CUT}  ", name=NAME, phone="138 0717 1234", confidential=True)

    complaint = fresh(complaint)
    assert created is True
    assert (complaint.channel, complaint.state, complaint.text) == (Channel.WEB, State.RECEIVED, SUPPLY_CUT)
    assert complaint.created_by is None and complaint.received_by_department is None
    assert complaint.confidential is True
    # The phone is stored normalised, so staff and the masks see one form.
    assert (complaint.name(), complaint.phone()) == (NAME, PHONE)
    assert complaint.progress() == Progress.RECEIVED
    [event] = complaint.events.all()
    assert event.kind == EventKind.RECEIVE and event.public and "网上投诉" in event.note
    assert AuditEvent.objects.filter(object_type="complaints.complaint", object_id=str(complaint.pk),
                                     action=AuditAction.CREATE, actor=None).exists()


def test_a_public_complaint_without_text_or_with_a_bad_phone_is_refused_with_a_reason(project):
    with pytest.raises(ComplaintError, match="请填写投诉内容"):
        services.submit_public_complaint(project=project, text="   ")
    with pytest.raises(ComplaintError, match="电话号码格式不正确"):
        services.submit_public_complaint(project=project, text=CLUTTER, phone="12345")
    with pytest.raises(ComplaintError, match="投诉内容过长"):
        services.submit_public_complaint(project=project, text="堆" * (services.MAX_TEXT + 1))
    assert Complaint.objects.count() == 0


# ---- staff intake ---------------------------------------------------------------------------------

@pytest.mark.parametrize("channel", STAFF_CHANNELS)
def test_staff_register_a_complaint_from_each_staff_channel(channel, xiling_housing_staff, project):
    when = timezone.now() - datetime.timedelta(days=2, hours=3)

    complaint = fresh(_register(xiling_housing_staff, project, channel=channel, received_at=when,
                                name=NAME, phone=PHONE))

    assert (complaint.channel, complaint.received_at, complaint.state) == (channel, when, State.RECEIVED)
    assert complaint.received_by_department == xiling_housing_staff.department
    assert complaint.created_by == xiling_housing_staff
    [event] = complaint.events.all()
    # The timeline starts when the resident complained, not when staff typed it in.
    assert (event.kind, event.at, event.public) == (EventKind.RECEIVE, when, True)
    assert Channel(channel).label in event.note


def test_a_street_office_registers_complaints_too(street_officer, project):
    complaint = _register(street_officer, project, channel=Channel.VISIT)
    assert complaint.received_by_department == street_officer.department


def test_staff_cannot_enter_a_web_complaint_or_an_unknown_channel(xiling_housing_staff, project):
    for channel in (Channel.WEB, "fax"):
        with pytest.raises(ComplaintError, match="请选择来源渠道"):
            _register(xiling_housing_staff, project, channel=channel)
    assert Complaint.objects.count() == 0


def test_a_complaint_received_in_the_future_is_refused(xiling_housing_staff, project):
    with pytest.raises(ComplaintError, match="受理时间不能晚于当前时间"):
        _register(xiling_housing_staff, project, received_at=timezone.now() + datetime.timedelta(hours=1))
    assert Complaint.objects.count() == 0


def test_a_project_outside_the_officers_territory_is_refused(wujiagang_housing_staff, project):
    with pytest.raises(ComplaintError, match="不在您的管辖范围内"):
        _register(wujiagang_housing_staff, project)
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize("persona", ["company_user", "police_officer", "auditor_user"])
def test_roles_that_do_not_take_complaints_in_are_refused(persona, request, project):
    user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed, match="只有住建部门、街道办事处和社区可以登记投诉"):
        _register(user, project)
    assert Complaint.objects.count() == 0


def test_a_work_order_needs_its_number_and_a_number_is_registered_once(xiling_housing_staff, project):
    with pytest.raises(ComplaintError, match="须填写工单编号"):
        _register(xiling_housing_staff, project, channel=Channel.WORK_ORDER)

    first = _register(xiling_housing_staff, project, channel=Channel.WORK_ORDER, work_order_no="GD20261106001")
    assert fresh(first).work_order_no == "GD20261106001"

    with pytest.raises(ComplaintError, match="“GD20261106001”已登记过"):
        _register(xiling_housing_staff, project, channel=Channel.WORK_ORDER, work_order_no="GD20261106001",
                  text="另一位居民反映同一问题")
    assert Complaint.objects.count() == 1


# ---- tracking codes ------------------------------------------------------------------------------

def test_a_tracking_code_is_20_crockford_characters_read_in_groups_of_four(received):
    code = received.tracking_code
    assert len(code) == tracking.LENGTH == 20
    assert set(code) <= set(tracking.ALPHABET)
    assert not set(code) & set("ILOU")
    # 32 symbols = 5 bits each: 100 bits, above the 80 the issue asks for.
    assert len(tracking.ALPHABET) == 32 and tracking.LENGTH * 5 >= 80
    groups = received.display_code.split("-")
    assert [len(g) for g in groups] == [4] * 5 and "".join(groups) == code


def test_a_code_read_over_the_phone_is_found_however_it_was_typed():
    code = "K7QX3MPD01AB2CDE5FGH"
    typed = ["k7qx-3mpd-01ab-2cde-5fgh", " K7QX 3MPD 01AB 2CDE 5FGH ", "K7QX3MPDO1AB2CDE5FGH",
             "k7qx_3mpd_oiab_2cde_5fgh"]
    for raw in typed:
        assert tracking.normalise(raw) == code, raw
    assert tracking.normalise("K7QX-3MPD") is None  # too short
    assert tracking.normalise("K7QX-3MPD-01AB-2CDE-5FG!") is None
    assert tracking.normalise("") is None and tracking.normalise(None) is None


def test_codes_are_unique_over_a_thousand_complaints(project):
    ComplaintFactory.create_batch(1000, project=project, text="楼道堆放杂物")
    codes = list(Complaint.objects.values_list("tracking_code", flat=True))
    assert len(codes) == 1000 and len(set(codes)) == 1000
    assert all(tracking.normalise(tracking.display(c)) == c for c in codes)


# ---- double submissions ---------------------------------------------------------------------------

def test_a_double_click_creates_one_complaint(project):
    first, created_first = services.submit_public_complaint(project=project, text=CLUTTER,
                                                            idempotency_key="abc-123")
    second, created_second = services.submit_public_complaint(project=project, text=CLUTTER,
                                                              idempotency_key="abc-123")

    assert (created_first, created_second) == (True, False)
    assert second.pk == first.pk and second.tracking_code == first.tracking_code
    assert Complaint.objects.count() == 1 and ComplaintEvent.objects.count() == 1


def test_a_double_click_racing_past_the_check_still_creates_one_complaint(monkeypatch, project):
    # Given the first request commits after the second one checked the key but before it inserts
    # (photos are cleaned in between, so that is where the race window is simulated)
    clean_photos = services._clean_photos

    def first_request_commits_meanwhile(photos):
        if not Complaint.objects.exists():
            ComplaintFactory(project=project, idempotency_key="race-1")
        return clean_photos(photos)

    monkeypatch.setattr(services, "_clean_photos", first_request_commits_meanwhile)

    # When the second request inserts with the same key
    complaint, created = services.submit_public_complaint(project=project, text=CLUTTER,
                                                          idempotency_key="race-1")

    # Then it answers with the first request's complaint
    assert created is False
    assert Complaint.objects.count() == 1 and complaint.pk == Complaint.objects.get().pk


def test_different_keys_or_no_key_make_separate_complaints(project):
    services.submit_public_complaint(project=project, text=CLUTTER, idempotency_key="a")
    services.submit_public_complaint(project=project, text=CLUTTER, idempotency_key="b")
    services.submit_public_complaint(project=project, text=CLUTTER)
    services.submit_public_complaint(project=project, text=CLUTTER)
    assert Complaint.objects.count() == 4


# ---- classification -------------------------------------------------------------------------------

def test_the_suggestion_is_stored_with_the_complaint(project):
    complaint, _ = services.submit_public_complaint(project=project, text=SUPPLY_CUT)
    complaint = fresh(complaint)
    assert (complaint.suggested_focus, complaint.suggested_route) == (1, Route.HOUSING)
    assert complaint.suggestion_confidence == 0.9
    assert complaint.suggestion_keywords == ["停水"]
    # Not confirmed yet: nothing for the retraining either.
    assert (complaint.focus, complaint.route, complaint.classification_corrected) == (None, "", False)
    assert list(selectors.classifier_corrections()) == []


def test_accepting_with_the_suggested_focus_is_a_confirmation_not_a_correction(received, xiling_housing_staff):
    complaint = accept(received, xiling_housing_staff, focus=2, route=Route.HOUSING)
    assert (complaint.focus, complaint.route, complaint.classification_corrected) == (2, Route.HOUSING, False)


def test_accepting_with_another_focus_is_kept_as_a_correction_for_retraining(received, xiling_housing_staff):
    complaint = accept(received, xiling_housing_staff, focus=6, route=Route.MARKET,
                       department=xiling_housing_staff.department)

    complaint = fresh(complaint)
    assert (complaint.suggested_focus, complaint.focus, complaint.route) == (2, 6, Route.MARKET)
    assert complaint.classification_corrected is True
    assert (CLUTTER, 6, Route.MARKET) in list(selectors.classifier_corrections())


def test_a_rejection_with_focus_zero_counts_for_retraining(received, xiling_housing_staff):
    services.reject_complaint(actor=xiling_housing_staff, complaint=received, version=received.version,
                              reason="属于邻里纠纷，请联系社区调解", focus=0, route=Route.NONE)
    complaint = fresh(received)
    assert complaint.classification_corrected is True
    assert list(selectors.classifier_corrections()) == [(CLUTTER, 0, Route.NONE)]


# ---- acceptance -----------------------------------------------------------------------------------

def test_accepting_opens_a_problem_for_the_street_office_with_the_contact_masked(
        street_officer, xiling_housing_staff, project):
    # Given a hotline complaint whose text repeats the caller's name and number
    text = f"我是{NAME}，电话138 0717 1234，3号楼楼道堆放杂物占用消防通道，物业不管"
    complaint = _register(xiling_housing_staff, project, text=text, name=NAME, phone=PHONE, received_at=FRIDAY)

    # When the county officer accepts it
    complaint = accept(complaint, xiling_housing_staff, focus=2, route=Route.HOUSING)

    # Then a ledger problem is open for the street office of the project's street
    problem = complaint.problem
    assert (problem.source, problem.focus, problem.project) == (Source.COMPLAINT, 2, project)
    assert problem.responsible_department == street_officer.department == complaint.handling_department
    assert (problem.level, problem.state) == (Level.STREET, ProblemState.ASSIGNED)
    assert problem.found_on == datetime.date(2026, 11, 6)
    # and the company reads the description without the complainant's name or number
    assert problem.description == (f"我是{REDACTED_NAME}，电话{REDACTED_PHONE}，"
                                   "3号楼楼道堆放杂物占用消防通道，物业不管")
    # and the complaint says where it went
    complaint = fresh(complaint)
    assert (complaint.state, complaint.decided_by) == (State.ACCEPTED, xiling_housing_staff)
    assert complaint.progress() == Progress.HANDLING
    event = complaint.events.get(kind=EventKind.ACCEPT)
    assert event.public and street_officer.department.name in event.note
    assert event.data["problem"] == problem.pk
    assert AuditEvent.objects.filter(object_id=str(complaint.pk), action=AuditAction.UPDATE, note="受理").exists()


def test_without_a_street_office_account_a_housing_complaint_goes_to_the_county_housing_bureau(
        received, xiling_housing_staff):
    complaint = accept(received, xiling_housing_staff, focus=2, route=Route.HOUSING)
    assert complaint.handling_department == xiling_housing_staff.department
    assert complaint.problem.level == Level.COUNTY


def test_a_department_chosen_by_hand_must_cover_the_project(received, xiling_housing_staff, company_user):
    other_county = officer("420503", DepartmentKind.POLICE, name="宜昌市公安局伍家岗区分局")
    before = _counts()
    for department in (other_county.department, company_user.department):
        with pytest.raises(ComplaintError, match="不负责该小区所在地"):
            accept(received, xiling_housing_staff, focus=3, route=Route.POLICE, department=department)
    assert _counts() == before


def test_police_and_market_routes_go_to_the_countys_police_and_market_regulation(
        project, xiling_housing_staff, police_officer):
    market = market_officer()
    threat = ComplaintFactory(project=project, text="物业保安威胁要打人")
    fees = ComplaintFactory(project=project, text="物业乱收费，电价加价")

    threat = accept(threat, xiling_housing_staff, focus=3, route=Route.POLICE)
    fees = accept(fees, xiling_housing_staff, focus=6, route=Route.MARKET)

    assert threat.handling_department == police_officer.department == threat.problem.responsible_department
    assert fees.handling_department == market.department == fees.problem.responsible_department
    assert threat.problem.level == fees.problem.level == Level.COUNTY
    assert routing.default_department(project, Route.POLICE) == (police_officer.department, Level.COUNTY)


def test_the_reply_deadline_is_five_working_days_from_receipt(xiling_housing_staff, project):
    complaint = _register(xiling_housing_staff, project, received_at=FRIDAY)
    assert complaint.reply_deadline == end_of_day(datetime.date(2026, 11, 13))

    complaint = accept(complaint, xiling_housing_staff, focus=2)
    assert fresh(complaint).reply_deadline == datetime.datetime(2026, 11, 13, 23, 59, 59, tzinfo=SHANGHAI)
    assert fresh(complaint).reply_deadline_provisional is False


def test_an_early_morning_complaint_counts_from_the_local_day(xiling_housing_staff, project):
    # 07:00 in Yichang is still Thursday evening in UTC: the count must start from Friday.
    early = datetime.datetime(2026, 11, 6, 7, 0, tzinfo=SHANGHAI)
    assert early.astimezone(datetime.UTC).date() == datetime.date(2026, 11, 5)
    complaint = _register(xiling_housing_staff, project, received_at=early)
    complaint = accept(complaint, xiling_housing_staff, focus=2)
    assert fresh(complaint).reply_deadline == end_of_day(datetime.date(2026, 11, 13))
    assert complaint.problem.found_on == datetime.date(2026, 11, 6)


def test_the_working_days_are_configurable(settings, xiling_housing_staff, project):
    settings.COMPLAINT_REPLY_WORKING_DAYS = 3
    complaint = _register(xiling_housing_staff, project, received_at=FRIDAY)
    assert complaint.reply_deadline == end_of_day(datetime.date(2026, 11, 11))


def test_a_supply_cut_must_be_answered_within_24_hours(xiling_housing_staff, project):
    # Suggested focus 1 at intake: urgent from the start.
    complaint = _register(xiling_housing_staff, project, text=SUPPLY_CUT, received_at=FRIDAY)
    assert complaint.reply_deadline == FRIDAY + datetime.timedelta(hours=24)

    # Staff decide it is a common-parts matter after all: the deadline becomes working days.
    corrected = accept(complaint, xiling_housing_staff, focus=2)
    assert fresh(corrected).reply_deadline == end_of_day(datetime.date(2026, 11, 13))

    # And the other way round: a clutter complaint confirmed as a supply cut becomes urgent.
    other = _register(xiling_housing_staff, project, received_at=FRIDAY)
    other = accept(other, xiling_housing_staff, focus=1)
    assert fresh(other).reply_deadline == datetime.datetime(2026, 11, 7, 10, 0, tzinfo=SHANGHAI)


def test_accepting_can_join_an_open_problem_of_the_same_project_and_focus(received, xiling_housing_staff):
    # Given an inspection already found the blocked corridor
    open_problem = register(xiling_housing_staff, received.project, focus=2,
                            responsible_department=xiling_housing_staff.department)
    problems_before = Problem.objects.count()

    # When the complaint joins it
    complaint = accept(received, xiling_housing_staff, focus=2, join_problem=open_problem)

    # Then no new problem is opened and the complaint follows the existing one
    assert Problem.objects.count() == problems_before
    assert complaint.problem == open_problem
    assert complaint.handling_department == xiling_housing_staff.department
    assert fresh(complaint).events.filter(kind=EventKind.JOIN, public=True).exists()
    assert open_problem in selectors.joinable_problems(received, xiling_housing_staff, focus=2)


def test_a_closed_problem_or_another_focus_or_project_cannot_be_joined(
        received, xiling_housing_staff, company_user):
    closed = register(xiling_housing_staff, received.project, focus=2)
    closed = close_problem(closed, verifier=xiling_housing_staff, submitter=company_user)
    other_focus = register(xiling_housing_staff, received.project, focus=5)
    other_project = register(xiling_housing_staff, ProjectFactory(community=community("420502002001")), focus=2)

    with pytest.raises(ComplaintError, match="已销号，不能并入"):
        accept(received, xiling_housing_staff, focus=2, join_problem=closed)
    for problem in (other_focus, other_project):
        with pytest.raises(ComplaintError, match="不是同一小区、同一整治重点，不能并入"):
            accept(received, xiling_housing_staff, focus=2, join_problem=problem)
    assert fresh(received).state == State.RECEIVED
    assert closed not in selectors.joinable_problems(received, xiling_housing_staff, focus=2)


def test_accepting_needs_a_focus_problem(received, xiling_housing_staff):
    before = _counts()
    for focus in (0, 7, "", None, "x"):
        with pytest.raises(ComplaintError, match="受理须选择整治重点（1–6）；不属于专项整治的投诉请选择“不予受理”"):
            accept(received, xiling_housing_staff, focus=focus)
    with pytest.raises(ComplaintError, match="请选择转办方向"):
        accept(received, xiling_housing_staff, focus=2, route="elsewhere")
    assert _counts() == before and fresh(received).version == received.version


# ---- rejection ------------------------------------------------------------------------------------

def test_a_rejection_needs_a_reason_which_the_complainant_reads(received, xiling_housing_staff):
    with pytest.raises(ComplaintError, match="不予受理须填写理由"):
        services.reject_complaint(actor=xiling_housing_staff, complaint=received, version=received.version,
                                  reason="  ")

    services.reject_complaint(actor=xiling_housing_staff, complaint=received, version=received.version,
                              reason="反映的是开发商房屋质量问题，已告知向区住建局质监站反映")

    complaint = fresh(received)
    assert complaint.state == State.REJECTED and complaint.progress() == Progress.REJECTED
    assert complaint.replied_at is not None and complaint.problem is None
    event = complaint.events.get(kind=EventKind.REJECT)
    assert event.public and event.note == "反映的是开发商房屋质量问题，已告知向区住建局质监站反映"


# ---- duplicates -----------------------------------------------------------------------------------

def test_a_hotline_call_about_the_same_thing_follows_the_web_complaint(
        received, xiling_housing_staff, company_user, project):
    # Given the web complaint was accepted and a neighbour phoned the hotline about the same corridor
    original = accept(received, xiling_housing_staff, focus=2)
    call = _register(xiling_housing_staff, project, text="3号楼楼道堆放杂物，消防通道占用，物业不管不问",
                     phone="13907170000")

    # When staff mark the call a duplicate
    duplicate = services.mark_duplicate(actor=xiling_housing_staff, complaint=call, version=call.version,
                                        original=original)

    # Then it follows the web complaint's problem, and its progress with it
    duplicate = fresh(duplicate)
    assert (duplicate.state, duplicate.duplicate_of) == (State.DUPLICATE, fresh(original))
    assert duplicate.problem is None and duplicate.followed_problem == original.problem
    assert (duplicate.focus, duplicate.handling_department) == (2, xiling_housing_staff.department)
    assert duplicate.events.get(kind=EventKind.DUPLICATE).public
    assert duplicate.progress() == Progress.HANDLING

    close_problem(original.problem, verifier=xiling_housing_staff, submitter=company_user)
    assert fresh(duplicate).progress() == Progress.CLOSED
    services.record_callback(actor=xiling_housing_staff, complaint=fresh(duplicate),
                             satisfaction=Satisfaction.SATISFIED, method="phone")
    assert fresh(duplicate).progress() == Progress.CALLED_BACK
    # The original still has its own callback to make.
    assert fresh(original).progress() == Progress.CLOSED


def test_a_duplicate_does_not_stay_in_handling_when_its_original_is_rejected(received, xiling_housing_staff,
                                                                              project):
    call = _register(xiling_housing_staff, project)
    services.mark_duplicate(actor=xiling_housing_staff, complaint=call, version=call.version, original=received)

    services.reject_complaint(actor=xiling_housing_staff, complaint=fresh(received),
                              version=fresh(received).version, reason="经核实不属于物业服务问题")

    assert fresh(call).progress() != Progress.HANDLING


def test_a_duplicate_of_a_duplicate_points_at_the_first_complaint(received, xiling_housing_staff, project):
    second = _register(xiling_housing_staff, project)
    third = _register(xiling_housing_staff, project)
    services.mark_duplicate(actor=xiling_housing_staff, complaint=second, version=second.version,
                            original=received)

    services.mark_duplicate(actor=xiling_housing_staff, complaint=third, version=third.version,
                            original=fresh(second))

    assert fresh(third).duplicate_of_id == received.pk


def test_a_duplicate_must_be_of_another_accepted_or_pending_complaint_of_the_same_project(
        received, xiling_housing_staff, company_user):
    # Another estate of the same company in the same community: still another project.
    other_project = ComplaintFactory(project=ProjectFactory(company=received.project.company,
                                                            community=community("420502001001")))
    rejected = ComplaintFactory(project=received.project)
    services.reject_complaint(actor=xiling_housing_staff, complaint=rejected, version=rejected.version,
                              reason="重复来电，已答复")

    with pytest.raises(ComplaintError, match="只能并入同一小区的投诉"):
        services.mark_duplicate(actor=xiling_housing_staff, complaint=received, version=received.version,
                                original=other_project)
    with pytest.raises(ComplaintError, match="已不予受理，不能作为重复投诉的原件"):
        services.mark_duplicate(actor=xiling_housing_staff, complaint=received, version=received.version,
                                original=rejected)
    with pytest.raises(ComplaintError, match="不能标记为与自身重复"):
        services.mark_duplicate(actor=xiling_housing_staff, complaint=received, version=received.version,
                                original=received)
    assert fresh(received).state == State.RECEIVED


# ---- deciding twice, deciding at once -----------------------------------------------------------

def test_a_decided_complaint_cannot_be_decided_again(received, xiling_housing_staff, project):
    accepted = accept(received, xiling_housing_staff, focus=2)
    other = _register(xiling_housing_staff, project)
    before = _counts()

    with pytest.raises(NotAllowed, match="不能重复处理") as refused:
        services.reject_complaint(actor=xiling_housing_staff, complaint=accepted, version=accepted.version,
                                  reason="再处理一次")
    assert "“已受理”" in refused.value.message
    with pytest.raises(NotAllowed, match="不能重复处理"):
        accept(accepted, xiling_housing_staff, focus=2)
    with pytest.raises(NotAllowed, match="不能重复处理"):
        services.mark_duplicate(actor=xiling_housing_staff, complaint=fresh(accepted),
                                version=fresh(accepted).version, original=other)
    assert _counts() == before


def test_two_officers_deciding_at_once_the_second_gets_a_conflict_and_nothing_is_written(
        received, xiling_housing_staff):
    # Given two officers opened the same complaint
    colleague = UserFactory(department=xiling_housing_staff.department)
    seen_by_colleague = fresh(received)

    # When the first accepts it
    accept(received, xiling_housing_staff, focus=2)
    before = _counts()

    # Then the colleague's rejection, made on what they saw, is refused and nothing is written
    with pytest.raises(Conflict, match="已被其他人员处理（当前状态：已受理）"):
        services.reject_complaint(actor=colleague, complaint=seen_by_colleague,
                                  version=seen_by_colleague.version, reason="不属于专项整治")
    with pytest.raises(Conflict):
        services.accept_complaint(actor=colleague, complaint=seen_by_colleague,
                                  version=seen_by_colleague.version, focus=2, route=Route.HOUSING)
    assert _counts() == before
    assert fresh(received).decided_by == xiling_housing_staff


@pytest.mark.parametrize("persona", ["company_user", "police_officer", "auditor_user"])
def test_only_intake_offices_decide(persona, request, received):
    user = request.getfixturevalue(persona)
    before = _counts()
    with pytest.raises(NotAllowed, match="只有住建部门、街道办事处和社区可以受理投诉"):
        accept(received, user, focus=2)
    with pytest.raises(NotAllowed):
        services.reject_complaint(actor=user, complaint=received, version=received.version, reason="不受理")
    assert _counts() == before


def test_a_street_office_can_accept_a_complaint_routed_to_the_police(received, street_officer, police_officer):
    # The ledger would not let a street office assign a county-level problem; routing a complaint may.
    complaint = accept(received, street_officer, focus=3, route=Route.POLICE)
    assert complaint.handling_department == police_officer.department
    assert complaint.problem.responsible_department == police_officer.department
    assert complaint.problem.level == Level.COUNTY and complaint.problem.state == ProblemState.ASSIGNED


def test_a_community_committee_can_accept_a_complaint(received, street_officer):
    community_staff = officer("420502001001", DepartmentKind.COMMUNITY_COMMITTEE, name="测试社区居委会")
    complaint = accept(received, community_staff, focus=2)
    assert complaint.handling_department == street_officer.department


# ---- likely duplicates --------------------------------------------------------------------------

def test_likely_duplicates_are_similar_complaints_of_the_same_project_within_30_days(
        received, xiling_housing_staff, project, company_user, django_assert_max_num_queries):
    similar_call = ComplaintFactory(project=project, channel=Channel.HOTLINE, received_at=days_ago(10),
                                    text="3号楼楼道堆放杂物，消防通道被占用了，物业不管")
    ComplaintFactory(project=project, text="小区门口的路灯坏了两个月没人修")  # same project, other matter
    ComplaintFactory(project=project, received_at=days_ago(31), text=CLUTTER)  # too long ago
    ComplaintFactory(project=wujiagang_project(company_user), text=CLUTTER)  # another project
    rejected = ComplaintFactory(project=project, received_at=days_ago(1), text=CLUTTER)
    services.reject_complaint(actor=xiling_housing_staff, complaint=rejected, version=rejected.version,
                              reason="已在其他投诉中处理")
    for i in range(8):  # more candidates do not cost more queries
        ComplaintFactory(project=project, received_at=days_ago(20), text=f"第{i}次反映：车库入口被占用停车")

    with django_assert_max_num_queries(1):
        found = selectors.likely_duplicates(received, xiling_housing_staff)

    assert [c.pk for c, _ in found] == [similar_call.pk]
    [(_, score)] = found
    assert 0.5 < score <= 1.0
    assert score == round(selectors.similarity(received.text, similar_call.text), 2)


def test_likely_duplicates_are_most_similar_first_and_limited(received, xiling_housing_staff, project):
    exact = ComplaintFactory(project=project, text=CLUTTER, received_at=days_ago(3))
    close = ComplaintFactory(project=project, text="3号楼楼道里堆放杂物，消防通道被占用", received_at=days_ago(2))
    found = selectors.likely_duplicates(received, xiling_housing_staff)
    assert [c for c, _ in found] == [exact, close]
    assert found[0][1] == 1.0 > found[1][1]
    assert len(selectors.likely_duplicates(received, xiling_housing_staff, limit=1)) == 1


# ---- callbacks ------------------------------------------------------------------------------------

@pytest.fixture
def accepted(received, xiling_housing_staff):
    return accept(received, xiling_housing_staff, focus=2)


def _callback(actor, complaint, satisfaction=Satisfaction.SATISFIED, method="phone", note=""):
    return services.record_callback(actor=actor, complaint=fresh(complaint), satisfaction=satisfaction,
                                    method=method, note=note)


def test_a_callback_waits_for_the_close_out(accepted, xiling_housing_staff):
    with pytest.raises(NotAllowed, match="问题销号后才能回访"):
        _callback(xiling_housing_staff, accepted)
    assert Callback.objects.count() == 0


def test_a_satisfied_callback_after_close_out_completes_the_complaint(
        accepted, xiling_housing_staff, company_user):
    problem = close_problem(accepted.problem, verifier=xiling_housing_staff, submitter=company_user)
    assert fresh(accepted).progress() == Progress.CLOSED and fresh(accepted).callback_due()

    callback = _callback(xiling_housing_staff, accepted, Satisfaction.BASIC, "sms")

    assert callback.problem_closed_at == problem.closed_at and callback.by == xiling_housing_staff
    complaint = fresh(accepted)
    assert complaint.progress() == Progress.CALLED_BACK and not complaint.callback_due()
    assert complaint.events.get(kind=EventKind.CALLBACK).note == "回访结果：基本满意"
    assert AuditEvent.objects.filter(object_type="complaints.callback", action=AuditAction.CREATE).exists()


def test_one_callback_per_close_out(accepted, xiling_housing_staff, company_user):
    close_problem(accepted.problem, verifier=xiling_housing_staff, submitter=company_user)
    _callback(xiling_housing_staff, accepted)
    with pytest.raises(NotAllowed, match="每次销号只回访一次"):
        _callback(xiling_housing_staff, accepted, Satisfaction.DISSATISFIED, note="又堆上了")
    assert Callback.objects.count() == 1


def test_a_callback_needs_a_known_satisfaction_and_method(accepted, xiling_housing_staff, company_user):
    close_problem(accepted.problem, verifier=xiling_housing_staff, submitter=company_user)
    with pytest.raises(ComplaintError, match="请选择满意度"):
        _callback(xiling_housing_staff, accepted, "so-so")
    with pytest.raises(ComplaintError, match="请选择回访方式"):
        _callback(xiling_housing_staff, accepted, method="carrier_pigeon")
    assert Callback.objects.count() == 0


def test_a_company_cannot_record_its_own_callback(accepted, xiling_housing_staff, company_user):
    close_problem(accepted.problem, verifier=xiling_housing_staff, submitter=company_user)
    with pytest.raises(NotAllowed, match="只有住建部门、街道办事处和社区可以回访"):
        _callback(company_user, accepted)


def test_dissatisfied_needs_a_note_and_sends_the_problem_back_to_rectification(
        accepted, xiling_housing_staff, company_user):
    # Given the problem was closed
    problem = close_problem(accepted.problem, verifier=xiling_housing_staff, submitter=company_user)

    # A 不满意 without saying why is refused
    with pytest.raises(ComplaintError, match="不满意须填写回访情况"):
        _callback(xiling_housing_staff, accepted, Satisfaction.DISSATISFIED)

    # When the resident says the corridor is blocked again
    _callback(xiling_housing_staff, accepted, Satisfaction.DISSATISFIED, note="杂物清了又堆上了")

    # Then the problem is back in rectification, with an event that says why
    problem.refresh_from_db()
    assert problem.state == ProblemState.RECTIFYING and problem.closed_at is None
    event = ProblemEvent.objects.filter(problem=problem).order_by("-id").first()
    assert (event.from_state, event.to_state) == (ProblemState.CLOSED, ProblemState.RECTIFYING)
    assert event.data == {"reopened": True, "callback": True}
    assert "杂物清了又堆上了" in event.note and accepted.display_code in event.note
    assert fresh(accepted).progress() == Progress.HANDLING

    # And once rectified and closed again, a new callback is due and allowed
    with pytest.raises(NotAllowed):
        _callback(xiling_housing_staff, accepted)
    close_problem(problem, verifier=xiling_housing_staff, submitter=company_user)
    assert fresh(accepted).callback_due()
    _callback(xiling_housing_staff, accepted, Satisfaction.SATISFIED)
    assert fresh(accepted).callbacks.count() == 2
    assert fresh(accepted).progress() == Progress.CALLED_BACK


def test_progress_follows_the_problem_through_the_ledger(accepted, xiling_housing_staff, company_user):
    problem = accepted.problem
    problem = ledger.start_rectification(actor=company_user, problem=problem, version=problem.version)
    assert fresh(accepted).progress() == Progress.HANDLING
    from propwatch.ledger.tests.factories import png_upload

    problem = ledger.submit_rectification(actor=company_user, problem=problem, version=problem.version,
                                          note="杂物已清理", files=[png_upload()])
    assert fresh(accepted).progress() == Progress.VERIFYING
    ledger.close_problem(actor=xiling_housing_staff, problem=problem, version=problem.version)
    assert fresh(accepted).progress() == Progress.CLOSED


# ---- replies --------------------------------------------------------------------------------------

def test_a_public_reply_stops_the_reply_clock_and_an_internal_note_does_not(accepted, xiling_housing_staff):
    services.reply_complaint(actor=xiling_housing_staff, complaint=accepted, text="内部：已电话联系物业", public=False)
    assert fresh(accepted).replied_at is None

    event = services.reply_complaint(actor=xiling_housing_staff, complaint=accepted, text="已责令物业三日内清理")
    assert fresh(accepted).replied_at == event.at and not fresh(accepted).reply_overdue


def test_police_reply_only_to_what_is_routed_to_them(accepted, police_officer):
    with pytest.raises(NotAllowed, match="只有承办单位可以答复"):
        services.reply_complaint(actor=police_officer, complaint=accepted, text="已出警")


# ---- revealing the complainant ---------------------------------------------------------------

def test_handling_staff_reveal_the_complainant_and_the_reveal_is_audited(accepted, xiling_housing_staff):
    name, phone = services.reveal_complainant(actor=xiling_housing_staff, complaint=accepted)

    assert (name, phone) == (NAME, PHONE)
    audit = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert (audit.actor, audit.object_type, audit.object_id) == (
        xiling_housing_staff, "complaints.complaint", str(accepted.pk))
    # The audit row says who looked, not what they saw.
    assert NAME not in str(audit.before) + str(audit.after) + audit.note
    event = accepted.events.get(kind=EventKind.REVEAL)
    assert event.public is False and event.actor == xiling_housing_staff


def test_the_police_handling_it_may_reveal_unless_the_complainant_asked_for_confidentiality(
        project, xiling_housing_staff, police_officer):
    open_one = ComplaintFactory(project=project, text="保安威胁业主", name=NAME, phone=PHONE)
    secret = ComplaintFactory(project=project, text="保安恐吓业主", name=NAME, phone=PHONE, confidential=True)
    open_one = accept(open_one, xiling_housing_staff, focus=3, route=Route.POLICE)
    secret = accept(secret, xiling_housing_staff, focus=3, route=Route.POLICE)

    assert services.reveal_complainant(actor=police_officer, complaint=open_one) == (NAME, PHONE)
    with pytest.raises(NotAllowed, match="投诉人要求保密"):
        services.reveal_complainant(actor=police_officer, complaint=secret)
    # The county housing bureau still may, to call back.
    assert services.reveal_complainant(actor=xiling_housing_staff, complaint=secret) == (NAME, PHONE)
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL).count() == 2


def test_police_of_another_matter_cannot_reveal(accepted, police_officer):
    with pytest.raises(NotAllowed, match="只有办理该投诉的工作人员"):
        services.reveal_complainant(actor=police_officer, complaint=accepted)


@pytest.mark.parametrize("persona", ["company_user", "auditor_user"])
def test_companies_and_auditors_never_reveal(persona, request, accepted):
    user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed, match="查看投诉人信息"):
        services.reveal_complainant(actor=user, complaint=accepted)
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()
    assert not accepted.events.filter(kind=EventKind.REVEAL).exists()


def test_an_anonymous_complaint_is_not_called_back(project, xiling_housing_staff, company_user):
    complaint = accept(services.submit_public_complaint(project=project, text=CLUTTER)[0], xiling_housing_staff)
    close_problem(complaint.problem, verifier=xiling_housing_staff, submitter=company_user)
    complaint = fresh(complaint)
    assert not complaint.callback_due() and complaint.progress() == Progress.CLOSED
    with pytest.raises(NotAllowed, match="问题销号后才能回访"):
        services.record_callback(actor=xiling_housing_staff, complaint=complaint,
                                 satisfaction=Satisfaction.SATISFIED, method="phone")


def test_an_anonymous_complaint_has_nobody_to_reveal(project, xiling_housing_staff):
    complaint, _ = services.submit_public_complaint(project=project, text=CLUTTER)
    assert complaint.is_anonymous
    with pytest.raises(NotAllowed, match="该投诉为匿名投诉，没有投诉人信息"):
        services.reveal_complainant(actor=xiling_housing_staff, complaint=complaint)


# ---- the real classifier --------------------------------------------------------------------------

def test_the_real_classifier_suggestion_is_stored(monkeypatch, project):
    from propwatch.complaints import classifier

    monkeypatch.setattr(services, "classify", classifier.classify)
    complaint, _ = services.submit_public_complaint(project=project, text=SUPPLY_CUT)
    complaint = fresh(complaint)
    assert complaint.suggested_focus in range(0, 7)
    assert complaint.suggested_route in Route.values
    assert 0.0 <= complaint.suggestion_confidence <= 1.0
    assert isinstance(complaint.suggestion_keywords, list)
    assert complaint.reply_deadline is not None
