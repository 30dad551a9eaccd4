"""Home page and the Chinese error pages."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from propwatch.accounts.permissions import Action, can
from propwatch.complaints.selectors import complaint_summary
from propwatch.ledger.selectors import ledger_summary
from propwatch.registry.selectors import registry_summary


@login_required
def home(request):
    summary = registry_summary(request.user) if can(request.user, Action.VIEW_REGISTRY) else None
    ledger = ledger_summary(request.user) if can(request.user, Action.VIEW_LEDGER) else None
    complaints = complaint_summary(request.user) if can(request.user, Action.VIEW_COMPLAINTS) else None
    return render(request, "web/home.html", {"summary": summary, "ledger": ledger, "complaints": complaints})


def _error(request, status: int, title: str, message: str, public_message: str = ""):
    """The staff layout, or the public one for residents' pages (no staff menu, no login link)."""
    if request.path.startswith("/public/"):
        return render(request, "portal/error.html", {
            "title": title, "message": public_message or message, "hotline": settings.PUBLIC_HOTLINE,
            "mailbox": settings.PUBLIC_MAILBOX}, status=status)
    return render(request, "web/error.html", {"code": status, "title": title, "message": message}, status=status)


def error_404(request, exception=None):
    return _error(request, 404, "页面不存在", "您访问的页面不存在，或不在您的管辖范围内。",
                  "您访问的页面不存在，请从首页重新进入。")


def error_403(request, exception=None):
    return render(request, "web/error.html", {"code": 403, "title": "无权访问",
                  "message": "您的角色无权进行此操作。如需权限，请联系本单位管理员。"}, status=403)


def error_400(request, exception=None):
    return render(request, "web/error.html", {"code": 400, "title": "请求有误",
                  "message": "请求无法处理，请返回上一页重试。"}, status=400)


def error_500(request):
    # Rendered without the request's context processors: the database may be what failed.
    return HttpResponseServerError(loader.get_template("web/error_500.html").render({}))


def csrf_failure(request, reason=""):
    return _error(request, 403, "页面已过期", "页面停留时间过长或已在别处退出，请刷新页面后重新提交。",
                  "页面停留时间过长，请返回上一页刷新后重新提交（您填写的内容可能需要重新填写）。")
