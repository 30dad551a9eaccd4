"""Method → action map for API endpoints (the Sentry pattern), read from the one permissions table."""

from rest_framework.permissions import BasePermission

from propwatch.accounts.permissions import Action, can

# HEAD and OPTIONS only describe what GET would return, so they need what GET needs.
_READ_ALIASES = {"HEAD": "GET", "OPTIONS": "GET"}


class ActionPermission(BasePermission):
    """Each viewset sets `actions_by_method = {"GET": Action.X, "POST": Action.Y, …}`.

    A method missing from the map is refused. Which rows the user reaches is decided separately,
    by the viewset's scoped queryset: an object out of scope is a 404, not a 403.
    """

    message = "您的角色无权进行此操作"

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method not in view.allowed_methods:
            # DRF checks permissions before it looks for a handler; let the view answer the
            # truthful 405 rather than a 403 that suggests another role could delete.
            return True
        mapping: dict[str, Action] = getattr(view, "actions_by_method", {})
        method = _READ_ALIASES.get(request.method, request.method)
        action = mapping.get(method) or mapping.get("*")
        return action is not None and can(request.user, action)
