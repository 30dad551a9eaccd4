"""Public pages (no login): home, complaint form, project search, status lookup.

Nothing here reads or shows personal data: the status page is found by tracking code alone and
shows the project, the channel, the dates, the progress and the public replies. Filing and
looking up are rate-limited per client address (see limits.py); a refusal is a 429 page that
points to the hotline.
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from propwatch.campaigns.choices import Focus
from propwatch.complaints import tracking
from propwatch.complaints.choices import Progress
from propwatch.complaints.errors import ComplaintError
from propwatch.complaints.services import MAX_PHOTOS

from . import intake, limits, selectors
from .forms import ComplaintForm

# The six focus problems as a resident would say them.
FOCUS_PLAIN = {
    Focus.SUPPLY_CUT: "物业以催交物业费等为由，停水、停电、停气、停暖，或者限时、限量供应。",
    Focus.COMMON_PARTS: "物业擅自把楼道、电梯、外墙、绿地等共用部位拿去做广告、出租或经营；对违规搭建、占用等不劝阻、不制止、不报告。",
    Focus.HARASSMENT: "物业泄露业主的个人信息，或者对业主骚扰、恐吓、打击报复，甚至动手打人。",
    Focus.ABANDON_HANDOVER: "物业突然撤走、不再服务，或者合同到期后赖着不走、不办移交。",
    Focus.DISCLOSURE: "小区显著位置没有公示企业备案信息、服务内容、收费项目和标准、投诉电话、公共收益收支等。",
    Focus.FEES: "乱收费、多收费、不按标准收费，转供电时加价收电费。",
}

# The resident's view of progress, in order. A rejected complaint stops after the first step.
STEPS = [
    (Progress.RECEIVED, "已收到"),
    (Progress.HANDLING, "办理中"),
    (Progress.VERIFYING, "待核验"),
    (Progress.CLOSED, "已办结"),
    (Progress.CALLED_BACK, "已回访"),
]

NOT_FOUND_TITLE = "未找到该查询码"
NOT_FOUND_MESSAGE = "未找到该查询码，请核对后重新输入。查询码共 20 位字母和数字（如 K7QX-3MPD-……），不区分大小写。"


def _contacts() -> dict:
    return {"hotline": settings.PUBLIC_HOTLINE, "mailbox": settings.PUBLIC_MAILBOX,
            "mailing_address": settings.PUBLIC_MAILING_ADDRESS}


def _render(request, template: str, context: dict | None = None, status: int = 200):
    return render(request, template, {**_contacts(), **(context or {})}, status=status)


def _too_many(request):
    return _render(request, "portal/rate_limited.html", {"message": limits.MESSAGE}, status=429)


def _not_found(request, code: str = ""):
    return _render(request, "portal/not_found.html",
                   {"title": NOT_FOUND_TITLE, "message": NOT_FOUND_MESSAGE, "code": code[:40]}, status=404)


@require_GET
def home(request):
    focus = [{"number": f.value, "title": f.label, "plain": FOCUS_PLAIN[f]} for f in Focus]
    return _render(request, "portal/home.html", {"focus": focus})


@require_http_methods(["GET", "POST"])
def complaint(request):
    if request.method == "POST":
        if limits.over_limit(request, limits.SUBMIT):
            return _too_many(request)
        form = ComplaintForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            project = selectors.public_projects().get(pk=data["project"])
            try:
                created, _new = intake.submit(
                    source="web", project=project, text=data["text"], name=data["name"], phone=data["phone"],
                    confidential=data["confidential"], photos=data["photos"], client_key=data["idempotency_key"])
            except ComplaintError as exc:
                form.add_service_error(exc)
            else:
                return redirect("portal:complaint_done", code=created.display_code)
    else:
        form = ComplaintForm()
    return _render(request, "portal/complaint_form.html", {
        "form": form, "selected_project": form.project_choice,
        "selected_results": [form.project_choice] if form.project_choice else [],
        "search_query": request.POST.get("q", "") if form.is_bound else "",
        "max_photos": MAX_PHOTOS,
    })


@require_GET
def project_search(request):
    """htmx: up to 20 projects matching ?q= (name or address), as radio buttons for the form."""
    query = request.GET.get("q", "").strip()
    results = selectors.search_projects(query)
    selected = selectors.public_project(request.GET.get("project"))
    if selected and all(r["id"] != selected["id"] for r in results):
        results = [selected, *results]
    return render(request, "portal/_project_results.html", {
        "results": results, "query": query, "selected_id": selected["id"] if selected else None,
        "too_short": 0 < len(query) < selectors.MIN_QUERY, "min_query": selectors.MIN_QUERY,
        "limit": selectors.MAX_RESULTS,
    })


@require_GET
def complaint_done(request, code: str):
    if limits.over_limit(request, limits.LOOKUP):
        return _too_many(request)
    found = selectors.complaint_by_code(code)
    if found is None:
        return _not_found(request, code)
    return _render(request, "portal/complaint_done.html", {
        "display_code": found.display_code,
        "status_url": reverse("portal:status", kwargs={"code": found.display_code}),
    })


@require_GET
def status_lookup(request):
    """The lookup form; a well-formed ?code= goes on to the status page (counted there)."""
    raw = request.GET.get("code", "")
    if not raw.strip():
        return _render(request, "portal/status_lookup.html", {})
    code = tracking.normalise(raw)
    if code is not None:
        return redirect("portal:status", code=tracking.display(code))
    # A malformed code is a failed lookup too: it counts, so guessing stays slow either way.
    if limits.over_limit(request, limits.LOOKUP):
        return _too_many(request)
    return _not_found(request, raw)


@require_GET
def status(request, code: str):
    if limits.over_limit(request, limits.LOOKUP):
        return _too_many(request)
    found = selectors.complaint_by_code(code)
    if found is None:
        return _not_found(request, code)
    progress = found.progress()
    return _render(request, "portal/status.html", {
        "display_code": found.display_code,
        "project_name": found.project.name,
        "channel": found.get_channel_display(),
        "received_at": found.received_at,
        "progress": progress,
        "steps": _steps(progress),
        # Time and note only: who wrote a reply and in which office stays inside.
        "events": [{"at": e.at, "note": e.note} for e in selectors.public_events(found)],
    })


def _steps(progress: Progress) -> list[dict]:
    """The step indicator: done steps, the current one, the ones to come."""
    if progress == Progress.REJECTED:
        return [{"label": "已收到", "state": "done"}, {"label": "不予受理", "state": "current"}]
    order = [value for value, _label in STEPS]
    current = order.index(progress)
    return [{"label": label, "state": "done" if i < current else "current" if i == current else "todo"}
            for i, (_value, label) in enumerate(STEPS)]
