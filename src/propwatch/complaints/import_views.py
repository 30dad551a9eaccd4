"""The 12345 work-order import pages: explanation, template, upload, and the result or the errors."""

from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from propwatch.web.xlsx import XLSX_TYPE

from . import imports, rules
from .errors import NotAllowed


class WorkOrderImportForm(forms.Form):
    file = forms.FileField(
        label="工单文件（.xlsx 或 .csv）",
        help_text=f"12345 平台导出的文件或按模板填写的文件；单个文件不超过 {imports.MAX_BYTES // 1024 // 1024} MB",
        error_messages={"required": "请选择要导入的文件", "empty": "上传的文件是空的，请重新选择"},
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > imports.MAX_BYTES:
            raise forms.ValidationError(
                f"文件超过 {imports.MAX_BYTES // 1024 // 1024} MB（当前 {f.size / 1024 / 1024:.1f} MB），"
                "请按受理时间拆分后分批导入")
        return f


def _refuse(request, reason: str) -> HttpResponse:
    """The 403 page with the rule's own reason (which role may import), not a generic one."""
    return render(request, "web/error.html", {"code": 403, "title": "无权访问", "message": reason}, status=403)


@login_required
@require_http_methods(["GET", "POST"])
def import_view(request):
    if reason := rules.can_import(request.user):
        return _refuse(request, reason)
    form = WorkOrderImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = imports.import_work_orders(actor=request.user, upload=form.cleaned_data["file"])
        except NotAllowed as exc:
            return _refuse(request, exc.message)
    return render(request, "complaints/import.html", {
        "form": form, "result": result, "columns": imports.COLUMNS, "max_rows": imports.MAX_ROWS,
        "breadcrumbs": [("投诉举报", reverse("complaints:complaint_list")), ("12345 工单导入", None)],
    })


@login_required
@require_GET
def import_template(request):
    if reason := rules.can_import(request.user):
        return _refuse(request, reason)
    response = HttpResponse(imports.template_bytes(request.user), content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        "attachment; filename=\"12345-work-orders-template.xlsx\"; "
        f"filename*=UTF-8''{quote('12345工单导入模板.xlsx')}"
    )
    return response


urlpatterns: list = [
    path("import/", import_view, name="import"),
    path("import/template.xlsx", import_template, name="import-template"),
]
