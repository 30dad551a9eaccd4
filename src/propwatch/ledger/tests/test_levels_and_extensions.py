"""Escalation from the street to the county, joint supervision, and deadline extensions."""

import datetime

import pytest
from django.utils import timezone

from propwatch.accounts.tests.factories import officer
from propwatch.ledger import services
from propwatch.ledger.choices import EventKind, ExtensionState, Level
from propwatch.ledger.errors import Conflict, LedgerError, NotAllowed
from propwatch.registry.tests.factories import ProjectFactory, community

from .factories import register


@pytest.fixture
def street_problem(street_officer):
    project = ProjectFactory(community=community("420502001001"))
    return register(street_officer, project, level=Level.STREET)


def test_street_escalates_to_county_with_a_reason(street_officer, street_problem):
    with pytest.raises(LedgerError, match="原因"):
        services.escalate_problem(actor=street_officer, problem=street_problem, version=street_problem.version,
                                  reason="")
    p = services.escalate_problem(actor=street_officer, problem=street_problem, version=street_problem.version,
                                  reason="企业拒不整改，街道无法就地化解")
    assert p.level == Level.COUNTY
    assert p.events.filter(kind=EventKind.ESCALATE, note__contains="拒不整改").exists()
    with pytest.raises(LedgerError, match="已在县级"):
        services.escalate_problem(actor=street_officer, problem=p, version=p.version, reason="再次升级")


def test_county_adds_joint_departments_and_supervises(xiling_housing_staff, police_officer, street_problem):
    p = services.add_joint_departments(actor=xiling_housing_staff, problem=street_problem,
                                       version=street_problem.version, departments=[police_officer.department])
    assert p.level == Level.JOINT and list(p.joint_departments.all()) == [police_officer.department]
    p = services.supervise_problem(actor=xiling_housing_staff, problem=p, version=p.version, note="挂牌督办")
    assert p.supervised


def test_street_cannot_supervise(street_officer, street_problem):
    with pytest.raises(NotAllowed):
        services.supervise_problem(actor=street_officer, problem=street_problem, version=street_problem.version)


def test_police_sees_only_problems_routed_to_it(xiling_housing_staff, police_officer, street_problem):
    from propwatch.ledger.models import Problem

    assert not Problem.objects.visible_to(police_officer).exists()
    services.add_joint_departments(actor=xiling_housing_staff, problem=street_problem,
                                   version=street_problem.version, departments=[police_officer.department])
    assert list(Problem.objects.visible_to(police_officer)) == [street_problem]


def test_extension_is_approved_by_the_level_above(street_officer, xiling_housing_staff, street_problem):
    p = services.assign_problem(actor=street_officer, problem=street_problem, version=street_problem.version,
                                department=street_officer.department)
    new_date = timezone.localtime(p.deadline).date() + datetime.timedelta(days=10)
    ext = services.request_extension(actor=street_officer, problem=p, version=p.version, new_date=new_date,
                                     reason="需协调供电部门")
    with pytest.raises(LedgerError, match="审批中"):
        p.refresh_from_db()
        services.request_extension(actor=street_officer, problem=p, version=p.version,
                                   new_date=new_date + datetime.timedelta(days=1), reason="再申请")
    with pytest.raises(NotAllowed, match="上一级"):
        services.decide_extension(actor=street_officer, extension=ext, approve=True)
    ext = services.decide_extension(actor=xiling_housing_staff, extension=ext, approve=True, note="同意")
    p.refresh_from_db()
    assert ext.state == ExtensionState.APPROVED and timezone.localtime(p.deadline).date() == new_date
    with pytest.raises(Conflict):
        services.decide_extension(actor=xiling_housing_staff, extension=ext, approve=False, note="重复")


def test_county_level_extension_needs_the_city(xiling_housing_staff, city_admin):
    project = ProjectFactory(community=community("420502002001"))
    p = register(xiling_housing_staff, project, level=Level.COUNTY)
    p = services.assign_problem(actor=xiling_housing_staff, problem=p, version=p.version,
                                department=xiling_housing_staff.department)
    ext = services.request_extension(actor=xiling_housing_staff, problem=p, version=p.version,
                                     new_date=timezone.localtime(p.deadline).date() + datetime.timedelta(days=5),
                                     reason="涉及多部门")
    colleague = officer("420502", "housing", name="西陵区住建局2")
    with pytest.raises(NotAllowed):
        services.decide_extension(actor=colleague, extension=ext, approve=True)
    with pytest.raises(LedgerError, match="驳回延期须填写原因"):
        services.decide_extension(actor=city_admin, extension=ext, approve=False)
    ext = services.decide_extension(actor=city_admin, extension=ext, approve=False, note="理由不充分")
    assert ext.state == ExtensionState.REJECTED


def test_extension_must_move_the_deadline_later(street_officer, street_problem):
    p = services.assign_problem(actor=street_officer, problem=street_problem, version=street_problem.version,
                                department=street_officer.department)
    with pytest.raises(LedgerError, match="晚于当前期限"):
        services.request_extension(actor=street_officer, problem=p, version=p.version,
                                   new_date=timezone.localdate(), reason="x")
