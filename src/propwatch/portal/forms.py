"""The public complaint form and the tracking-code lookup.

The complaints service has the final word on every rule; the form checks the same rules first,
with the service's own functions where it exposes them, so each message lands at its field.
"""

import uuid

from django import forms

from propwatch.complaints import services
from propwatch.complaints.errors import ComplaintError
from propwatch.ledger.evidence_files import MAX_BYTES

from . import selectors

TEXT_REQUIRED = "请填写投诉内容：发生了什么、在哪里、持续多久"
PHOTO_WORDS = ("照片", "图片", "文件", "最多上传")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files from one `<input type=file multiple>`; each must look like an image."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > services.MAX_PHOTOS:
            raise forms.ValidationError(f"最多上传 {services.MAX_PHOTOS} 张照片（您选择了 {len(files)} 张）")
        for upload in files:
            if upload.size > MAX_BYTES:
                raise forms.ValidationError(
                    f"照片“{upload.name}”超过 {MAX_BYTES // 1024 // 1024} MB，请压缩后再上传")
            # The browser's word for the type is only a first filter: the service decodes every
            # file and refuses what is not really an image.
            content_type = (getattr(upload, "content_type", "") or "").lower()
            if content_type and not content_type.startswith("image/"):
                raise forms.ValidationError(f"文件“{upload.name}”不是图片，只能上传照片（JPG、PNG、WebP）")
        return files


class ComplaintForm(forms.Form):
    project = forms.IntegerField(error_messages={"required": "请先搜索并选择小区", "invalid": "请先搜索并选择小区"})
    text = forms.CharField(
        label="发生了什么", max_length=services.MAX_TEXT, strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": TEXT_REQUIRED,
                        "max_length": f"投诉内容过长，请控制在 {services.MAX_TEXT} 字以内"},
    )
    photos = MultipleImageField(label="照片", required=False)
    name = forms.CharField(label="姓名", required=False, max_length=50,
                           error_messages={"max_length": "姓名过长（最多 50 个字）"})
    phone = forms.CharField(label="联系电话", required=False, max_length=30,
                            error_messages={"max_length": "电话号码格式不正确"})
    confidential = forms.BooleanField(label="对我的身份保密", required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # One key per rendering of the form: a double click posts it twice, one complaint results.
            self.initial["idempotency_key"] = uuid.uuid4().hex
        self.project_choice = None

    def clean_project(self):
        project = selectors.public_project(self.cleaned_data["project"])
        if project is None:
            raise forms.ValidationError("小区不存在，请重新搜索选择")
        self.project_choice = project
        return project["id"]

    def clean_name(self):
        return self._contact(name=self.cleaned_data["name"])[0]

    def clean_phone(self):
        return self._contact(phone=self.cleaned_data["phone"])[1]

    @staticmethod
    def _contact(name: str = "", phone: str = "") -> tuple[str, str]:
        try:
            return services.clean_contact(name, phone)
        except ComplaintError as exc:
            raise forms.ValidationError(exc.message) from exc

    def add_service_error(self, error: ComplaintError) -> None:
        """Put the service's refusal at the field it is about (photos are checked there only)."""
        about_photos = self.cleaned_data.get("photos") and error.message.startswith(PHOTO_WORDS)
        self.add_error("photos" if about_photos else None, error.message)

    @property
    def photos_need_choosing_again(self) -> bool:
        """Browsers never refill a file input: after any error the photos must be chosen again."""
        return self.is_bound and bool(self.files.getlist("photos"))


class LookupForm(forms.Form):
    code = forms.CharField(label="查询码", max_length=40)
