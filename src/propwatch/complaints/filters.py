"""The complaints FilterSet: the list page, the XLSX export and the API read the same filters."""

import django_filters
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from propwatch.ledger.choices import State as ProblemState
from propwatch.ledger.filters import YES_NO, _counties, _streets

from . import tracking
from .choices import Channel, Route, State
from .forms import FOCUS_CHOICES
from .models import Callback, Complaint

PROGRESS_CHOICES = [("open", "待处理（待受理或办理中）"), ("callback_due", "已办结待回访")]


class ComplaintFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search", help_text="查询码、工单编号、小区名称或投诉内容")
    county = django_filters.ModelChoiceFilter(
        label="县（市、区）", queryset=_counties, method="in_region", empty_label="全部", to_field_name="code",
    )
    street = django_filters.ModelChoiceFilter(
        label="街道（乡镇）", queryset=_streets, method="in_region", empty_label="全部", to_field_name="code",
    )
    state = django_filters.ChoiceFilter(label="受理状态", choices=State.choices, empty_label="全部")
    progress = django_filters.ChoiceFilter(label="办理进度", choices=PROGRESS_CHOICES, method="in_progress",
                                           empty_label="全部")
    channel = django_filters.ChoiceFilter(label="来源渠道", choices=Channel.choices, empty_label="全部")
    focus = django_filters.ChoiceFilter(label="整治重点", choices=FOCUS_CHOICES, method="has_focus",
                                        empty_label="全部", help_text="已确认的分类，未受理的按系统建议")
    route = django_filters.ChoiceFilter(label="转办方向", choices=Route.choices, method="has_route", empty_label="全部")
    received_from = django_filters.DateFilter(label="受理日期从", field_name="received_at", lookup_expr="date__gte")
    received_to = django_filters.DateFilter(label="至", field_name="received_at", lookup_expr="date__lte")
    reply_overdue = django_filters.ChoiceFilter(label="答复逾期", choices=YES_NO, method="is_reply_overdue",
                                                empty_label="全部")

    class Meta:
        model = Complaint
        fields = ["q", "county", "street", "state", "progress", "channel", "focus", "route", "received_from",
                  "received_to", "reply_overdue"]

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        q = Q(project__name__icontains=value) | Q(text__icontains=value) | Q(work_order_no__iexact=value)
        if code := tracking.normalise(value):
            q |= Q(tracking_code=code)
        return qs.filter(q)

    @extend_schema_field(OpenApiTypes.STR)
    def in_region(self, qs, name, region):
        return qs.filter(project__community__path__startswith=region.path)

    def has_focus(self, qs, name, value):
        focus = int(value)
        return qs.filter(Q(focus=focus) | Q(focus__isnull=True, suggested_focus=focus))

    def has_route(self, qs, name, value):
        return qs.filter(Q(route=value) | Q(route="", suggested_route=value))

    def in_progress(self, qs, name, value):
        closed = (Q(problem__state=ProblemState.CLOSED)
                  | Q(problem__isnull=True, duplicate_of__problem__state=ProblemState.CLOSED))
        if value == "open":
            return qs.filter(Q(state=State.RECEIVED) | (Q(state__in=[State.ACCEPTED, State.DUPLICATE]) & ~closed))
        # Closed and no callback for the current close-out (a reopened and re-closed problem is due again).
        called = Callback.objects.filter(complaint=OuterRef("pk"), problem_closed_at=OuterRef("followed_closed_at"))
        return (qs.filter(Q(state__in=[State.ACCEPTED, State.DUPLICATE]) & closed)
                .exclude(name_cipher="", phone_cipher="")  # anonymous: nobody to call back
                .annotate(followed_closed_at=Coalesce(F("problem__closed_at"), F("duplicate_of__problem__closed_at")))
                .exclude(Exists(called)))

    def is_reply_overdue(self, qs, name, value):
        overdue = Q(replied_at__isnull=True, reply_deadline__lt=timezone.now()) & ~Q(state=State.REJECTED)
        return qs.filter(overdue) if value == "yes" else qs.exclude(overdue)

