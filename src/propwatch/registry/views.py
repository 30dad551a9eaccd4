"""Registry pages: companies and projects, their lists, details, forms and the bulk import."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from propwatch.accounts.permissions import Action, can
from propwatch.accounts.scoping import get_visible_or_404
from propwatch.audit.models import AuditEvent
from propwatch.web.form_errors import add_service_errors
from propwatch.web.listing import FilteredListView
from propwatch.web.xlsx import XLSX_TYPE

from . import imports, services
from .exports import COMPANY_COLUMNS, PROJECT_COLUMNS
from .filters import CompanyFilter, ProjectFilter
from .forms import CompanyForm, DisclosureForm, ImportForm, ProjectForm
from .models import DISCLOSURE_FIELDS, Company, Project
from .selectors import companies_for, project_count_in_scope, projects_for


def _require(user, action: Action) -> None:
    if not can(user, action):
        raise PermissionDenied


def _history(obj, limit: int = 20):
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))[:limit]


# ---- companies ---------------------------------------------------------------------------------

class CompanyList(FilteredListView):
    filterset_class = CompanyFilter
    template_name = "registry/company_list.html"
    title = "物业服务企业"
    sort_fields = {
        "name": ("企业名称", "name"),
        "credit_code": ("统一社会信用代码", "credit_code"),
        "legal_representative": ("法定代表人", "legal_representative"),
        "projects": ("在管项目", "project_count"),
        "updated": ("更新时间", "updated_at"),
    }
    default_sort = "name"
    export_columns = COMPANY_COLUMNS
    export_name = "companies"

    def get_queryset(self):
        return companies_for(self.request.user).annotate(project_count=project_count_in_scope(self.request.user))


@login_required
def company_detail(request, pk: int):
    _require(request.user, Action.VIEW_REGISTRY)
    company = get_visible_or_404(Company.objects.select_related("region", "credit_code_override_by"),
                                 request.user, pk=pk)
    projects = projects_for(request.user).filter(company=company).order_by("code")
    return render(request, "registry/company_detail.html", {
        "company": company,
        "projects": projects[:200],
        "project_total": projects.count(),
        "accounts": company.department.users.all() if hasattr(company, "department") else [],
        "history": _history(company),
        "breadcrumbs": [("物业服务企业", reverse("registry:company_list")), (company.name, None)],
    })


@login_required
@require_http_methods(["GET", "POST"])
def company_edit(request, pk: int | None = None):
    _require(request.user, Action.EDIT_REGISTRY)
    company = get_visible_or_404(Company.objects.all(), request.user, pk=pk) if pk else None
    form = CompanyForm(request.POST or None, instance=company, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in services.COMPANY_FIELDS}
        reason = form.cleaned_data["override_reason"]
        try:
            if company:
                company = services.update_company(actor=request.user, company=company, data=data,
                                                  override_reason=reason)
                messages.success(request, f"已保存“{company.name}”")
            else:
                company = services.create_company(actor=request.user, data=data, override_reason=reason)
                messages.success(request, f"已登记“{company.name}”")
            # A company registered in another county with no project here leaves the user's scope:
            # say so instead of redirecting to a page that would be a 404.
            if not Company.objects.visible_to(request.user).filter(pk=company.pk).exists():
                messages.warning(request, f"“{company.name}”的注册所在地不在您的管辖范围内，且在您辖区内暂无项目，"
                                          "因此不会出现在您的企业列表中。")
                return redirect("registry:company_list")
            return redirect("registry:company_detail", pk=company.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
    title = f"编辑：{company.name}" if company else "登记物业服务企业"
    crumbs = [("物业服务企业", reverse("registry:company_list"))]
    if company:
        crumbs.append((company.name, reverse("registry:company_detail", args=[company.pk])))
    return render(request, "web/form.html", {
        "form": form, "title": title, "breadcrumbs": [*crumbs, (title, None)],
        "cancel_url": reverse("registry:company_detail", args=[company.pk]) if company else reverse("registry:company_list"),
        "show_override": can(request.user, Action.OVERRIDE_CREDIT_CODE),
    })


# ---- projects ----------------------------------------------------------------------------------

class ProjectList(FilteredListView):
    filterset_class = ProjectFilter
    template_name = "registry/project_list.html"
    title = "物业项目"
    sort_fields = {
        "code": ("项目编号", "code"),
        "name": ("项目名称", "name"),
        "community": ("所在社区", "community__path"),
        "company": ("物业服务企业", "company__name"),
        "contract_end": ("合同结束", "contract_end"),
        "households": ("户数", "households"),
    }
    default_sort = "code"
    export_columns = PROJECT_COLUMNS
    export_name = "projects"

    def get_queryset(self):
        return projects_for(self.request.user)

    def extra_context(self):
        company_id = self.request.GET.get("company")
        company = None
        if company_id and company_id.isdigit():
            company = Company.objects.visible_to(self.request.user).filter(pk=company_id).first()
        return {"company_filter": company}


@login_required
def project_detail(request, pk: int):
    _require(request.user, Action.VIEW_REGISTRY)
    project = get_visible_or_404(projects_for(request.user), request.user, pk=pk)
    company_visible = bool(project.company_id) and Company.objects.visible_to(request.user).filter(
        pk=project.company_id).exists()
    return render(request, "registry/project_detail.html", {
        "project": project,
        "company_visible": company_visible,
        "history": _history(project),
        "breadcrumbs": [("物业项目", reverse("registry:project_list")), (project.name, None)],
    })


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk: int | None = None):
    _require(request.user, Action.EDIT_REGISTRY)
    project = get_visible_or_404(Project.objects.all(), request.user, pk=pk) if pk else None
    form = ProjectForm(request.POST or None, instance=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in services.PROJECT_FIELDS}
        try:
            if project:
                project = services.update_project(actor=request.user, project=project, data=data)
                messages.success(request, f"已保存“{project.name}”")
            else:
                project = services.create_project(actor=request.user, data=data)
                messages.success(request, f"已登记“{project.name}”（编号 {project.code}）")
            return redirect("registry:project_detail", pk=project.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
    title = f"编辑：{project.name}" if project else "登记物业项目"
    crumbs = [("物业项目", reverse("registry:project_list"))]
    if project:
        crumbs.append((project.name, reverse("registry:project_detail", args=[project.pk])))
    return render(request, "web/form.html", {
        "form": form, "title": title, "breadcrumbs": [*crumbs, (title, None)],
        "cancel_url": reverse("registry:project_detail", args=[project.pk]) if project else reverse("registry:project_list"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def project_disclosure(request, pk: int):
    _require(request.user, Action.EDIT_DISCLOSURE)
    project = get_visible_or_404(Project.objects.all(), request.user, pk=pk)
    form = DisclosureForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_disclosure(actor=request.user, project=project,
                                       items={f: form.cleaned_data[f] for f in DISCLOSURE_FIELDS})
            messages.success(request, "已保存公示情况")
            return redirect("registry:project_detail", pk=project.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
    title = f"登记公示情况：{project.name}"
    return render(request, "web/form.html", {
        "form": form, "title": title,
        "breadcrumbs": [("物业项目", reverse("registry:project_list")),
                        (project.name, reverse("registry:project_detail", args=[project.pk])), ("公示情况", None)],
        "cancel_url": reverse("registry:project_detail", args=[project.pk]),
        "intro": "整治重点五：物业服务企业应在小区显著位置公示以下信息。请按现场核实情况填写每项公示完成的日期。",
    })


# ---- bulk import -------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def import_view(request):
    _require(request.user, Action.IMPORT_REGISTRY)
    kind = request.GET.get("kind")
    form = ImportForm(request.POST or None, request.FILES or None,
                      initial={"kind": kind if kind in imports.SPECS else "companies"})
    result = None
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        result = imports.run_import(kind, form.cleaned_data["file"], actor=request.user)
        if result.ok:
            messages.success(request, result.summary())
            return redirect("registry:company_list" if kind == "companies" else "registry:project_list")
    return render(request, "registry/import.html", {
        "form": form, "result": result, "specs": imports.SPECS, "max_rows": imports.MAX_ROWS,
        "breadcrumbs": [("批量导入", None)],
    })


@login_required
def import_template(request, kind: str):
    _require(request.user, Action.IMPORT_REGISTRY)
    spec = imports.SPECS.get(kind)
    if spec is None:
        from django.http import Http404

        raise Http404
    from urllib.parse import quote

    response = HttpResponse(imports.template_bytes(spec, request.user), content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{kind}-template.xlsx\"; filename*=UTF-8''{quote(spec.title + '导入模板.xlsx')}"
    )
    return response
