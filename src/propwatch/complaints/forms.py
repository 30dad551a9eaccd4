"""Forms of the staff complaint pages. They parse; the services decide what is allowed."""

from django import forms
from django.utils import timezone

from propwatch.accounts.models import Department
from propwatch.ledger.forms import DepartmentChoiceField, MultipleFileField, ProjectChoiceField
from propwatch.ledger.models import Problem
from propwatch.registry.models import Project

from .choices import STAFF_CHANNELS, CallbackMethod, Route, Satisfaction
from .models import SUGGESTED_FOCUS_CHOICES

FOCUS_CHOICES = [(str(v), f"{v}. {label}" if v else label) for v, label in SUGGESTED_FOCUS_CHOICES]
CAMPAIGN_FOCUS_CHOICES = FOCUS_CHOICES[1:]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ComplaintCreateForm(forms.Form):
    """Staff intake: hotline, visit, letter, mailbox and media complaints."""

    channel = forms.ChoiceField(label="来源渠道", choices=[(c.value, c.label) for c in STAFF_CHANNELS])
    received_at = forms.DateTimeField(label="受理时间", widget=DateTimeInput(),
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                      help_text="来电、来访或收到来信的时间")
    project = ProjectChoiceField(label="小区（项目）", queryset=Project.objects.none(),
                                 error_messages={"invalid_choice": "请从列表中选择您管辖范围内的小区",
                                                 "required": "请选择投诉涉及的小区"},
                                 help_text="先在上方搜索框输入小区名称，再从列表中选择")
    text = forms.CharField(label="诉求内容", widget=forms.Textarea(attrs={"rows": 5}), required=False,
                           help_text="如实记录投诉人反映的事实和诉求：时间、地点、具体行为")
    address = forms.CharField(label="事发地址", max_length=200, required=False, help_text="楼栋、单元等，可不填")
    name = forms.CharField(label="投诉人姓名", max_length=50, required=False, help_text="可不填；加密保存，只有办理人员可查看")
    phone = forms.CharField(label="联系电话", max_length=30, required=False, help_text="手机号或带区号的座机号，加密保存")
    confidential = forms.BooleanField(label="投诉人要求身份保密", required=False,
                                      help_text="勾选后承办单位看不到投诉人信息，只有住建部门和登记单位可以查看")
    wants_reply = forms.BooleanField(label="需要答复", required=False, initial=True)
    photos = MultipleFileField(label="照片", help_text="最多 5 张，每张不超过 10 MB")

    def __init__(self, *args, user=None, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects if projects is not None else Project.objects.visible_to(user)
        self.fields["photos"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        if value > timezone.now() + timezone.timedelta(minutes=5):
            raise forms.ValidationError("受理时间不能晚于当前时间")
        return value


class AcceptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    focus = forms.TypedChoiceField(label="整治重点", choices=CAMPAIGN_FOCUS_CHOICES, coerce=int,
                                   help_text="系统建议已预选，请核对后确认或更正")
    route = forms.ChoiceField(label="转办方向", choices=Route.choices)
    department = DepartmentChoiceField(label="承办单位", queryset=Department.objects.none(), required=False,
                                       help_text="留空则按转办方向自动确定：住建类交所在街道，公安、市场监管类交所在县（市、区）")
    join_problem = forms.ModelChoiceField(label="并入已有问题", queryset=Problem.objects.none(), required=False,
                                          help_text="同一小区、同一整治重点尚未销号的问题；选择后不再新登记问题")
    note = forms.CharField(label="受理意见", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, departments=None, problems=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments if departments is not None else Department.objects.none()
        self.fields["join_problem"].queryset = problems if problems is not None else Problem.objects.none()
        self.fields["join_problem"].label_from_instance = lambda p: f"{p.number}（{p.get_state_display()}）{p.description[:30]}"


class RejectForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="不予受理理由", widget=forms.Textarea(attrs={"rows": 3}), required=False,
                             help_text="投诉人可在查询页看到，请写明理由和可以反映的渠道，不要写入他人个人信息")
    focus = forms.TypedChoiceField(label="分类", choices=FOCUS_CHOICES, coerce=int, required=False, empty_value=None)


class DuplicateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    original = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label="说明", required=False, max_length=200)


class ReplyForm(forms.Form):
    text = forms.CharField(label="答复内容", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    public = forms.BooleanField(label="公开给投诉人（在查询页显示）", required=False, initial=True,
                                help_text="不勾选则只作为内部办理记录")


class CallbackForm(forms.Form):
    satisfaction = forms.ChoiceField(label="满意度", choices=Satisfaction.choices, widget=forms.RadioSelect)
    method = forms.ChoiceField(label="回访方式", choices=CallbackMethod.choices)
    note = forms.CharField(label="回访情况", widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           help_text="选择“不满意”时必填：投诉人认为哪里没有解决，问题将退回整改")
