"""The audit page for the city administrator and the auditor."""

import django_filters
from django import forms
from django.db.models import Q

from propwatch.accounts.permissions import Action
from propwatch.web.listing import FilteredListView
from propwatch.web.xlsx import Column

from .models import AuditAction, AuditEvent

OBJECT_TYPES = [
    ("registry.company", "物业服务企业"), ("registry.project", "物业项目"), ("accounts.user", "用户"),
    ("accounts.department", "部门"), ("companies", "企业导出"), ("projects", "项目导出"),
]


class AuditFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search", help_text="操作人、对象或说明")
    action = django_filters.ChoiceFilter(label="操作", choices=AuditAction.choices, empty_label="全部")
    object_type = django_filters.ChoiceFilter(label="对象类型", choices=OBJECT_TYPES, empty_label="全部")
    ip = django_filters.CharFilter(label="IP 地址", lookup_expr="startswith")
    since = django_filters.DateFilter(label="开始日期", field_name="at", lookup_expr="date__gte",
                                      widget=forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(label="结束日期", field_name="at", lookup_expr="date__lte",
                                      widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = AuditEvent
        fields = ["q", "action", "object_type", "ip", "since", "until"]

    def search(self, qs, name, value):
        return qs.filter(Q(actor_name__icontains=value) | Q(object_repr__icontains=value)
                         | Q(note__icontains=value)) if value.strip() else qs


class AuditList(FilteredListView):
    action = Action.VIEW_AUDIT
    filterset_class = AuditFilter
    template_name = "audit/event_list.html"
    title = "审计日志"
    sort_fields = {"at": ("时间", "at"), "actor": ("操作人", "actor_name"), "action": ("操作", "action")}
    default_sort = "-at"
    export_name = "audit"
    export_columns = [
        Column("时间", lambda e: e.at, 18), Column("操作人", lambda e: e.actor_name), Column("IP", lambda e: e.ip),
        Column("操作", lambda e: e.get_action_display()), Column("对象类型", lambda e: e.object_type),
        Column("对象", lambda e: e.object_repr, 30), Column("修改前", lambda e: str(e.before or ""), 40),
        Column("修改后", lambda e: str(e.after or ""), 40), Column("说明", lambda e: e.note, 30),
    ]

    def get_queryset(self):
        # The audit trail is city-wide: only city-level administrators and auditors reach this page.
        return AuditEvent.objects.all()
