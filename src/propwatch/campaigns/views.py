"""Campaign configuration pages for the city housing bureau's administrators.

The working-day calendar (holidays and make-up working days, year by year) and the default time
limit of each focus problem. Views parse, check the role, call one service and report what it
did, including how many provisional deadlines were recounted.
"""

import datetime

import chinese_calendar
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from propwatch.accounts.permissions import Action, can
from propwatch.web.form_errors import add_service_errors

from . import services
from .choices import Focus
from .forms import CalendarDayForm, CalendarImportForm, CalendarYearForm, TimeLimitForm
from .models import CalendarDay, CalendarYear

CALENDAR_TITLE = "节假日安排"
TIME_LIMITS_TITLE = "整改时限"


def _require(user) -> None:
    if not can(user, Action.MANAGE_CALENDAR):
        raise PermissionDenied


def _year_or_404(year: int) -> int:
    if not services.MIN_YEAR <= year <= services.MAX_YEAR:
        raise Http404
    return year


def _provisional_by_year() -> dict[int, int]:
    """Open problems whose deadline is provisional, by the year the deadline falls in."""
    from propwatch.ledger.models import Problem

    rows = (Problem.objects.open().filter(deadline_provisional=True, deadline__isnull=False)
            .annotate(y=ExtractYear("deadline")).values("y").annotate(n=Count("pk")).order_by())
    return {r["y"]: r["n"] for r in rows}


def _report(request, change: services.CalendarChange, done: str, days_changed: bool = True) -> None:
    """Say what was saved, and how many deadlines moved because of it."""
    if change.recomputed:
        messages.success(request, f"{done}已按新的节假日安排重新计算 {change.recomputed} 个问题的暂定整改期限。")
    else:
        messages.success(request, f"{done}没有需要重新计算的暂定整改期限。")
    if days_changed and change.year_final:
        # Only provisional deadlines are recounted; say so rather than let it look like everything moved.
        messages.warning(request, f"{change.year} 年已确定（非暂定）的整改期限不会随之调整，只重新计算暂定期限。")


def _calendar_breadcrumbs(year: int | None = None, last: str = "") -> list:
    crumbs = [(CALENDAR_TITLE, reverse("campaigns:calendar"))]
    if year is not None:
        crumbs.append((f"{year} 年", reverse("campaigns:calendar_year", args=[year]) if last else None))
    if last:
        crumbs.append((last, None))
    return crumbs


# ---- the calendar ------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET"])
def calendar_overview(request):
    _require(request.user)
    if wanted := request.GET.get("year", "").strip():
        if wanted.isdigit() and services.MIN_YEAR <= int(wanted) <= services.MAX_YEAR:
            return redirect("campaigns:calendar_year", year=int(wanted))
        messages.error(request, f"年份应为 {services.MIN_YEAR}–{services.MAX_YEAR} 之间的四位数字")
    today = timezone.localdate()
    counts = {r["y"]: r for r in CalendarDay.objects.annotate(y=ExtractYear("date")).values("y").annotate(
        holidays=Count("pk", filter=Q(is_workday=False)), workdays=Count("pk", filter=Q(is_workday=True))
    ).order_by()}
    complete = {y.year: y for y in CalendarYear.objects.all()}
    provisional = _provisional_by_year()
    years = sorted(set(counts) | set(complete) | set(provisional) | {today.year, today.year + 1}, reverse=True)
    rows = []
    for year in years:
        c = counts.get(year, {})
        rows.append({
            "year": year, "holidays": c.get("holidays", 0), "workdays": c.get("workdays", 0),
            "complete": complete.get(year), "builtin": services.builtin_covers(year),
            "provisional": provisional.get(year, 0),
        })
    return render(request, "campaigns/calendar_overview.html", {
        "rows": rows, "title": CALENDAR_TITLE, "breadcrumbs": [(CALENDAR_TITLE, None)], "tab": "calendar",
    })


def _year_page(request, year: int, year_form: CalendarYearForm | None = None):
    builtin = services.builtin_covers(year)
    days = list(CalendarDay.objects.filter(date__year=year))
    for d in days:
        d.weekday_name = services.weekday_name(d.date)
        # Where the table disagrees with the bundled package, say so: the entry overrides it.
        d.overrides_builtin = builtin and chinese_calendar.is_workday(d.date) != d.is_workday
    complete = CalendarYear.objects.filter(year=year).first()
    if year_form is None:
        year_form = CalendarYearForm(initial={"source": complete.source if complete else ""})
    return render(request, "campaigns/calendar_year.html", {
        "year": year, "days": days, "complete": complete, "builtin": builtin,
        "holidays": sum(not d.is_workday for d in days), "workdays": sum(d.is_workday for d in days),
        "provisional": _provisional_by_year().get(year, 0), "year_form": year_form,
        "title": f"{year} 年节假日安排", "breadcrumbs": _calendar_breadcrumbs(year), "tab": "calendar",
    })


@login_required
@require_http_methods(["GET"])
def calendar_year(request, year: int):
    _require(request.user)
    return _year_page(request, _year_or_404(year))


@login_required
@require_POST
def calendar_year_complete(request, year: int):
    _require(request.user)
    year = _year_or_404(year)
    form = CalendarYearForm(request.POST)
    if form.is_valid():
        try:
            change = services.mark_year_complete(actor=request.user, year=year, source=form.cleaned_data["source"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _report(request, change, f"已将 {year} 年标记为录入完整，该年度的期限不再是暂定。", days_changed=False)
            return redirect("campaigns:calendar_year", year=year)
    return _year_page(request, year, year_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_day_edit(request, year: int | None = None, pk: int | None = None):
    _require(request.user)
    day = get_object_or_404(CalendarDay, pk=pk) if pk else None
    year = day.date.year if day else _year_or_404(year)
    initial = ({"date": day.date, "kind": "workday" if day.is_workday else "holiday", "note": day.note} if day
               else {"date": datetime.date(year, 1, 1), "kind": "holiday"})
    form = CalendarDayForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = services.save_calendar_day(actor=request.user, day=day, date=data["date"],
                                                is_workday=form.is_workday, note=data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            label = "上班" if form.is_workday else "放假"
            _report(request, change, f"已{'修改' if day else '录入'} {data['date']:%Y-%m-%d}（{label}）。")
            return redirect("campaigns:calendar_year", year=change.year)
    title = f"修改 {day.date:%Y-%m-%d}" if day else "新增日期"
    return render(request, "web/form.html", {
        "form": form, "title": title, "cancel_url": reverse("campaigns:calendar_year", args=[year]),
        "breadcrumbs": _calendar_breadcrumbs(year, title),
        "intro": "只需录入与“周一至周五上班、周六周日休息”不同的日期：法定节假日（放假）和调休上班的周末（上班）。",
    })


@login_required
@require_http_methods(["GET", "POST"])
def calendar_day_delete(request, pk: int):
    _require(request.user)
    day = get_object_or_404(CalendarDay, pk=pk)
    year = day.date.year
    if request.method == "POST":
        change = services.delete_calendar_day(actor=request.user, day=day)
        _report(request, change, f"已删除 {day.date:%Y-%m-%d}。")
        return redirect("campaigns:calendar_year", year=year)
    title = f"删除 {day.date:%Y-%m-%d}"
    return render(request, "campaigns/calendar_day_delete.html", {
        "day": day, "weekday_name": services.weekday_name(day.date), "title": title,
        "complete": CalendarYear.objects.filter(year=year).exists(),
        "breadcrumbs": _calendar_breadcrumbs(year, title), "tab": "calendar",
    })


@login_required
@require_http_methods(["GET", "POST"])
def calendar_import(request, year: int):
    _require(request.user)
    year = _year_or_404(year)
    form = CalendarImportForm(request.POST or None)
    errors: list[services.RowError] = []
    if request.method == "POST" and form.is_valid():
        try:
            change = services.import_calendar_days(actor=request.user, year=year, text=form.cleaned_data["text"])
        except services.CalendarImportError as exc:
            errors = exc.errors
        else:
            _report(request, change, f"已录入 {year} 年节假日安排：新增 {change.created} 天，修改 {change.updated} 天，"
                                     f"未变 {change.unchanged} 天。")
            return redirect("campaigns:calendar_year", year=year)
    title = "批量录入"
    return render(request, "campaigns/calendar_import.html", {
        "form": form, "errors": errors, "year": year, "title": f"批量录入 {year} 年节假日安排",
        "breadcrumbs": _calendar_breadcrumbs(year, title), "tab": "calendar",
    })


# ---- time limits -------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET"])
def time_limits(request):
    _require(request.user)
    return render(request, "campaigns/time_limits.html", {
        "rows": services.time_limit_rows(), "title": TIME_LIMITS_TITLE,
        "breadcrumbs": [(TIME_LIMITS_TITLE, None)], "tab": "time_limits",
    })


@login_required
@require_http_methods(["GET", "POST"])
def time_limit_edit(request, focus: int):
    _require(request.user)
    if focus not in Focus.values:
        raise Http404
    current = next(r for r in services.time_limit_rows() if r.focus == focus)
    initial = ({"unit": "hours", "amount": current.hours} if current.hours
               else {"unit": "working_days", "amount": current.working_days})
    form = TimeLimitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        unit, amount = form.cleaned_data["unit"], form.cleaned_data["amount"]
        try:
            row = services.set_time_limit(actor=request.user, focus=focus,
                                          working_days=amount if unit == "working_days" else None,
                                          hours=amount if unit == "hours" else None)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已将“{Focus(focus).label}”的整改时限设为 {row.describe()}，"
                                      "对此后登记的问题生效，已登记问题的期限不变。")
            return redirect("campaigns:time_limits")
    title = f"整改重点{focus}：{Focus(focus).label}"
    return render(request, "web/form.html", {
        "form": form, "title": title, "cancel_url": reverse("campaigns:time_limits"),
        "breadcrumbs": [(TIME_LIMITS_TITLE, reverse("campaigns:time_limits")), (title, None)],
        "intro": f"当前时限：{current.describe()}{'（系统默认）' if current.is_default else ''}。"
                 "修改后对此后登记的问题生效，已登记问题的期限不变。",
    })
