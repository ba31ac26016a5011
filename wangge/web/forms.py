"""Page forms. They check the shape of what was typed; the rules live in the case services,
whose refusals are put back next to the field they concern (`attach_service_error`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.cases.models import Priority
from wangge.core.api import ServiceError
from wangge.core.forms import choice_field

MAX_PHOTOS = 9


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to nine pictures from one <input type=file multiple>."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("最多上传 9 张照片"), code="too_many")
        return [super(PhotosField, self).clean(f, initial) for f in files]


def category_choices() -> list[tuple[str, str | list[tuple[str, str]]]]:
    """Minor categories grouped under their major class, for a <select> with optgroups."""
    from wangge.cases.selectors import category_list

    groups: dict[str, list[tuple[str, str]]] = {}
    names: dict[str, str] = {}
    for c in category_list():
        if c.is_minor:
            major = c.parent.name if c.parent is not None else ""
            kind = c.get_kind_display()
            label = f"{kind} · {major}" if major else kind
            groups.setdefault(label, []).append((c.code, c.name))
        names[c.code] = c.name
    prompt: list[tuple[str, str | list[tuple[str, str]]]] = [
        ("", str(_("请选择（可不选，由工作人员判断）")))
    ]
    return prompt + list(groups.items())


class LocationFields(forms.Form):
    """A point from the map pin or the phone's location, declared as WGS-84 (the browser's)."""

    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(
        label=_("地点描述"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：怡园小区 16 栋东侧")}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (data.get("lat") is None) != (data.get("lng") is None):
            self.add_error("address", _("地图位置不完整，请重新点选"))
        return data


class ReportForm(LocationFields):
    description = forms.CharField(
        label=_("问题描述"),
        max_length=4000,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": _("什么问题、在哪里、持续多久了（例：16 栋楼下有碎玻璃）"),
            }
        ),
        error_messages={"required": _("请描述您遇到的问题")},
    )
    category = forms.ChoiceField(label=_("问题类别"), required=False)
    photos = PhotosField(label=_("照片（最多 9 张）"), required=False)
    anonymous = forms.BooleanField(label=_("匿名反映（不留姓名和电话，无法回访）"), required=False)
    contact_name = forms.CharField(label=_("您的称呼"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    # A fresh key per form render: a double tap or a retry after a dropped connection returns
    # the first case instead of filing two.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    field_order = [
        "description",
        "category",
        "address",
        "photos",
        "anonymous",
        "contact_name",
        "contact_phone",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "category").choices = category_choices()


class PatrolForm(ReportForm):
    settle = forms.BooleanField(label=_("已现场处置，直接结案"), required=False)
    resolution = forms.CharField(
        label=_("处置情况"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    result_photos = PhotosField(label=_("处置后照片"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("anonymous", "contact_name", "contact_phone"):
            del self.fields[name]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("settle"):
            # The closing of a case nobody else checks rests on the note and the photos.
            if not (data.get("resolution") or "").strip():
                self.add_error("resolution", _("现场结案请填写处置情况"))
            if not data.get("photos"):
                self.add_error("photos", _("现场结案请附处置前照片"))
            if not data.get("result_photos"):
                self.add_error("result_photos", _("现场结案请附处置后照片"))
        if data.get("lat") is None:
            self.add_error("address", _("巡查上报请在地图上标出位置"))
        return data


class PhoneEntryForm(ReportForm):
    """A call taken by the centre: the caller's contact, no photos."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["photos"]
        self.fields["contact_name"].label = _("来电人")
        self.fields["anonymous"].label = _("来电人要求匿名")


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("查询码"),
        max_length=8,
        min_length=8,
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "placeholder": "8 位"}
        ),
        error_messages={
            "required": _("请输入查询码"),
            "min_length": _("查询码为 8 位字母和数字"),
            "max_length": _("查询码为 8 位字母和数字"),
        },
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()


class ActionForm(forms.Form):
    """One workflow action on a case; which extra fields matter depends on the action."""

    reason = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    grid = forms.CharField(label=_("处置网格编码"), required=False, max_length=20)
    department = forms.CharField(label=_("处置部门"), required=False, max_length=40)
    category = forms.CharField(label=_("事件类别"), required=False, max_length=5)
    merge_into = forms.CharField(label=_("合并到（查询码）"), required=False, max_length=8)
    assignee = forms.CharField(label=_("指派给"), required=False, max_length=150)
    priority = forms.TypedChoiceField(
        label=_("优先级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *Priority.choices],
    )
    amount = forms.FloatField(
        label=_("延期（工作日）"), required=False, min_value=0.5, max_value=90
    )
    score = forms.TypedChoiceField(
        label=_("满意度"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(5, "5"), (4, "4"), (3, "3"), (2, "2"), (1, "1")],
    )
    photos = PhotosField(label=_("照片"), required=False)


# Which form field a service refusal belongs next to, by its error code.
ERROR_FIELDS = {
    "category": "category",
    "category_required": "category",
    "coordinates": "address",
    "phone": "contact_phone",
    "too_long": "description",
    "reason": "reason",
    "reason_too_long": "reason",
    "target_required": "grid",
    "target_outside": "grid",
    "target_same": "grid",
    "target_ambiguous": "grid",
    "priority": "priority",
    "assignee_required": "assignee",
    "assignee_outside": "assignee",
    "merge_target_required": "merge_into",
    "merge_target_invalid": "merge_into",
    "merge_target_closed": "merge_into",
    "extension_amount": "amount",
    "score": "score",
    "not_settleable": "settle",
    "too_many": "photos",
    "unsupported_type": "photos",
    "too_many_pixels": "photos",
    "corrupt": "photos",
    "empty": "photos",
    "too_large": "photos",
    "photos_required": "photos",
    "attachment_in_use": "photos",
}


def attach_service_error(form: forms.Form, exc: ServiceError, *, field: str | None = None) -> None:
    """Show a service refusal next to the field it concerns (or at the top of the form)."""
    name = field or ERROR_FIELDS.get(exc.code)
    if exc.code == "too_long" and "描述" not in exc.message:
        name = None
    form.add_error(name if name in form.fields else None, exc.message)
