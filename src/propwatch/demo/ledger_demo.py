"""A living ledger for the demo: problems of every source, state, level and focus problem over
recent months, some overdue, some escalated, each with its timeline.

Problems are created and moved through the ledger services, exactly as users do; afterwards the
timestamps of their events are spread back over the months they represent, so the timeline
reads like a real campaign (the services themselves always stamp "now").
"""

import datetime
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from propwatch.accounts.choices import DepartmentKind as K
from propwatch.accounts.choices import Role
from propwatch.accounts.models import Department, User
from propwatch.ledger import services
from propwatch.ledger.choices import Level, Source, State
from propwatch.ledger.models import Problem, ProblemEvent
from propwatch.registry.models import Project

DESCRIPTIONS = {
    1: ["物业以业主拖欠物业费为由，对 {b} 栋停水两天", "物业对欠费业主限时供电，每天仅供电 4 小时",
        "冬季供暖期物业以未缴费为由关闭 {b} 单元暖气阀门", "物业锁闭欠费业主的燃气表箱，导致无法做饭"],
    2: ["小区 {b} 栋电梯轿厢及大堂被出租投放商业广告，收益未公示", "物业将地下车库共用通道出租给商户堆放货物",
        "小区广场被物业出租用于摆摊经营，噪音扰民", "业主私搭乱建，物业未劝阻也未向主管部门报告"],
    3: ["物业工作人员将业主电话号码泄露给装修公司，业主频繁接到骚扰电话", "物业人员上门威胁欠费业主，言语恐吓",
        "业主在业主群反映问题后，遭物业人员报复，车辆被堵", "物业将业主信息表张贴在公告栏，含身份证号"],
    4: ["物业合同到期后拒不撤离，不移交物业服务用房和图纸资料", "物业公司未提前告知突然撤离，小区垃圾无人清运",
        "新选聘物业无法进场，原物业拒不办理交接手续", "物业擅自停止服务，门岗无人值守"],
    5: ["小区未公示物业服务收费项目和标准", "公共收益收支情况一年以上未公示", "小区未公示投诉电话和报修方式",
        "电梯维保单位及联系方式未在显著位置公示"],
    6: ["物业转供电每度电加价 0.3 元收取", "物业擅自提高物业服务费标准，未经业主大会同意",
        "物业强制收取装修保证金和垃圾清运费", "停车费收费标准未备案，高于政府指导价"],
}
SOURCES = [Source.COMPLAINT] * 5 + [Source.INSPECTION] * 3 + [Source.SELF_INSPECTION, Source.MEDIA, Source.ASSIGNED]


def _png(rng: random.Random) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))).save(buf, "PNG")
    return SimpleUploadedFile("现场照片.png", buf.getvalue(), content_type="image/png")


def _staff(dept: Department, tag: str) -> User:
    """A working account of the department (no password: demo colleagues who are not personas)."""
    user, created = User.objects.get_or_create(
        username=f"demo_{tag}_{dept.pk}", defaults={"display_name": f"{dept.name[:12]}工作人员", "department": dept,
                                                    "role": Role.STAFF})
    if created:
        user.set_unusable_password()
        user.save()
    return user


def _actors(project: Project, personas: dict[str, User]):
    street = project.community.parent
    county = street.parent
    street_dept = Department.objects.filter(kind=K.STREET_OFFICE, region=street).first()
    county_dept = Department.objects.filter(kind=K.HOUSING, region=county).first()
    street_user = personas["xiling_street"] if street.code == "420502001" else _staff(street_dept, "street")
    county_user = {"420502": personas["xiling_housing"], "420503": personas["wujiagang_housing"]}.get(
        county.code) or _staff(county_dept, "housing")
    county_colleague = _staff(county_dept, "verifier")
    company_user = personas["company_demo"] if project.company_id and getattr(
        personas["company_demo"].department, "company_id", None) == project.company_id else None
    return street_user, county_user, county_colleague, company_user, county_dept


def _spread_timeline(problem: Problem, found: datetime.datetime, end: datetime.datetime) -> None:
    events = list(problem.events.order_by("id"))
    span = max((end - found).total_seconds(), 3600)
    at = end
    for i, event in enumerate(events):
        at = found + datetime.timedelta(seconds=span * i / max(len(events), 1))
        ProblemEvent.objects.filter(pk=event.pk).update(at=at)
    Problem.objects.filter(pk=problem.pk).update(created_at=found)
    if problem.closed_at:
        # The moved time of the last event (the close-out), not the load time the objects still hold.
        Problem.objects.filter(pk=problem.pk).update(closed_at=at)


def load_ledger(personas: dict[str, User], count: int = 360, seed: int = 2021) -> int:
    if Problem.objects.exists():
        return 0
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    projects = list(Project.objects.select_related("community__parent__parent", "company")
                    .filter(company__isnull=False).order_by("code"))
    weighted = [p for p in projects if p.community.parent.parent.code in ("420502", "420503")]
    demo_company = getattr(personas["company_demo"].department, "company_id", None)
    company_projects = [p for p in projects if p.company_id == demo_company]
    made = 0
    for i in range(count):
        if i % 12 == 0 and company_projects:
            project = rng.choice(company_projects)
        else:
            project = rng.choice(weighted if rng.random() < 0.5 else projects)
        focus = rng.choice([1, 2, 2, 3, 4, 5, 5, 5, 6, 6])
        days_ago = int(rng.triangular(0, 150, 20))
        found_on = today - datetime.timedelta(days=days_ago)
        found_at = timezone.make_aware(datetime.datetime.combine(found_on, datetime.time(9 + rng.randint(0, 8))))
        street_user, county_user, colleague, company_user, county_dept = _actors(project, personas)
        level = Level.STREET if rng.random() < 0.6 else Level.COUNTY
        registrar = street_user if level == Level.STREET else county_user
        handler = street_user if level == Level.STREET else county_user
        verifier = county_user if level == Level.STREET else colleague
        # Like a real ledger: old problems are mostly closed; what is still open is mostly recent,
        # and a minority of it has run past its deadline.
        if days_ago < 3:
            target = rng.choice([State.REGISTERED, State.ASSIGNED])
        elif days_ago < 20:
            target = rng.choices([State.ASSIGNED, State.RECTIFYING, State.AWAITING_VERIFICATION, State.CLOSED],
                                 weights=[2, 5, 3, 4])[0]
        else:
            target = rng.choices([State.RECTIFYING, State.AWAITING_VERIFICATION, State.CLOSED],
                                 weights=[1, 1, 12])[0]
        text = rng.choice(DESCRIPTIONS[focus]).format(b=rng.randint(1, 30))
        with transaction.atomic():
            p = services.register_problem(
                actor=registrar, project=project, focus=focus, description=text, source=rng.choice(SOURCES),
                found_on=found_on, level=level, now=found_at,
                files=[_png(rng)] if rng.random() < 0.3 else (),
            )
            if target != State.REGISTERED:
                p = services.assign_problem(actor=handler if level == Level.STREET else county_user, problem=p,
                                            version=p.version, department=handler.department,
                                            person=handler.display_name)
            if level == Level.STREET and rng.random() < 0.12 and target != State.CLOSED:
                p = services.escalate_problem(actor=street_user, problem=p, version=p.version,
                                              reason="企业拒不整改，街道协调无果，申请县级督办")
                if rng.random() < 0.5:
                    police = Department.objects.filter(kind=K.POLICE if focus == 3 else K.MARKET_REGULATION,
                                                       region=county_dept.region).first()
                    if police:
                        p = services.add_joint_departments(actor=county_user, problem=p, version=p.version,
                                                           departments=[police])
                if rng.random() < 0.4:
                    p = services.supervise_problem(actor=county_user, problem=p, version=p.version,
                                                   note="群众反映强烈，挂牌督办")
            if target in (State.RECTIFYING, State.AWAITING_VERIFICATION, State.CLOSED):
                p = services.start_rectification(actor=company_user or handler, problem=p, version=p.version)
            if target in (State.AWAITING_VERIFICATION, State.CLOSED):
                submitter = company_user or handler
                p = services.submit_rectification(actor=submitter, problem=p, version=p.version,
                                                  note="已按要求整改完毕，附整改后现场照片", files=[_png(rng)])
                if target == State.CLOSED and rng.random() < 0.15:
                    checker = verifier if verifier != submitter else colleague
                    p = services.send_back(actor=checker, problem=p, version=p.version, reason="整改不到位，照片不能反映整改结果")
                    p = services.submit_rectification(actor=submitter, problem=p, version=p.version,
                                                      note="已补充整改并重新拍照", files=[_png(rng)])
            if target == State.CLOSED:
                checker = verifier if verifier != p.submitted_by else colleague
                p = services.close_problem(actor=checker, problem=p, version=p.version, note="现场核验，整改到位，予以销号")
            end = min(now, found_at + datetime.timedelta(days=rng.randint(1, max(days_ago, 1))))
            _spread_timeline(p, found_at, end)
        made += 1
    _mark_old_notifications_read()
    return made


def _mark_old_notifications_read(keep: int = 8) -> None:
    """The load produced weeks of notifications at once: leave each user's latest few unread.

    Notifications are sent after commit, so this runs after them (on_commit callbacks run in order).
    """
    transaction.on_commit(lambda: _mark_read(keep), robust=True)


def _mark_read(keep: int) -> None:
    from propwatch.notifications.models import Notification

    for user_id in Notification.objects.filter(read_at__isnull=True).values_list("user_id", flat=True).distinct():
        latest = Notification.objects.filter(user_id=user_id).order_by("-created_at", "-id").values("pk")[:keep]
        Notification.objects.filter(user_id=user_id, read_at__isnull=True).exclude(
            pk__in=list(latest.values_list("pk", flat=True))).update(read_at=timezone.now())
