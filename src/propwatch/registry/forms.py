"""Forms for the registry pages. Domain checks live in services; forms shape the input."""

from django import forms

from propwatch.accounts import scoping
from propwatch.regions.models import Level, Region

from . import credit_code
from .models import DISCLOSURE_ITEMS, Company, Project


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def communities_for(user):
    qs = Region.objects.filter(level=Level.COMMUNITY).select_related("parent", "parent__parent")
    if user.is_superuser:
        return qs
    path = scoping.region_path(user)
    return qs.filter(path__startswith=path) if path else qs.none()


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.parent.name} / {obj.parent.name} / {obj.name}"


class CompanyForm(forms.ModelForm):
    override_reason = forms.CharField(
        label="校验位例外说明", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="仅当代码未通过校验但经核实真实存在（如早期试点代码）时填写，市级管理员可确认",
    )

    class Meta:
        model = Company
        fields = ["name", "credit_code", "filing_no", "legal_representative", "contact_phone", "address", "region"]
        help_texts = {
            "credit_code": "18 位，字母须大写；不含 I、O、S、V、Z",
            "contact_phone": "手机 11 位或带区号的座机，如 0717-6221234",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(level__in=[Level.CITY, Level.COUNTY])
        self.fields["region"].empty_label = "（未填写）"
        if self.instance.pk and self.instance.credit_code_override_reason:
            self.fields["override_reason"].initial = self.instance.credit_code_override_reason

    def validate_unique(self):
        # The service checks uniqueness with a message that names the code.
        pass

    def clean_credit_code(self):
        return credit_code.clean(self.cleaned_data["credit_code"])


class CompanyByCodeField(forms.CharField):
    """Pick a company by its credit code: works the same with 400 companies or 50,000."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "物业服务企业（统一社会信用代码）")
        kwargs.setdefault("help_text", "填写已登记企业的统一社会信用代码；留空表示暂无物业服务企业")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Company):
            return value.credit_code
        if isinstance(value, int):
            return Company.objects.filter(pk=value).values_list("credit_code", flat=True).first() or ""
        return value

    def clean(self, value):
        code = credit_code.clean(super().clean(value))
        if not code:
            return None
        company = Company.objects.filter(credit_code=code).first()
        if company is None:
            raise forms.ValidationError(f"未找到统一社会信用代码为 {code} 的企业，请先在“物业企业”中登记")
        return company


class ProjectForm(forms.ModelForm):
    company = CompanyByCodeField()

    class Meta:
        model = Project
        fields = ["code", "name", "address", "community", "company", "contract_start", "contract_end", "households"]
        widgets = {"contract_start": DateInput(), "contract_end": DateInput()}
        field_classes = {"community": CommunityChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        self.fields["community"].queryset = communities_for(user)
        self.fields["community"].empty_label = "请选择社区"

    def validate_constraints(self):
        # The service checks the contract dates and puts a Chinese message on the field; the
        # database constraint behind it would only show users its internal name.
        pass


class DisclosureForm(forms.Form):
    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        for field, label in DISCLOSURE_ITEMS:
            self.fields[field] = forms.DateField(
                label=label, required=False, widget=DateInput(), initial=getattr(project, field),
                help_text="该事项在小区显著位置公示完成的日期；未公示请留空",
            )


class ImportForm(forms.Form):
    KINDS = [("companies", "物业服务企业"), ("projects", "物业项目")]
    kind = forms.ChoiceField(label="导入内容", choices=KINDS)
    file = forms.FileField(label="Excel 文件（.xlsx）", help_text="请使用下载的模板；单个文件不超过 10 MB")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("只支持 .xlsx 格式的 Excel 文件（如为 .xls 或 .csv，请在 Excel 中另存为 .xlsx）")
        if f.size > 10 * 1024 * 1024:
            raise forms.ValidationError("文件超过 10 MB，请拆分后分批导入")
        return f
