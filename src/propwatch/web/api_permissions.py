"""Method → action map for API endpoints (the Sentry pattern), read from the one permissions table."""

from rest_framework.permissions import BasePermission

from propwatch.accounts.permissions import Action, can


class ActionPermission(BasePermission):
    """Each viewset sets `actions_by_method = {"GET": Action.X, "POST": Action.Y, …}`."""

    message = "您的角色无权进行此操作"

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        mapping: dict[str, Action] = getattr(view, "actions_by_method", {})
        action = mapping.get(request.method) or mapping.get("*")
        return action is not None and can(request.user, action)
