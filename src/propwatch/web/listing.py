"""The list page every register shares: scoped rows, one FilterSet, sorting, pagination, export.

The same FilterSet class feeds the HTML list, the XLSX export and the API, so the three always
agree on what "these rows" means.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views import View

from propwatch.accounts.permissions import Action, can
from propwatch.audit.models import AuditAction
from propwatch.audit.services import record

from .xlsx import Column, xlsx_response


class FilteredListView(LoginRequiredMixin, View):
    """Subclasses define `get_queryset()` returning the user's scoped rows."""

    action: Action = Action.VIEW_REGISTRY
    filterset_class = None
    template_name = ""
    title = ""
    # {key: (column label, order_by expression)}; "-key" in ?sort= reverses.
    sort_fields: dict[str, tuple[str, str]] = {}
    default_sort = ""
    export_columns: list[Column] = []
    export_name = "export"

    def extra_context(self) -> dict:
        return {}

    def sorted(self, qs, sort: str):
        key = sort.lstrip("-")
        if key not in self.sort_fields:
            sort, key = self.default_sort, self.default_sort.lstrip("-")
        expr = self.sort_fields[key][1]
        desc = sort.startswith("-")
        # The primary key breaks ties so pages never repeat or skip rows.
        return qs.order_by(f"-{expr}" if desc else expr, "-pk" if desc else "pk"), sort

    def get(self, request):
        if not can(request.user, self.action):
            raise PermissionDenied
        filterset = self.filterset_class(request.GET or None, queryset=self.get_queryset(), request=request)
        qs = filterset.qs
        qs, sort = self.sorted(qs, request.GET.get("sort", ""))
        if request.GET.get("export") == "xlsx":
            return self.export(request, qs)
        page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
        headers = [
            {"key": key, "label": label, "active": sort.lstrip("-") == key, "desc": sort.startswith("-"),
             "next": key if sort != key else f"-{key}"}
            for key, (label, _expr) in self.sort_fields.items()
        ]
        filtered = any(v for k, v in request.GET.items() if k not in ("page", "sort"))
        context = {
            "filterset": filterset, "page": page, "sort": sort, "sort_headers": headers,
            "title": self.title, "filtered": filtered, "breadcrumbs": [(self.title, None)],
            "can_export": can(request.user, Action.EXPORT),
        }
        return render(request, self.template_name, context | self.extra_context())

    def export(self, request, qs):
        if not can(request.user, Action.EXPORT):
            raise PermissionDenied
        limit = settings.EXPORT_MAX_ROWS
        if qs[limit : limit + 1].exists():
            # A file cut short would pass for the whole list: refuse, and say how to narrow it.
            messages.error(request, f"符合条件的记录超过单次导出上限（{limit} 条），请缩小筛选范围后分批导出")
            params = request.GET.copy()
            params.pop("export", None)
            return redirect(f"{request.path}?{params.urlencode()}")
        rows = qs[:limit]
        record(
            actor=request.user, action=AuditAction.EXPORT, object_type=self.export_name,
            object_repr=self.title, note=f"筛选条件：{request.GET.urlencode()}",
        )
        return self.export_response(request, rows)

    def export_response(self, request, rows):
        """The file for the exported rows; a register filed in an official layout overrides it."""
        return xlsx_response(self.export_name, self.title, self.export_columns, rows)
