"""Navigation by role: a user sees only the sections it may use."""

from django.urls import reverse

from propwatch.accounts.permissions import Action, allowed_actions

# (label, url name, action needed or None for any signed-in user)
NAV = [
    ("首页", "web:home", None),
    ("物业企业", "registry:company_list", Action.VIEW_REGISTRY),
    ("物业项目", "registry:project_list", Action.VIEW_REGISTRY),
    ("投诉举报", "complaints:complaint_list", Action.VIEW_COMPLAINTS),
    ("问题台账", "ledger:problem_list", Action.VIEW_LEDGER),
    ("批量导入", "registry:import", Action.IMPORT_REGISTRY),
    ("用户管理", "accounts:user_list", Action.MANAGE_USERS),
    ("审计日志", "audit:event_list", Action.VIEW_AUDIT),
    ("节假日安排", "campaigns:calendar", Action.MANAGE_CALENDAR),
    ("整改时限", "campaigns:time_limits", Action.MANAGE_CALENDAR),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "perms_pw": set(), "bell": None}
    allowed = allowed_actions(user)
    path = request.path
    items = []
    for label, name, action in NAV:
        if action is None or str(action) in allowed:
            url = reverse(name)
            active = path == url if url == "/" else path.startswith(url)
            items.append({"label": label, "url": url, "active": active})
    # The bell in the header: one COUNT, run only when a template shows it.
    from propwatch.notifications.selectors import Bell

    return {"nav": items, "perms_pw": allowed, "bell": Bell(user)}
