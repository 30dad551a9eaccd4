"""Shared API pieces: pagination, ordering and Chinese error bodies."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import filters, pagination
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (at most 500); the body is `{count, next, previous, results}`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class OrderingFilter(filters.OrderingFilter):
    """`?ordering=key` (or `-key`, several comma-separated), always with the primary key last.

    Without the primary key, rows that tie on the sort key (many projects share a household count
    or a contract end date) may repeat or vanish between pages. A view may set `sort_fields`,
    the `{key: (label, expression)}` table of its list page, so the API accepts exactly the keys
    of the page's `?sort=`; otherwise `ordering_fields` lists the allowed field names.
    """

    def get_valid_fields(self, queryset, view, context=None):
        sort_fields = getattr(view, "sort_fields", None)
        if sort_fields:
            return [(key, label) for key, (label, _expr) in sort_fields.items()]
        return super().get_valid_fields(queryset, view, context)

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        sort_fields = getattr(view, "sort_fields", None) or {}
        terms = []
        for term in ordering:
            key = term.removeprefix("-")
            expression = sort_fields[key][1] if key in sort_fields else key
            terms.append(f"-{expression}" if term.startswith("-") else expression)
        return queryset.order_by(*terms, "-pk" if terms[0].startswith("-") else "pk")

    def get_schema_operation_parameters(self, view):
        sort_fields = getattr(view, "sort_fields", None)
        keys = list(sort_fields) if sort_fields else [
            f if isinstance(f, str) else f[0] for f in getattr(view, "ordering_fields", None) or []
        ]
        parameters = super().get_schema_operation_parameters(view)
        if keys:
            parameters[0]["description"] = "排序字段，前加“-”为倒序，多个字段以逗号分隔；可选：" + "、".join(keys)
        return parameters


def _as_api_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
        for field, messages in exc.message_dict.items()
    }


def exception_handler(exc, context):
    """Domain ValidationErrors from services become 400s with the same messages the pages show.

    Field errors keep their field name (`{"credit_code": ["…"]}`); errors about the whole record
    come under DRF's `non_field_errors`, as serializer-level errors do.
    """
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(_as_api_errors(exc))
    return drf_exception_handler(exc, context)
