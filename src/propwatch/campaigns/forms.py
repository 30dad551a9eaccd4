"""Forms for the campaign configuration pages. Domain checks live in services; forms shape input."""

from django import forms

from .services import MAX_HOURS, MAX_WORKING_DAYS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


KIND_CHOICES = [("holiday", "放假（不上班）"), ("workday", "上班（周末调休上班）")]


class CalendarDayForm(forms.Form):
    date = forms.DateField(label="日期", widget=DateInput())
    kind = forms.ChoiceField(label="安排", choices=KIND_CHOICES,
                             help_text="法定节假日选“放假”；因调休而上班的周六、周日选“上班”")
    note = forms.CharField(label="说明", max_length=50, required=False, help_text="如：元旦、春节、国庆节调休")

    @property
    def is_workday(self) -> bool:
        return self.cleaned_data["kind"] == "workday"


class CalendarImportForm(forms.Form):
    text = forms.CharField(
        label="节假日安排", widget=forms.Textarea(attrs={"rows": 16}),
        error_messages={"required": "请粘贴节假日安排，每行一个日期"},
        help_text="每行一个日期：日期、放假或上班、说明，如“2027-01-01 放假 元旦”“2027-02-07 上班 春节调休”；"
                  "连续放假可写成“2027-02-06 至 2027-02-12 放假 春节”",
    )


class CalendarYearForm(forms.Form):
    source = forms.CharField(label="依据", max_length=100,
                             error_messages={"required": "请填写依据，如：国务院办公厅关于2027年部分节假日安排的通知"},
                             help_text="如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕X号）")


class TimeLimitForm(forms.Form):
    unit = forms.ChoiceField(label="计算方式", choices=[("working_days", "工作日"), ("hours", "小时（紧急事项）")],
                             help_text="停水停电等紧急事项按自然小时计，其他按工作日计（遇节假日顺延）")
    amount = forms.IntegerField(label="时限", min_value=1, max_value=max(MAX_HOURS, MAX_WORKING_DAYS),
                                error_messages={"required": "请填写时限", "min_value": "时限至少为 1",
                                                "max_value": "时限过长，请检查"})
