"""Filtering, paging and exporting the case lists of the staff pages.

Every staff list (console tabs, my cases, the worker's history) takes the same filters —
state, category, grid, channel, date range, overdue, 待评价 (closed or resolved, a named
reporter, no rating yet) and words — reads them through the scoped `case_list_for_user`, pages
by 50 and shows the total. Every list pages by cursor (`keyset_of`: no OFFSET, each page costs
what the first does) and counts up to `COUNT_CAP` rows ("10000+ 条").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.cases.models import Case, CaseRating, CaseState, Channel, Priority
from wangge.core import pagination
from wangge.core.forms import choice_field
from wangge.core.pagination import KeysetListPage
from wangge.grids.models import GridLevel
from wangge.grids.selectors import grid_list_for_user

PER_PAGE = 50


def _category_choices() -> list[tuple[str, Any]]:
    from wangge.web.forms import category_choices

    choices = category_choices()
    return [("", _("全部类别")), *choices[1:]]


def _grid_choices(user: Any) -> list[tuple[str, str]]:
    grids = (
        grid_list_for_user(user)
        .filter(level__lte=GridLevel.MICRO)
        .select_related(None)
        .only("code", "name", "level", "path")
        .order_by("path")[:600]
    )
    top = min((g.level for g in grids), default=1)
    return [("", str(_("全部网格")))] + [
        (g.code, "\u3000" * (g.level - top) + g.name) for g in grids
    ]


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("查询码或关键词"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("状态"), required=False)
    category = forms.ChoiceField(label=_("类别"), required=False)
    grid = forms.ChoiceField(label=_("网格"), required=False)
    channel = forms.ChoiceField(label=_("渠道"), required=False)
    start = forms.DateField(
        label=_("从"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("到"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    priority = forms.TypedChoiceField(
        label=_("优先级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("全部优先级")), *Priority.choices],
    )
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[("", _("默认")), ("priority", _("优先级高的在前"))],
    )
    overdue = forms.BooleanField(label=_("仅超期"), required=False)
    awaiting_rating = forms.BooleanField(label=_("待评价"), required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "state").choices = [("", _("全部状态")), *CaseState.choices]
        choice_field(self, "channel").choices = [("", _("全部渠道")), *Channel.choices]
        choice_field(self, "category").choices = _category_choices()
        choice_field(self, "grid").choices = _grid_choices(user) if user is not None else [("", "")]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("结束日期不能早于开始日期"))
        return data

    @property
    def active(self) -> bool:
        return self.is_bound and any(
            v not in (None, "", False) for v in getattr(self, "cleaned_data", {}).values()
        )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def case_filter_kwargs(form: CaseFilterForm) -> dict[str, Any]:
    """The selector's arguments for what the form holds (nothing when it is invalid)."""
    if not form.is_valid():
        return {}
    d = form.cleaned_data
    out: dict[str, Any] = {
        "q": d["q"].strip() or None,
        "state": [d["state"]] if d["state"] else None,
        "category": d["category"] or None,
        "grid": d["grid"] or None,
        "channel": d["channel"] or None,
        "overdue": True if d["overdue"] else None,
        "priority": d["priority"],
    }
    if d["start"]:
        out["created_after"] = _day_start(d["start"])
    if d["end"]:
        out["created_before"] = _day_start(d["end"] + dt.timedelta(days=1))
    return out


def awaiting_rating(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Settled cases a named reporter has not rated yet (待评价)."""
    return qs.filter(
        state__in=[CaseState.RESOLVED, CaseState.CLOSED],
        reporter__isnull=False,
        anonymous=False,
    ).exclude(Exists(CaseRating.objects.filter(case=OuterRef("pk"))))


def apply_extra(qs: QuerySet[Case], form: CaseFilterForm) -> QuerySet[Case]:
    if form.is_valid() and form.cleaned_data.get("awaiting_rating"):
        qs = awaiting_rating(qs)
    return qs


def sort_order(form: CaseFilterForm, *order: str) -> tuple[str, ...]:
    """The keyset order of a working tab: `order` (then id), after the priority when 排序 =
    优先级 is chosen."""
    if form.is_valid() and form.cleaned_data.get("sort") == "priority":
        return ("-priority", *order)
    return order


def query_without(request: HttpRequest, *names: str) -> str:
    q = request.GET.copy()
    for n in ("page", "cursor", *names):
        q.pop(n, None)
    return q.urlencode()


def keyset_of(
    request: HttpRequest,
    qs: QuerySet,
    *,
    descending: bool = True,
    order: Sequence[str] | None = None,
    per_page: int = PER_PAGE,
) -> KeysetListPage:
    """The page of `qs` (by report time, newest first unless `descending` is False, or by
    `order`) that the request's `cursor` names; a bad cursor is a 400 with a clear message."""
    return pagination.keyset_of(request, qs, per_page=per_page, descending=descending, order=order)
