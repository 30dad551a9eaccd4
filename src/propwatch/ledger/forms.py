"""Forms of the ledger pages. They shape the input; the services decide what is allowed.

Domain rules (a reason is required to send back, the new deadline must be later, …) are checked
by the services, which raise `LedgerError` with the Chinese message the page shows. The forms
only parse: numbers, dates, files, and choices limited to what the user may see.
"""

from django import forms
from django.db.models import Q

from propwatch.campaigns.choices import FOCUS_LONG, Focus
from propwatch.registry.models import Project

from .choices import Level, Source
from .selectors import assignable_departments

# The create page lists this many projects at most; the search box narrows the rest.
PROJECT_OPTIONS = 50


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos or PDFs in one field; the evidence service checks each file's content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.get_kind_display()}"


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return project_label(obj)


def project_label(project: Project) -> str:
    street = project.community.parent
    return f"{project.name} · {street.parent.name}{street.name}"


def projects_matching(user, query: str = ""):
    """In-scope projects whose name, code or address contains `query`, for the create page."""
    qs = Project.objects.visible_to(user).select_related("community__parent__parent").order_by("name", "pk")
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query) | Q(address__icontains=query))
    return qs


class ProblemCreateForm(forms.Form):
    project = ProjectChoiceField(label="小区（项目）", queryset=Project.objects.none(),
                                 error_messages={"invalid_choice": "请从列表中选择您管辖范围内的小区"},
                                 help_text="先在上方搜索框输入小区名称，再从列表中选择")
    focus = forms.TypedChoiceField(label="整治重点", choices=Focus.choices, coerce=int, widget=forms.RadioSelect)
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                  help_text="写明发现的事实：时间、地点、具体行为")
    source = forms.ChoiceField(label="问题来源", choices=Source.choices)
    found_on = forms.DateField(label="发现日期", widget=DateInput())
    level = forms.ChoiceField(label="办理层级", choices=[(Level.STREET, Level.STREET.label), (Level.COUNTY, Level.COUNTY.label)],
                              help_text="街道能就地化解的选“街道就地化解”；需县级住建部门督办的选“县级督办”")
    responsible_department = DepartmentChoiceField(
        label="整改责任单位", queryset=None, required=False, empty_label="（暂不交办）", help_text="选择后登记即交办",
        error_messages={"invalid_choice": "所选责任单位不在您的管辖范围内"})
    responsible_person = forms.CharField(label="责任人", max_length=50, required=False)
    files = MultipleFileField(label="现场照片或材料", help_text="可选，可多选；JPG、PNG、WebP 或 PDF，每个不超过 10 MB")

    def __init__(self, *args, user, project_query: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["project"].queryset = Project.objects.visible_to(user).select_related("community__parent__parent")
        self.fields["responsible_department"].queryset = assignable_departments(user)
        self.project_query = project_query
        self.focus_items = [(value, label, FOCUS_LONG[value]) for value, label in Focus.choices]

    def project_options(self) -> list[tuple[int, str]]:
        """The options the select shows: the search's first matches and the chosen project."""
        options = list(projects_matching(self.user, self.project_query)[:PROJECT_OPTIONS])
        chosen = self["project"].value()
        if chosen and str(chosen).isdigit() and all(str(p.pk) != str(chosen) for p in options):
            extra = projects_matching(self.user).filter(pk=chosen).first()
            if extra is not None:
                options.insert(0, extra)
        return [(p.pk, project_label(p)) for p in options]


# ---- the list page's bulk assignment -----------------------------------------------------------

class BulkAssignForm(forms.Form):
    department = DepartmentChoiceField(label="交办至", queryset=None,
                                       error_messages={"required": "请选择整改责任单位",
                                                       "invalid_choice": "所选责任单位不在您的管辖范围内"})
    person = forms.CharField(label="责任人", max_length=50, required=False)
    # "pk:version" per ticked row, so each problem is assigned as the user saw it.
    rows = forms.MultipleChoiceField(required=True, error_messages={"required": "请先勾选要交办的问题"})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = assignable_departments(user)
        self.fields["rows"].choices = [(v, v) for v in self.data.getlist("rows")] if self.is_bound else []

    def clean_rows(self):
        parsed = []
        for value in self.cleaned_data["rows"]:
            pk, _, version = value.partition(":")
            if not (pk.isdigit() and version.isdigit()):
                raise forms.ValidationError("提交的数据有误，请刷新页面后重试")
            parsed.append((int(pk), int(version)))
        return parsed


# ---- the detail page's action forms ------------------------------------------------------------

class VersionedForm(forms.Form):
    """Every action carries the version of the problem the user saw (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1,
                                 error_messages={"required": "页面已过期，请刷新后重试",
                                                 "invalid": "页面已过期，请刷新后重试"})

    def __init__(self, *args, user=None, problem=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.problem = user, problem


class NoteForm(VersionedForm):
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(VersionedForm):
    reason = forms.CharField(label="原因", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(NoteForm):
    field_order = ["version", "department", "person", "note"]
    department = DepartmentChoiceField(label="整改责任单位", queryset=None, required=False,
                                       empty_label="请选择",
                                       error_messages={"invalid_choice": "所选责任单位不在您的管辖范围内"})
    person = forms.CharField(label="责任人", max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = assignable_departments(self.user)


class SubmitForm(NoteForm):
    files = MultipleFileField(label="整改佐证材料", help_text="至少一份，可多选；照片或 PDF")


class CloseForm(NoteForm):
    files = MultipleFileField(label="核验材料", help_text="可选；照片或 PDF")


class SendBackForm(ReasonForm):
    files = MultipleFileField(label="核验材料", help_text="可选；照片或 PDF")


class JointForm(NoteForm):
    field_order = ["version", "departments", "note"]
    departments = forms.ModelMultipleChoiceField(
        label="联合督办部门", queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "所选部门不在可选范围内", "invalid_pk_value": "所选部门不在可选范围内"},
    )

    def __init__(self, *args, **kwargs):
        from .selectors import joint_department_choices

        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = joint_department_choices(self.user, self.problem)


class ExtensionRequestForm(ReasonForm):
    new_date = forms.DateField(label="申请延至", widget=DateInput(), error_messages={"required": "请选择新的整改期限"})


class ExtensionDecisionForm(NoteForm):
    extension = forms.IntegerField(widget=forms.HiddenInput)
