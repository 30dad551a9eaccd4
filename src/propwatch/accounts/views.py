"""Sign-in, sign-out and the user-management pages for city administrators."""

import django_filters
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from propwatch.web.form_errors import add_service_errors
from propwatch.web.listing import FilteredListView
from propwatch.web.xlsx import Column

from . import services
from .choices import DepartmentKind, Role
from .forms import LoginForm, NewUserForm, PasswordResetForm, UserForm
from .models import User
from .permissions import Action, can
from .scoping import get_visible_or_404


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search", help_text="用户名、姓名或部门")
    kind = django_filters.ChoiceFilter(label="部门类型", field_name="department__kind",
                                       choices=DepartmentKind.choices, empty_label="全部")
    role = django_filters.ChoiceFilter(label="角色", choices=Role.choices, empty_label="全部")
    is_active = django_filters.ChoiceFilter(label="状态", choices=[("1", "启用"), ("0", "停用")],
                                            method="active", empty_label="全部")

    class Meta:
        model = User
        fields = ["q", "kind", "role", "is_active"]

    def search(self, qs, name, value):
        return qs.filter(Q(username__icontains=value) | Q(display_name__icontains=value)
                         | Q(department__name__icontains=value)) if value.strip() else qs

    def active(self, qs, name, value):
        return qs.filter(is_active=value == "1")


class UserList(FilteredListView):
    action = Action.MANAGE_USERS
    filterset_class = UserFilter
    template_name = "accounts/user_list.html"
    title = "用户管理"
    sort_fields = {
        "username": ("用户名", "username"),
        "name": ("姓名", "display_name"),
        "department": ("所属部门", "department__name"),
        "role": ("角色", "role"),
        "last_login": ("最近登录", "last_login"),
    }
    default_sort = "username"
    export_name = "users"
    export_columns = [
        Column("用户名", lambda u: u.username), Column("姓名", lambda u: u.display_name),
        Column("所属部门", lambda u: u.department.name if u.department else "", 28),
        Column("角色", lambda u: u.get_role_display()), Column("启用", lambda u: "是" if u.is_active else "否"),
        Column("最近登录", lambda u: u.last_login, 18),
    ]

    def get_queryset(self):
        return User.objects.visible_to(self.request.user).select_related("department", "department__region")


def _require_manage(user):
    if not can(user, Action.MANAGE_USERS):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request, pk: int | None = None):
    _require_manage(request.user)
    target = get_visible_or_404(User.objects.all(), request.user, pk=pk) if pk else None
    form_class = UserForm if target else NewUserForm
    form = form_class(request.POST or None, instance=target, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in UserForm.Meta.fields}
        try:
            if target:
                target = services.update_user(actor=request.user, user=target, data=data)
                messages.success(request, f"已保存用户 {target.username}")
            else:
                target = services.create_user(actor=request.user, username=form.cleaned_data["username"],
                                              password=form.cleaned_data["password"], data=data)
                messages.success(request, f"已建立用户 {target.username}")
            return redirect("accounts:user_list")
        except ValidationError as exc:
            add_service_errors(form, exc)
    title = f"编辑用户：{target.username}" if target else "新建用户"
    return render(request, "web/form.html", {
        "form": form, "title": title, "cancel_url": reverse("accounts:user_list"),
        "breadcrumbs": [("用户管理", reverse("accounts:user_list")), (title, None)],
    })


@login_required
@require_http_methods(["GET", "POST"])
def user_password(request, pk: int):
    _require_manage(request.user)
    target = get_visible_or_404(User.objects.all(), request.user, pk=pk)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_password(actor=request.user, user=target, password=form.cleaned_data["password"])
            messages.success(request, f"已重置 {target.username} 的密码")
            return redirect("accounts:user_list")
        except ValidationError as exc:
            add_service_errors(form, exc)
    title = f"重置密码：{target.username}"
    return render(request, "web/form.html", {
        "form": form, "title": title, "cancel_url": reverse("accounts:user_list"),
        "breadcrumbs": [("用户管理", reverse("accounts:user_list")), (title, None)],
    })
