"""Navigation by role: a user sees only the sections it may use."""

from django.urls import reverse

from propwatch.accounts.permissions import Action, allowed_actions

# (label, url name, action needed or None for any signed-in user)
NAV = [
    ("首页", "web:home", None),
    ("物业企业", "registry:company_list", Action.VIEW_REGISTRY),
    ("物业项目", "registry:project_list", Action.VIEW_REGISTRY),
    ("批量导入", "registry:import", Action.IMPORT_REGISTRY),
    ("用户管理", "accounts:user_list", Action.MANAGE_USERS),
    ("审计日志", "audit:event_list", Action.VIEW_AUDIT),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "perms_pw": set()}
    allowed = allowed_actions(user)
    path = request.path
    items = []
    for label, name, action in NAV:
        if action is None or str(action) in allowed:
            url = reverse(name)
            active = path == url if url == "/" else path.startswith(url)
            items.append({"label": label, "url": url, "active": active})
    return {"nav": items, "perms_pw": allowed}
