from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .choices import Role
from .models import Department, User


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续输错多次后账号将被暂时锁定。",
        "inactive": "该账号已停用，请联系本单位管理员。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.region.name} · {obj.get_kind_display()}"


class UserForm(forms.ModelForm):
    department = DepartmentChoiceField(queryset=Department.objects.none(), label="所属部门", required=True)

    class Meta:
        model = User
        fields = ["display_name", "department", "role", "phone", "email", "is_active"]
        labels = {"email": "电子邮箱", "is_active": "启用"}
        help_texts = {"role": "工作人员办理日常业务；负责人审核上报；管理员管理账号；审计员只读并可查看审计日志",
                      "is_active": "停用后该账号无法登录，历史记录保留"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.visible_to(user).select_related("region")
        self.fields["role"].choices = Role.choices
        self.fields["display_name"].required = True


class NewUserForm(UserForm):
    username = forms.RegexField(
        label="用户名", regex=r"^[a-zA-Z0-9_.-]{3,40}$",
        error_messages={"invalid": "用户名只能使用 3–40 位英文字母、数字、下划线、点或短横线"},
        help_text="登录时使用，建立后不能修改",
    )
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput(render_value=False),
                               help_text="至少 10 位，不能全为数字；请通过安全渠道告知本人")

    class Meta(UserForm.Meta):
        fields = ["username", "password", *UserForm.Meta.fields]


class PasswordResetForm(forms.Form):
    password = forms.CharField(label="新密码", widget=forms.PasswordInput, help_text="至少 10 位，不能全为数字")
