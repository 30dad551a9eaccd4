"""Complaints made through the services, and helpers to take them from intake to callback.

Every complaint here is created by `services._create` (staff intake without the role checks) or
by the public service, so the tracking code, the encrypted contact, the suggestion, the first
event and the audit row exist exactly as in production.

The classifier is being trained by others while these tests run, and its answers move with every
retraining: the service tests replace it with `stub_classify`, a few fixed keyword rules whose
answer each test knows (see `use_stub_classifier`). One test per module may still call the real
one to check the integration.
"""

import datetime
import re

import factory
from django.db import transaction
from django.utils import timezone

from propwatch.accounts.choices import DepartmentKind
from propwatch.accounts.tests.factories import officer
from propwatch.complaints import services
from propwatch.complaints.choices import Channel, Route
from propwatch.complaints.classifier import Suggestion
from propwatch.complaints.models import Complaint
from propwatch.ledger import services as ledger
from propwatch.ledger.choices import State as ProblemState
from propwatch.ledger.tests.factories import png_upload
from propwatch.registry.tests.factories import ProjectFactory

# A name and phone nothing else in the test database holds (the company factory's contact is
# 张三 / 13812341234): finding them anywhere is a leak.
NAME = "张晓梅"
PHONE = "13807171234"
MASKED_NAME = "张**"
MASKED_PHONE = "138****1234"
# What `pii.redact` leaves in a problem description in place of a number or the complainant's name.
REDACTED_PHONE = "[电话已隐去]"
REDACTED_NAME = "[投诉人]"

# (pattern, focus, route): enough rules for the texts the tests write, checked in order.
_STUB_RULES = [
    (r"停水|停电|断水|断电", 1, Route.HOUSING),
    (r"打人|威胁|恐吓|砸", 3, Route.POLICE),
    (r"收费|涨价|加价|电价", 6, Route.MARKET),
    (r"占用|堆放|停车|电梯广告", 2, Route.HOUSING),
    (r"撤离|交接", 4, Route.HOUSING),
    (r"公示", 5, Route.HOUSING),
]


def suggestion(focus: int = 2, route: str = Route.HOUSING, confidence: float = 0.8,
               keywords: tuple[str, ...] = ("占用",)) -> Suggestion:
    return Suggestion(focus=focus, route=route, confidence=confidence, keywords=list(keywords))


def stub_classify(text: str) -> Suggestion:
    """A fixed stand-in for the classifier: the first rule whose words occur in the text."""
    for pattern, focus, route in _STUB_RULES:
        found = re.findall(pattern, text or "")
        if found:
            return suggestion(focus, route, 0.9, tuple(dict.fromkeys(found)))
    return suggestion(0, Route.NONE, 0.4, ())


def use_stub_classifier(monkeypatch) -> None:
    """Make the services classify with `stub_classify` (they import `classify` by name)."""
    monkeypatch.setattr(services, "classify", stub_classify)


class ComplaintFactory(factory.django.DjangoModelFactory):
    """A received complaint, inserted by the intake service (`services._create`).

    `actor=None` makes it look like a staff-less intake (the public site); pass a user to make
    it registered by that user's department. `suggestion` defaults to focus 2 / housing so a
    test needs no classifier; pass `suggestion=None` to let the service classify the text.
    """

    class Meta:
        model = Complaint

    actor = None
    channel = Channel.HOTLINE
    project = factory.SubFactory(ProjectFactory)
    text = factory.Sequence(lambda n: f"小区{n}号楼楼道里堆放杂物，物业长期不清理，消防通道被占用")
    name = ""
    phone = ""
    confidential = False
    received_at = factory.LazyFunction(timezone.now)
    suggestion = factory.LazyFunction(suggestion)

    @classmethod
    def _create(cls, model_class, **kwargs):
        with transaction.atomic():
            return services._create(**kwargs)


def fresh(complaint: Complaint) -> Complaint:
    """The complaint as the database holds it now (a page load)."""
    return Complaint.objects.get(pk=complaint.pk)


def accept(complaint: Complaint, actor, *, focus: int = 2, route: str = Route.HOUSING, **kwargs) -> Complaint:
    """Accept with the version the actor just read."""
    complaint = fresh(complaint)
    return services.accept_complaint(actor=actor, complaint=complaint, version=complaint.version, focus=focus,
                                     route=route, **kwargs)


def close_problem(problem, *, verifier, submitter):
    """Drive a problem from where it is to closed: the submitter starts and reports, the verifier closes."""
    problem.refresh_from_db()
    if problem.state == ProblemState.REGISTERED:
        problem = ledger.assign_problem(actor=verifier, problem=problem, version=problem.version,
                                        department=verifier.department)
    if problem.state == ProblemState.ASSIGNED:
        problem = ledger.start_rectification(actor=submitter, problem=problem, version=problem.version)
    if problem.state == ProblemState.RECTIFYING:
        problem = ledger.submit_rectification(actor=submitter, problem=problem, version=problem.version,
                                              note="已恢复供水并向业主致歉", files=[png_upload()])
    return ledger.close_problem(actor=verifier, problem=problem, version=problem.version)


def xiling_project(company_user):
    """The company's project in 西陵区 (community 420502001001, street 西陵街道)."""
    return company_user.department.company.projects.get(name="江城西陵花园")


def wujiagang_project(company_user):
    return company_user.department.company.projects.get(name="江城伍家岗苑")


def market_officer(code: str = "420502"):
    """A market regulation officer of the county with `code` (the conftest has none)."""
    return officer(code, DepartmentKind.MARKET_REGULATION, name="西陵区市场监督管理局")


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def files_in(settings, path) -> None:
    """Keep uploads (photos, evidence) of a test in its own temporary folder."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": path}}}
