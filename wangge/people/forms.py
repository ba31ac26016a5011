"""Forms of the base data pages. They check the shape of what was typed; the rules live in the
people services, whose refusals are put back next to the field (`attach_error`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.core.api import ServiceError
from wangge.core.forms import choice_field
from wangge.people.models import (
    CareTag,
    ImportKind,
    JournalKind,
    OrganisationKind,
    PlaceKind,
    ResidenceType,
)
from wangge.people.services import REVEAL_PURPOSES, REVEAL_REASON_MIN
from wangge.web.forms import PhotosField


def attach_error(form: forms.Form, exc: ServiceError, fields: dict[str, str] | None = None) -> None:
    """A service refusal next to the field its code names (or at the top of the form)."""
    name = (fields or {}).get(exc.code, exc.code)
    form.add_error(name if name in form.fields else None, exc.message)


def grid_choices(grids: Any, *, blank: str) -> list[tuple[str, str]]:
    """Grids as indented options: 怡园社区 › 片区 › 微网格, in tree order."""
    out = [("", blank)]
    for g in grids:
        indent = "\u3000" * max(g.level - 3, 0)
        out.append((g.code, f"{indent}{g.name}"))
    return out


class ResidentSearchForm(forms.Form):
    q = forms.CharField(label=_("姓名"), required=False, max_length=50)
    tag = forms.ChoiceField(label=_("人员类别"), required=False)
    grid = forms.ChoiceField(label=_("网格"), required=False)
    building = forms.CharField(label=_("楼栋"), required=False, max_length=60)
    residence_type = forms.ChoiceField(label=_("人员类型"), required=False)

    def __init__(self, *args: Any, grids: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "tag").choices = [("", _("全部类别")), *CareTag.choices]
        choice_field(self, "grid").choices = grid_choices(grids, blank=str(_("全部网格")))
        choice_field(self, "residence_type").choices = [("", _("全部类型")), *ResidenceType.choices]


class ExactLookupForm(forms.Form):
    """Exact lookup by ID number or phone: posted, so the number never lands in a URL."""

    id_number = forms.CharField(
        label=_("身份证号"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label=_("手机号"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not (data.get("id_number") or data.get("phone")):
            self.add_error("id_number", _("请输入完整的身份证号或手机号"))
        return data


class RevealForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("查看用途"),
        choices=[("", _("请选择")), *REVEAL_PURPOSES.items()],
        error_messages={"required": _("请选择查看用途")},
    )
    reason = forms.CharField(
        label=_("具体事由"),
        max_length=200,
        min_length=REVEAL_REASON_MIN,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("例：上门核对低保申请人身份")}),
        error_messages={
            "required": _("请填写事由"),
            "min_length": _("事由至少 %(limit_value)d 个字，请写明为什么需要查看"),
        },
    )


class ResidentEditForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(
        label=_("联系电话"),
        required=False,
        max_length=20,
        help_text=_("留空表示不修改；填写后替换原号码"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    residence_type = forms.ChoiceField(label=_("人员类型"), choices=ResidenceType.choices)
    tags = forms.MultipleChoiceField(
        label=_("人员类别"),
        required=False,
        choices=CareTag.choices,
        widget=forms.CheckboxSelectMultiple,
    )


class BuildingEditForm(forms.Form):
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    units = forms.IntegerField(label=_("单元数"), min_value=1, max_value=99)
    floors = forms.IntegerField(label=_("层数"), min_value=1, max_value=200, required=False)
    lat = forms.FloatField(label=_("纬度"))
    lng = forms.FloatField(label=_("经度"))


class HouseholdEditForm(forms.Form):
    number = forms.CharField(label=_("户号"), max_length=30, required=False)
    head = forms.TypedChoiceField(label=_("户主"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, members: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = list(members)
        choice_field(self, "head").choices = [("", _("（不指定）"))] + [
            (m.pk, m.name) for m in self.members
        ]
        for m in self.members:
            self.fields[f"relation_{m.pk}"] = forms.CharField(
                label=_("%(name)s 与户主关系") % {"name": m.name},
                max_length=20,
                required=False,
                initial=m.relation,
            )

    def relations(self) -> dict[int, str]:
        return {m.pk: self.cleaned_data.get(f"relation_{m.pk}", "") for m in self.members}

    def relation_fields(self) -> list[Any]:
        return [self[f"relation_{m.pk}"] for m in self.members]


class PointFields(forms.Form):
    lat = forms.FloatField(label=_("纬度"), error_messages={"required": _("请填写纬度")})
    lng = forms.FloatField(label=_("经度"), error_messages={"required": _("请填写经度")})


class OrganisationForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=OrganisationKind.choices)
    name = forms.CharField(label=_("名称"), max_length=100)
    grid = forms.ChoiceField(label=_("所属网格"))
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=40, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    members = forms.IntegerField(label=_("成员数"), min_value=0, required=False)

    def __init__(self, *args: Any, grids: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "grid").choices = grid_choices(grids, blank=str(_("请选择")))


class AssetForm(PointFields):
    code = forms.CharField(label=_("部件编码"), max_length=40)
    category_code = forms.CharField(
        label=_("部件类别编码"),
        max_length=5,
        help_text=_("4 位数字（GB/T 30428.2），如 0103 上水井盖、0106 路灯"),
    )
    name = forms.CharField(label=_("名称"), max_length=100, required=False)
    department = forms.ChoiceField(label=_("权属部门"))
    is_active = forms.BooleanField(label=_("在用"), required=False, initial=True)
    field_order = ["code", "category_code", "name", "department", "lat", "lng", "is_active"]

    def __init__(self, *args: Any, departments: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "department").choices = [("", _("请选择"))] + [
            (d.code, d.name) for d in departments
        ]


class PlaceForm(PointFields):
    kind = forms.ChoiceField(label=_("类别"), choices=PlaceKind.choices)
    name = forms.CharField(label=_("名称"), max_length=100)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    operator_name = forms.CharField(label=_("经营者"), max_length=50, required=False)
    last_inspected_on = forms.DateField(
        label=_("最近检查"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    field_order = ["kind", "name", "address", "lat", "lng", "operator_name", "last_inspected_on"]


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入什么"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("文件（.xlsx 或 .csv）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={"required": _("请选择要导入的文件")},
    )


class VisitForm(forms.Form):
    notes = forms.CharField(
        label=_("走访情况"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("身体、生活、居住情况")}),
    )
    findings = forms.CharField(
        label=_("发现问题"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("如：楼道灯不亮，老人夜间出行不便")}
        ),
    )
    photos = PhotosField(label=_("照片（最多 9 张）"), required=False)
    raise_case = forms.BooleanField(label=_("把发现的问题上报为事件"), required=False)
    checkin_lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    checkin_lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    # Photos already uploaded with a refused submission: kept, so nobody has to choose again.
    kept_photos = forms.CharField(required=False, widget=forms.HiddenInput, max_length=400)

    def kept_ids(self) -> list[str]:
        raw = self.data.get("kept_photos", "") if self.is_bound else ""
        return [i for i in str(raw).split(",") if i.strip()][:9]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("raise_case") and not (data.get("findings") or "").strip():
            self.add_error("findings", _("上报事件需要填写发现的问题"))
        if not (data.get("notes") or "").strip() and not (data.get("findings") or "").strip():
            self.add_error("notes", _("请填写走访情况或发现的问题"))
        return data


class JournalForm(forms.Form):
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("类别"), choices=JournalKind.choices)
    grid = forms.ChoiceField(label=_("网格"))
    content = forms.CharField(
        label=_("内容"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写日志内容")},
    )

    def __init__(self, *args: Any, grids: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "grid").choices = grid_choices(grids, blank=str(_("请选择")))
