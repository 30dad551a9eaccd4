"""Staff pages for complaints: the list, intake, the complaint page with its actions, photos.

Views parse, check the role and call one service each; the services and `rules` decide what is
allowed, and a refusal is shown on the page in Chinese with nothing written. Personal data is
masked everywhere; the full name and phone appear only after the audited "reveal" action.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from propwatch.accounts.models import Department
from propwatch.accounts.permissions import Action, can
from propwatch.accounts.scoping import get_visible_or_404
from propwatch.campaigns.choices import FOCUS_LONG
from propwatch.ledger.forms import PROJECT_OPTIONS, project_label, projects_matching
from propwatch.web.listing import FilteredListView
from propwatch.web.xlsx import Column

from . import routing, rules, selectors, services
from .choices import Route, State
from .errors import LedgerError
from .filters import ComplaintFilter
from .forms import AcceptForm, CallbackForm, ComplaintCreateForm, DuplicateForm, RejectForm, ReplyForm
from .models import Callback, Complaint, ComplaintPhoto


def _require(user) -> None:
    if not can(user, Action.VIEW_COMPLAINTS):
        raise PermissionDenied


def complaints_for(user):
    """The user's complaints with what the list and export show, in a fixed number of queries."""
    return (Complaint.objects.visible_to(user)
            .select_related("project__community__parent__parent", "problem", "duplicate_of__problem",
                            "handling_department")
            .prefetch_related(Prefetch("callbacks", queryset=Callback.objects.order_by("-at"))))


def _focus_label(c: Complaint) -> str:
    value = c.focus if c.focus is not None else c.suggested_focus
    if value is None:
        return ""
    label = dict(Complaint._meta.get_field("focus").choices)[value]
    return label if c.focus is not None else f"{label}（建议）"


# No name or phone in any export: the list is for counting and follow-up, not for identities.
EXPORT_COLUMNS = [
    Column("查询码", lambda c: c.display_code, 26),
    Column("工单编号", lambda c: c.work_order_no or "", 22),
    Column("受理时间", lambda c: c.received_at, 18),
    Column("来源渠道", lambda c: c.get_channel_display(), 12),
    Column("县（市、区）", lambda c: c.project.community.parent.parent.name, 12),
    Column("街道（乡镇）", lambda c: c.project.community.parent.name, 14),
    Column("小区（项目）", lambda c: c.project.name, 24),
    Column("诉求内容", lambda c: c.text, 60),
    Column("整治重点", _focus_label, 22),
    Column("受理状态", lambda c: c.get_state_display(), 10),
    Column("办理进度", lambda c: c.progress().label, 16),
    Column("承办单位", lambda c: c.handling_department.name if c.handling_department else "", 22),
    Column("台账问题编号", lambda c: c.followed_problem.number if c.followed_problem else "", 22),
    Column("答复期限", lambda c: c.reply_deadline, 18),
    Column("回访满意度", lambda c: (c.last_callback().get_satisfaction_display() if c.last_callback() else ""), 12),
]


class ComplaintList(FilteredListView):
    action = Action.VIEW_COMPLAINTS
    filterset_class = ComplaintFilter
    template_name = "complaints/complaint_list.html"
    title = "投诉举报"
    sort_fields = {
        "received": ("受理时间", "received_at"),
        "deadline": ("答复期限", "reply_deadline"),
    }
    default_sort = "-received"
    export_columns = EXPORT_COLUMNS
    export_name = "complaints"

    def get_queryset(self):
        return complaints_for(self.request.user)

    def extra_context(self) -> dict:
        user = self.request.user
        return {
            "can_register": not rules.can_register(user),
            "can_import": not rules.can_import(user),
            "received_count": Complaint.objects.visible_to(user).filter(state=State.RECEIVED).count(),
            "now": timezone.now(),
        }


# ---- intake -------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def complaint_create(request):
    _require(request.user)
    if rules.can_register(request.user):
        raise PermissionDenied
    query = request.GET.get("project_q", "")
    initial = {"received_at": timezone.localtime().replace(second=0, microsecond=0), "wants_reply": True}
    if (chosen := request.GET.get("project", "")).isdigit():
        initial["project"] = chosen
    form = ComplaintCreateForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # The service keeps its own transaction short (the classifier runs before it).
            complaint = services.register_complaint(
                actor=request.user, channel=data["channel"], project=data["project"], text=data["text"],
                received_at=data["received_at"], name=data["name"], phone=data["phone"],
                confidential=data["confidential"], wants_reply=data["wants_reply"], address=data["address"],
                photos=data["photos"],
            )
        except LedgerError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已登记投诉，查询码 {complaint.display_code}（可告知投诉人用于查询进度）")
            return redirect("complaints:complaint_detail", pk=complaint.pk)
    options = projects_matching(request.user, query)[:PROJECT_OPTIONS]
    return render(request, "complaints/complaint_create.html", {
        "form": form, "title": "登记投诉", "project_query": query,
        "project_options": [(p.pk, project_label(p)) for p in options],
        "breadcrumbs": [("投诉举报", reverse("complaints:complaint_list")), ("登记投诉", None)],
    })


# ---- the complaint page -------------------------------------------------------------------------

def _get(user, pk: int) -> Complaint:
    return get_visible_or_404(
        Complaint.objects.select_related("project__community__parent__parent", "problem__responsible_department",
                                         "duplicate_of__problem", "handling_department", "received_by_department",
                                         "decided_by"),
        user, pk=pk)


def _departments_for(user, complaint: Complaint):
    """Departments a complaint of this project can be routed to: offices of its county."""
    county = "/".join(complaint.project.community.path.strip("/").split("/")[:2])
    return (Department.objects.filter(is_active=True, region__path__startswith=f"/{county}/")
            .exclude(kind__in=["property_company", "drc", "association", "civil_affairs"])
            .select_related("region").order_by("region__path", "kind"))


def _forms(request, complaint: Complaint, failed: str = "") -> dict:
    user = request.user
    post = request.POST if failed else None
    offered = {}
    if not rules.can_decide(user, complaint):
        focus = complaint.focus or complaint.suggested_focus or None
        route = complaint.route or complaint.suggested_route or Route.HOUSING
        default_dept, _ = routing.default_department(complaint.project, route)
        offered["accept"] = AcceptForm(
            post if failed == "accept" else None,
            initial={"version": complaint.version, "focus": focus, "route": route,
                     "department": default_dept.pk if default_dept else None},
            departments=_departments_for(user, complaint),
            problems=selectors.joinable_problems(complaint, user, focus=None),
        )
        offered["reject"] = RejectForm(post if failed == "reject" else None,
                                       initial={"version": complaint.version, "focus": complaint.suggested_focus})
        offered["duplicate"] = DuplicateForm(post if failed == "duplicate" else None,
                                             initial={"version": complaint.version})
    if not rules.can_reply(user, complaint) and complaint.state != State.REJECTED:
        offered["reply"] = ReplyForm(post if failed == "reply" else None)
    if not rules.can_callback(user, complaint):
        offered["callback"] = CallbackForm(post if failed == "callback" else None)
    return offered


def _detail(request, complaint: Complaint, *, failed: str = "", error: str = "", revealed=None, status: int = 200):
    user = request.user
    forms = _forms(request, complaint, failed)
    context = {
        "complaint": complaint, "forms": forms, "error": error, "failed": failed,
        "photos": list(complaint.photos.all()),
        "events": list(complaint.events.all()),
        "callbacks": list(complaint.callbacks.select_related("by")),
        "duplicates": selectors.likely_duplicates(complaint, user) if "duplicate" in forms else [],
        "merged": list(complaint.duplicates.all()),
        "followed_problem": complaint.followed_problem,
        "can_reveal": not rules.can_reveal(user, complaint),
        "reveal_refusal": rules.can_reveal(user, complaint),
        "revealed": revealed,
        "focus_long": FOCUS_LONG,
        "suggested_focus_label": dict(Complaint._meta.get_field("focus").choices).get(complaint.suggested_focus, ""),
        "breadcrumbs": [("投诉举报", reverse("complaints:complaint_list")), (complaint.display_code, None)],
    }
    return render(request, "complaints/complaint_detail.html", context, status=status)


@login_required
@require_GET
def complaint_detail(request, pk: int):
    _require(request.user)
    return _detail(request, _get(request.user, pk))


def _accept(user, c, d) -> str:
    c = services.accept_complaint(actor=user, complaint=c, version=d["version"], focus=d["focus"], route=d["route"],
                                  department=d["department"], join_problem=d["join_problem"], note=d["note"])
    return f"已受理，台账问题 {c.problem.number}"


def _reject(user, c, d) -> str:
    services.reject_complaint(actor=user, complaint=c, version=d["version"], reason=d["reason"],
                              focus=d["focus"], route=Route.NONE if d["focus"] == 0 else "")
    return "已不予受理，理由已告知投诉人"


def _duplicate(user, c, d) -> str:
    original = Complaint.objects.visible_to(user).filter(pk=d["original"]).first()
    if original is None:
        raise services.ComplaintError("原投诉不存在或不在您的管辖范围内")
    services.mark_duplicate(actor=user, complaint=c, version=d["version"], original=original, note=d["note"])
    return f"已标记为与 {original.display_code} 重复，合并办理"


def _reply(user, c, d) -> str:
    services.reply_complaint(actor=user, complaint=c, text=d["text"], public=d["public"])
    return "已答复投诉人" if d["public"] else "已添加办理记录"


def _callback(user, c, d) -> str:
    cb = services.record_callback(actor=user, complaint=c, satisfaction=d["satisfaction"], method=d["method"],
                                  note=d["note"])
    if cb.satisfaction == "dissatisfied":
        return "已记录回访：不满意，问题已退回整改"
    return f"已记录回访：{cb.get_satisfaction_display()}"


ACTIONS = {
    "accept": (AcceptForm, _accept),
    "reject": (RejectForm, _reject),
    "duplicate": (DuplicateForm, _duplicate),
    "reply": (ReplyForm, _reply),
    "callback": (CallbackForm, _callback),
}


@login_required
@require_POST
def complaint_action(request, pk: int, action: str):
    _require(request.user)
    complaint = _get(request.user, pk)
    if action not in ACTIONS:
        raise Http404
    form_class, run = ACTIONS[action]
    kwargs = {}
    if form_class is AcceptForm:
        kwargs = {"departments": _departments_for(request.user, complaint),
                  "problems": selectors.joinable_problems(complaint, request.user, focus=None)}
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        first = next(iter(e for errors in form.errors.values() for e in errors))
        return _detail(request, complaint, failed=action, error=first)
    try:
        with transaction.atomic():
            message = run(request.user, complaint, form.cleaned_data)
    except LedgerError as exc:
        return _detail(request, _get(request.user, pk), failed=action, error=exc.message, status=exc.status)
    messages.success(request, f"{complaint.display_code}：{message}")
    return redirect("complaints:complaint_detail", pk=pk)


@login_required
@require_POST
def complaint_reveal(request, pk: int):
    """Show the full name and phone once, on this response only; the reveal is audited."""
    _require(request.user)
    complaint = _get(request.user, pk)
    try:
        name, phone = services.reveal_complainant(actor=request.user, complaint=complaint)
    except LedgerError as exc:
        return _detail(request, complaint, error=exc.message, status=exc.status)
    response = _detail(request, complaint, revealed={"name": name, "phone": phone})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def project_options(request):
    _require(request.user)
    matches = projects_matching(request.user, request.GET.get("project_q", ""))[:PROJECT_OPTIONS]
    return render(request, "ledger/_project_options.html", {
        "options": [(p.pk, project_label(p)) for p in matches], "selected": request.GET.get("project", ""),
    })


@login_required
@require_GET
def photo_file(request, pk: int):
    """One complaint photo, only when its complaint is visible to the user (else 404)."""
    _require(request.user)
    photo = get_object_or_404(ComplaintPhoto, pk=pk,
                              complaint__in=Complaint.objects.visible_to(request.user).values("pk"))
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    ext = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(photo.content_type, "jpg")
    response = FileResponse(handle, content_type=photo.content_type, filename=f"complaint-photo-{photo.pk}.{ext}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=600"
    return response


urlpatterns = [
    path("", ComplaintList.as_view(), name="complaint_list"),
    path("new/", complaint_create, name="complaint_create"),
    path("new/projects/", project_options, name="project_options"),
    path("<int:pk>/", complaint_detail, name="complaint_detail"),
    path("<int:pk>/reveal/", complaint_reveal, name="complaint_reveal"),
    path("<int:pk>/<slug:action>/", complaint_action, name="complaint_action"),
    path("photos/<int:pk>/", photo_file, name="photo_file"),
]
