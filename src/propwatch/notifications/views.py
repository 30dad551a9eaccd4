"""The notifications page: a user's own messages, newest first; marking them read is a POST."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from . import services
from .selectors import notifications_for


def _back(request, fallback: str) -> str:
    """Where to return after a POST: the list page the user came from, never another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


@login_required
@require_GET
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    qs = notifications_for(request.user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "unread_only": unread_only, "breadcrumbs": [("通知", None)],
    })


@login_required
@require_POST
def notification_read(request, pk: int):
    services.mark_read(actor=request.user, notification_id=pk)
    return redirect(_back(request, reverse("notifications:list")))


@login_required
@require_POST
def notification_open(request, pk: int):
    """Follow a notification's link (the problem), marking it read on the way."""
    notification = get_object_or_404(notifications_for(request.user), pk=pk)
    services.mark_read(actor=request.user, notification_id=notification.pk)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()}):
        return redirect(notification.url)
    return redirect(_back(request, reverse("notifications:list")))


@login_required
@require_POST
def notification_read_all(request):
    count = services.mark_all_read(actor=request.user)
    messages.success(request, f"已将 {count} 条通知标为已读" if count else "没有未读通知")
    return redirect(_back(request, reverse("notifications:list")))
