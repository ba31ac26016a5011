"""Cases (诉求/事件): categories, the case itself, its append-only event chain and side records.

The state of a case changes only in `wangge.cases.workflow` (one transition function and a
declarative table). That is enforced while the code runs: `Case.objects….update(state=…)`,
`bulk_update` / `bulk_create` of states and `save()` of a changed state raise
`StateWriteError` outside `workflow_writes()`, and the database refuses a state change that
does not come with a new event (a check constraint and a trigger, migration `cases.0003`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import models, router
from django.db.models import Q
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _

from wangge.core.compiled import CompiledInsert, statement_cursor
from wangge.core.config import ConfigQuerySet
from wangge.grids.models import DepartmentKind, GridLevel


class CategoryKind(models.TextChoices):
    ASSET = "asset", _("部件")
    EVENT = "event", _("事件")
    COMMUNITY = "community", _("社区事务")


# The first letter of a category code says its kind, so 部件 01 and 事件 01 never collide.
KIND_PREFIX = {CategoryKind.ASSET: "A", CategoryKind.EVENT: "E", CategoryKind.COMMUNITY: "C"}


class LimitUnit(models.TextChoices):
    """Units of a time limit; the values are those of `wangge.workcal.calendar.TimeUnit`."""

    WORKING_HOURS = "working_hours", _("工作小时")
    WORKING_DAYS = "working_days", _("工作日")
    NATURAL_MINUTES = "natural_minutes", _("自然分钟")
    NATURAL_HOURS = "natural_hours", _("自然小时")
    NATURAL_DAYS = "natural_days", _("自然日")


class Category(models.Model):
    """A GB/T 30428 major class (code "E01") or minor class (code "E0101"); cases use minor ones.

    Time limits count from dispatch: `response_limit` to claim, `handling_limit` to resolve.
    Urgent categories use natural units (24×7), e.g. a lost child.
    """

    code = models.CharField(_("编码"), max_length=5, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=10, choices=CategoryKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("大类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    handling_level = models.PositiveSmallIntegerField(
        _("默认处置层级"), choices=GridLevel.choices, default=GridLevel.MICRO
    )
    department_kind = models.CharField(
        _("权属部门类别"),
        max_length=20,
        choices=DepartmentKind.choices,
        blank=True,
        help_text=_("部件的权属部门；事件填写时该部门作为协办单位"),
    )
    response_limit = models.FloatField(_("响应时限"), default=4)
    response_unit = models.CharField(
        _("响应时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_HOURS
    )
    handling_limit = models.FloatField(_("处置时限"), default=3)
    handling_unit = models.CharField(
        _("处置时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS
    )
    urgent = models.BooleanField(_("紧急"), default=False)
    keywords = models.CharField(
        _("关键词"), max_length=300, blank=True, help_text=_("用空格或逗号分隔，用于自动分类建议")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("事件类别")
        verbose_name_plural = _("事件类别")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="category_code_form", condition=Q(code__regex=r"^[AEC][0-9]{2}([0-9]{2})?$")
            ),
            models.CheckConstraint(
                name="category_limits_positive",
                condition=Q(response_limit__gt=0, handling_limit__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_minor(self) -> bool:
        return len(self.code) == 5

    def keyword_list(self) -> list[str]:
        return [k for k in self.keywords.replace("，", ",").replace(",", " ").split() if k]


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    DISPATCHED = "dispatched", _("已派遣")
    CLAIMED = "claimed", _("处置中")
    RESOLVED = "resolved", _("已处置待核查")
    CLOSED = "closed", _("已结案")
    REJECTED = "rejected", _("不予立案")
    MERGED = "merged", _("已合并")
    SUSPENDED = "suspended", _("挂账")


# States in which someone still owes work; the sweep and the partial indexes cover only these.
OPEN_STATES = (CaseState.SUBMITTED, CaseState.DISPATCHED, CaseState.CLAIMED)
FINAL_STATES = (CaseState.CLOSED, CaseState.REJECTED, CaseState.MERGED)
# Where a new report's duplicates are looked for: cases still being worked on or waiting.
DUPLICATE_STATES = (*OPEN_STATES, CaseState.RESOLVED, CaseState.SUSPENDED)


class PublicStatus(models.TextChoices):
    RECEIVED = "received", _("已受理")
    IN_PROGRESS = "in_progress", _("处理中")
    ANSWERED = "answered", _("已答复待确认")
    DONE = "done", _("已办结")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    MERGED = "merged", _("已合并办理")
    SUSPENDED = "suspended", _("已挂账")


PUBLIC_STATUS: dict[str, PublicStatus] = {
    CaseState.SUBMITTED: PublicStatus.RECEIVED,
    CaseState.DISPATCHED: PublicStatus.IN_PROGRESS,
    CaseState.CLAIMED: PublicStatus.IN_PROGRESS,
    CaseState.RESOLVED: PublicStatus.ANSWERED,
    CaseState.CLOSED: PublicStatus.DONE,
    CaseState.REJECTED: PublicStatus.NOT_ACCEPTED,
    CaseState.MERGED: PublicStatus.MERGED,
    CaseState.SUSPENDED: PublicStatus.SUSPENDED,
}
# Open311 knows only open/closed: a suspended case is still owed an answer, so it stays open.
OPEN311_STATUS = {
    s: ("closed" if s in (CaseState.CLOSED, CaseState.REJECTED, CaseState.MERGED) else "open")
    for s in CaseState.values
}


def choice_label(choices: type[models.Choices], value: Any) -> str:
    """The label of `value` in the active language (the value itself when it is not one)."""
    try:
        return _labels(choices, get_language())[value]
    except (KeyError, TypeError):
        return str(value)


@functools.cache
def _labels(choices: type[models.Choices], language: str | None) -> dict[Any, str]:
    # Translated once per language: every answer names a state and each event's kind.
    with override(language):
        return {member.value: str(member.label) for member in choices}


class Priority(models.IntegerChoices):
    """How soon a case must be handled, as the console sorts it (higher first)."""

    NORMAL = 0, _("普通")
    URGENT = 1, _("紧急")
    CRITICAL = 2, _("特急")


def default_priority(category: Category | None) -> int:
    """The priority a case starts with: an urgent category (e.g. a lost child) is 紧急."""
    return Priority.URGENT if category is not None and category.urgent else Priority.NORMAL


class Channel(models.TextChoices):
    H5 = "h5", _("居民随手拍")
    PATROL = "patrol", _("网格员巡查")
    PHONE = "phone", _("电话受理")
    HOTLINE = "hotline", _("12345 热线")
    CHAT = "chat", _("网格群")
    OPEN311 = "open311", _("Open311")
    API = "api", _("接口")


# Columns only the workflow writes: the state and the chain bookkeeping that moves with it.
WORKFLOW_FIELDS = frozenset({"state", "version", "event_count", "chain_head"})
# Columns the workflow's effects move along with the state (`wangge.cases.effects`): a plain
# `save()` of an existing case leaves them alone too, so a stale copy cannot undo a move.
EFFECT_FIELDS = frozenset(
    {
        "category", "urgent", "priority", "grid", "grid_path", "handling_grid",
        "handling_department", "unit_path", "assignee", "respond_by", "resolve_by",
        "dispatched_at", "claimed_at",
        "resolved_at", "closed_at", "overdue", "escalation_count", "rework_count",
        "extension_count", "urge_count", "merged_into",
    }
)  # fmt: skip
_workflow_writing: ContextVar[bool] = ContextVar("wangge_case_workflow_writing", default=False)


class StateWriteError(RuntimeError):
    """A write of `Case.state` outside the workflow (a programming error, never user input)."""


@contextmanager
def workflow_writes() -> Iterator[None]:
    """The sanctioned path: `wangge.cases.workflow` wraps its own writes in this."""
    token = _workflow_writing.set(True)
    try:
        yield
    finally:
        _workflow_writing.reset(token)


def _refuse(fields: Iterable[str]) -> None:
    touched = WORKFLOW_FIELDS.intersection(fields)
    if touched and not _workflow_writing.get():
        raise StateWriteError(
            f"Case {', '.join(sorted(touched))} may only change through "
            "wangge.cases.workflow.case_transition"
        )


class CaseQuerySet(models.QuerySet):
    """Refuses writes of the workflow's columns outside `workflow_writes()`."""

    def update(self, **kwargs: Any) -> int:
        _refuse(kwargs)
        return super().update(**kwargs)

    def bulk_update(self, objs: Iterable[Any], fields: Iterable[str], *args: Any, **kw: Any) -> int:
        fields = list(fields)
        _refuse(fields)
        return super().bulk_update(objs, fields, *args, **kw)

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kw: Any) -> list[Any]:
        objs = list(objs)
        if any(o.state != CaseState.SUBMITTED or o.event_count for o in objs):
            _refuse({"state"})
        return super().bulk_create(objs, *args, **kw)


class Case(models.Model):
    tracking_code = models.CharField(_("查询码"), max_length=8, unique=True, editable=False)
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("描述"))
    # The description's words (jieba, stop words dropped), cut once at intake: the duplicate
    # search compares a new report with up to 50 open neighbours without cutting theirs again.
    # Empty for cases written before it; the search cuts those when it meets them.
    description_words = models.TextField(blank=True, default="", db_default="", editable=False)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    state = models.CharField(
        _("状态"),
        max_length=12,
        choices=CaseState.choices,
        default=CaseState.SUBMITTED,
        editable=False,
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    suggested_category = models.ForeignKey(
        Category,
        verbose_name=_("建议类别"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Reporter: a user when logged in; contact data is private (never on public endpoints).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("反映人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    anonymous = models.BooleanField(_("匿名"), default=False)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    # Encrypted and hashed like residents' phones; read through wangge.cases.contact only.
    contact_phone_cipher = models.TextField(_("联系电话（密文）"), blank=True)
    contact_phone_hash = models.CharField(_("联系电话摘要"), max_length=32, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # WGS-84; null when the report carried no point.
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("所在网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="located_cases",
    )
    # Denormalised path of the located grid (the district's when unlocated): scope filters are
    # one indexed prefix match, never a join.
    grid_path = models.CharField(_("网格路径"), max_length=255, db_index=False)
    root = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("所属区县"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The lead handling unit: exactly one of a grid or a department (checked below).
    handling_grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("处置网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_cases",
    )
    handling_department = models.ForeignKey(
        "grids.Department",
        verbose_name=_("处置部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_cases",
    )
    # Path of the handling grid ("" for a department): the unit sees the case even when it was
    # transferred outside the located subtree.
    unit_path = models.CharField(_("处置单位路径"), max_length=255, blank=True)
    co_departments = models.ManyToManyField(
        "grids.Department", verbose_name=_("协办部门"), blank=True, related_name="co_cases"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("认领人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    urgent = models.BooleanField(_("紧急"), default=False)
    # Set at intake from the category; a dispatcher raises or lowers it (`prioritize`).
    priority = models.PositiveSmallIntegerField(
        _("优先级"), choices=Priority.choices, default=Priority.NORMAL
    )
    respond_by = models.DateTimeField(_("响应期限"), null=True, blank=True)
    resolve_by = models.DateTimeField(_("处置期限"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    overdue = models.BooleanField(_("超期"), default=False)
    escalation_count = models.PositiveSmallIntegerField(_("上报次数"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    urge_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )
    # Offered duplicates: [{"tracking_code", "distance_m", "similarity"}], best first.
    duplicate_candidates = models.JSONField(_("疑似重复"), default=list, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, editable=False)
    request_hash = models.CharField(max_length=64, blank=True, editable=False)
    external_id = models.CharField(_("外部单号"), max_length=64, null=True, blank=True)
    # Compare-and-swap counter: bumped by every transition.
    version = models.PositiveIntegerField(default=0, editable=False)
    # Head of the event hash chain and the number of events, kept under the row lock.
    event_count = models.PositiveIntegerField(default=0, editable=False)
    chain_head = models.CharField(max_length=64, blank=True, editable=False)
    # Indexed with the id (`case_created_id`): lists page by the cursor (created_at, id).
    created_at = models.DateTimeField(_("反映时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    objects = CaseQuerySet.as_manager()
    # The state as read from the database (None for a new row): `save` compares against it.
    _loaded_state: str | None = None

    class Meta:
        verbose_name = _("事件诉求")
        verbose_name_plural = _("事件诉求")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="case_idempotency_per_channel",
            ),
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=Q(external_id__isnull=False),
                name="case_external_id_per_channel",
            ),
            models.CheckConstraint(
                name="case_one_lead_unit",
                condition=Q(handling_grid__isnull=True) | Q(handling_department__isnull=True),
            ),
            # A case leaves `submitted` only by an event (the trigger of migration 0003 checks
            # every later change of state against `event_count`).
            models.CheckConstraint(
                name="case_state_needs_event",
                condition=Q(state="submitted") | Q(event_count__gt=0),
            ),
            models.CheckConstraint(
                name="case_point_complete",
                condition=Q(lat__isnull=True, lng__isnull=True)
                | Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
            ),
            models.CheckConstraint(
                name="case_claimed_has_assignee",
                condition=~Q(state="claimed") | Q(assignee__isnull=False),
            ),
            models.CheckConstraint(
                name="case_priority_valid", condition=Q(priority__in=Priority.values)
            ),
            models.CheckConstraint(
                name="case_merged_has_target",
                condition=~Q(state="merged") | Q(merged_into__isnull=False),
            ),
        ]
        indexes = [
            models.Index(
                fields=["grid_path"], name="case_grid_path", opclasses=["varchar_pattern_ops"]
            ),
            # "Other reports from this caller": exact match on the keyed hash.
            models.Index(
                fields=["contact_phone_hash"],
                name="case_contact_phone_hash",
                condition=~Q(contact_phone_hash=""),
            ),
            models.Index(
                fields=["unit_path"], name="case_unit_path", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["root", "state", "created_at"], name="case_root_state"),
            # The duplicate search at intake: a point's box among the cases still open, a
            # small part of the table however much is closed (`matching.find_duplicates`).
            models.Index(
                fields=["lat", "lng"],
                name="case_open_point",
                condition=Q(state__in=DUPLICATE_STATES),
            ),
            # The SLA sweep reads only open cases: these stay small however much is closed.
            models.Index(
                fields=["respond_by"],
                name="case_open_respond_by",
                condition=Q(state="dispatched"),
            ),
            models.Index(
                fields=["resolve_by"],
                name="case_open_resolve_by",
                condition=Q(state__in=["dispatched", "claimed"], overdue=False),
            ),
            # The follow-up sweep: resolved cases awaiting the reporter, recently closed ones.
            models.Index(
                fields=["resolved_at"], name="case_unconfirmed", condition=Q(state="resolved")
            ),
            models.Index(fields=["closed_at"], name="case_closed_at", condition=Q(state="closed")),
            # Lists read newest first by the cursor (created_at, id) (`core.pagination`).
            models.Index(fields=["created_at", "id"], name="case_created_id"),
            # The same order among the cases not yet settled (a state filter within them reads
            # a few thousand index rows, not the years of closed ones), and within one
            # micro-grid (a leaf's list is `grid_id = …`, `cases.selectors.case_list_for_user`).
            models.Index(
                fields=["created_at", "id"],
                name="case_unsettled_created",
                condition=Q(state__in=DUPLICATE_STATES),
            ),
            models.Index(fields=["grid", "created_at", "id"], name="case_grid_created"),
            # The worker's queue: what I hold (处置中), by deadline; what my units may claim.
            models.Index(
                fields=["assignee", "resolve_by"],
                name="case_claimed_by",
                condition=Q(state="claimed"),
            ),
            models.Index(
                fields=["handling_grid", "respond_by"],
                name="case_claimable_grid",
                condition=Q(state="dispatched"),
            ),
            models.Index(
                fields=["handling_department", "respond_by"],
                name="case_claimable_department",
                condition=Q(state="dispatched"),
            ),
            # A worker's history (everything ever claimed), newest first.
            models.Index(fields=["assignee", "created_at", "id"], name="case_assignee_created"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A new case starts `submitted` with no events; saving an existing one refuses a state
        other than the one read, and never writes the columns the workflow moves (so a stale
        copy cannot undo a transition). Inside `workflow_writes()` everything goes."""
        if _workflow_writing.get():
            super().save(*args, **kwargs)
        elif self._state.adding:
            if self.state != CaseState.SUBMITTED or self.event_count:
                _refuse({"state"})
            super().save(*args, **kwargs)
        else:
            current = self.__dict__.get("state")
            if current is not None and current != self._loaded_state:
                _refuse({"state"})
            kept = WORKFLOW_FIELDS | EFFECT_FIELDS
            fields = kwargs.pop("update_fields", None)
            if fields is None:
                fields = [
                    f.name
                    for f in self._meta.concrete_fields
                    if not f.primary_key and f.name not in kept
                ]
            else:
                fields = [f for f in fields if f not in kept]
            super().save(*args, update_fields=fields, **kwargs)
        self._loaded_state = self.__dict__.get("state")

    def insert(self) -> None:
        """The intake's one INSERT of a new case, final state and chain head included: a write
        of the state, so only inside `workflow_writes()`. The statement is built once
        (`CompiledInsert`); no model signal is sent (none is listened for)."""
        alias = router.db_for_write(Case)
        sql, params = self.insert_statement(alias)
        with statement_cursor(alias) as (cursor, _server_side):
            cursor.execute(sql, params)
        self.inserted(alias)

    def insert_statement(self, alias: str) -> tuple[str, list[Any]]:
        """`insert`'s statement and parameters, not run (the intake embeds it in its one
        statement on PostgreSQL); `inserted(alias)` once it has run. Same guards."""
        if not self._state.adding:
            raise ValueError(f"case {self.pk} is already stored")
        _refuse({"state"})
        return _case_insert.statement([self], alias)

    def inserted(self, alias: str) -> None:
        _case_insert.stored([self], alias, [])
        self._loaded_state = self.__dict__.get("state")

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any, **kwargs: Any) -> Case:
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_state = instance.__dict__.get("state")
        return instance

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._loaded_state = self.__dict__.get("state")

    @property
    def public_status(self) -> str:
        return PUBLIC_STATUS[CaseState(self.state)]

    @property
    def open311_status(self) -> str:
        return OPEN311_STATUS[self.state]

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    # Every answer and notice shows these: one enum look-up and one translation each, where
    # Django's generated get_FOO_display rebuilds the choices dict on every call (hashing,
    # hence translating, every label).
    def get_state_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(CaseState, self.state)

    def get_channel_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(Channel, self.channel)

    def get_priority_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(Priority, self.priority)


class EventKind(models.TextChoices):
    SUBMIT = "submit", _("反映")
    ACCEPT = "accept", _("立案派遣")
    REJECT = "reject", _("不予立案")
    MERGE = "merge", _("合并")
    CLAIM = "claim", _("认领")
    ASSIGN = "assign", _("指派")
    RESOLVE = "resolve", _("处置")
    CLOSE = "close", _("结案")
    REOPEN = "reopen", _("返工")
    ESCALATE = "escalate", _("上报")
    TRANSFER = "transfer", _("转派")
    RETURN = "return", _("退回")
    SUSPEND = "suspend", _("挂账")
    RESUME = "resume", _("恢复办理")
    SETTLE_ON_SPOT = "settle_on_spot", _("现场处置结案")
    COMMENT = "comment", _("备注")
    URGE = "urge", _("督办")
    EXTEND_REQUEST = "extend_request", _("申请延期")
    EXTEND_APPROVE = "extend_approve", _("批准延期")
    EXTEND_REJECT = "extend_reject", _("驳回延期")
    REPLY = "reply", _("答复")
    FOLLOW_UP = "follow_up", _("回访")
    RATE = "rate", _("评价")
    OVERDUE = "overdue", _("超期督办")
    RECATEGORIZE = "recategorize", _("更正类别")
    PRIORITIZE = "prioritize", _("调整优先级")


class CaseEvent(models.Model):
    """One append-only entry of a case's history. Nothing updates or deletes an event.

    `hash` = HMAC-SHA256, under a key the database does not hold, over the previous event's
    hash and this event's content (see `wangge.cases.chain`), so altering or removing any
    event breaks every later hash, and nobody without the key can recompute them.
    """

    case = models.ForeignKey(
        Case, verbose_name=_("事件诉求"), on_delete=models.PROTECT, related_name="events"
    )
    seq = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("类型"), max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=100, blank=True)
    from_state = models.CharField(_("原状态"), max_length=12, blank=True)
    to_state = models.CharField(_("新状态"), max_length=12, blank=True)
    reason = models.TextField(_("说明"), blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # Shown to the resident on the public page (replies, suspension explanations …).
    public = models.BooleanField(_("对群众公开"), default=False)
    created_at = models.DateTimeField(_("时间"))
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("事件记录")
        verbose_name_plural = _("事件记录")
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.kind}"

    def get_kind_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(EventKind, self.kind)  # see Case.get_state_display


# The rows written by every report and every transition, by statements built once
# (wangge.core.compiled): `Case.insert()` for a new case, `event_insert.insert(events)` for events.
_case_insert = CompiledInsert(Case)
event_insert = CompiledInsert(CaseEvent)


class CaseCheckpoint(models.Model):
    """A case's chain head and length as one signed anchor run saw them (`anchor_cases`).

    Kept apart from the case and its events: a chain cut back below its last checkpoint, or
    whose event at the checkpoint no longer carries the checkpointed hash, fails verify."""

    anchor = models.ForeignKey(
        "core.ChainAnchor", on_delete=models.PROTECT, related_name="case_checkpoints"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    event_count = models.PositiveIntegerField()
    head = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("哈希链检查点")
        verbose_name_plural = _("哈希链检查点")
        constraints = [
            models.UniqueConstraint(fields=["case", "anchor"], name="case_checkpoint_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}@{self.event_count}"


class RoutingRule(models.Model):
    """An override of the default routing, tried by ascending priority; the first match wins.

    A rule matches when its category (if set) is the case's, the point lies in its grid subtree
    (if set) and the text contains one of its keywords (if any). It sends the case to a
    department, or to the territorial unit at a level.
    """

    name = models.CharField(_("名称"), max_length=100)
    priority = models.PositiveIntegerField(_("优先级"), default=100)
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), null=True, blank=True, on_delete=models.CASCADE
    )
    grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("网格范围"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    keywords = models.CharField(_("关键词"), max_length=300, blank=True)
    target_department = models.ForeignKey(
        "grids.Department",
        verbose_name=_("派往部门"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    target_level = models.PositiveSmallIntegerField(
        _("派往层级"), choices=GridLevel.choices, null=True, blank=True
    )
    co_departments = models.ManyToManyField(
        "grids.Department", verbose_name=_("协办部门"), blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("派遣规则")
        verbose_name_plural = _("派遣规则")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                name="routing_rule_one_target",
                condition=Q(target_department__isnull=False, target_level__isnull=True)
                | Q(target_department__isnull=True, target_level__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def keyword_list(self) -> list[str]:
        return [k for k in self.keywords.replace("，", ",").replace(",", " ").split() if k]


class ExtensionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extension_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.FloatField(_("延长"))
    unit = models.CharField(_("单位"), max_length=16, choices=LimitUnit.choices)
    reason = models.TextField(_("理由"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        constraints = [
            models.CheckConstraint(name="extension_amount_positive", condition=Q(amount__gt=0)),
            # At most one pending request per case.
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="extension_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.amount:g} {self.get_unit_display()}"


class CaseRating(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("评分"))
    satisfied = models.BooleanField(_("满意"))
    comment = models.CharField(_("评价"), max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        constraints = [
            models.CheckConstraint(
                name="rating_score_1_5", condition=Q(score__gte=1, score__lte=5)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.score}"


class FeedbackSolved(models.TextChoices):
    """问题解决了吗？"""

    SOLVED = "solved", _("已解决")
    PARTLY = "partly", _("部分解决")
    NOT_SOLVED = "not_solved", _("没有解决")


class FeedbackSatisfaction(models.TextChoices):
    """对处理满意吗？"""

    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    NOT_SATISFIED = "not_satisfied", _("不满意")


class FeedbackSource(models.TextChoices):
    """How the answer reached the platform."""

    ACCOUNT = "account", _("本人账号")
    LINK = "link", _("专属链接")
    SMS = "sms", _("短信验证")
    CHAT = "chat", _("网格群")
    CALL = "call", _("回访电话")


class CaseFeedback(models.Model):
    """The reporter's answer to one closure of a case: solved? satisfied? and a comment.

    `closure` numbers the case's closures (1 for the first; a reopen — 返工 — starts the next),
    so a case has at most one answer per closure (unique below) and a reopened case can be
    answered again. Written by the `rate` / `follow_up` transition, never edited.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="feedback")
    closure = models.PositiveSmallIntegerField(_("第几次办结"))
    solved = models.CharField(_("问题解决了吗"), max_length=12, choices=FeedbackSolved.choices)
    satisfaction = models.CharField(
        _("对处理满意吗"), max_length=14, choices=FeedbackSatisfaction.choices
    )
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    source = models.CharField(_("来源"), max_length=8, choices=FeedbackSource.choices)
    # The reporter's account when signed in; the operator who made the follow-up call.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event_seq = models.PositiveIntegerField(_("事件序号"))
    reopened = models.BooleanField(_("已退回重办"), default=False)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("群众评价")
        verbose_name_plural = _("群众评价")
        ordering = ["case_id", "closure"]
        constraints = [
            models.UniqueConstraint(fields=["case", "closure"], name="feedback_once_per_closure"),
            models.CheckConstraint(
                name="feedback_solved_valid", condition=Q(solved__in=FeedbackSolved.values)
            ),
            models.CheckConstraint(
                name="feedback_satisfaction_valid",
                condition=Q(satisfaction__in=FeedbackSatisfaction.values),
            ),
            models.CheckConstraint(
                name="feedback_source_valid", condition=Q(source__in=FeedbackSource.values)
            ),
            models.CheckConstraint(name="feedback_closure_positive", condition=Q(closure__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.closure} {self.solved}/{self.satisfaction}"

    @property
    def satisfied_ok(self) -> bool:
        return self.satisfaction != FeedbackSatisfaction.NOT_SATISFIED


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("待回访")
    DONE = "done", _("已回访")
    UNREACHABLE = "unreachable", _("无法联系")
    ANSWERED = "answered", _("群众已自行评价")


class FollowUpTask(models.Model):
    """回访: a call the centre owes the reporter of a case closed without their own answer.

    Created by the follow-up sweep (one per case and closure), due within
    `CASES_FOLLOW_UP_WORKING_DAYS` working days of the closing (hotline orders:
    `CASES_FOLLOW_UP_HOTLINE_WORKING_DAYS`). The operator records the call's answers, or marks
    the reporter unreachable after trying.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    closure = models.PositiveSmallIntegerField(_("第几次办结"))
    status = models.CharField(
        _("状态"), max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    # Copied from the case so the centre's list is one indexed prefix match.
    grid_path = models.CharField(max_length=255)
    due_at = models.DateTimeField(_("回访期限"))
    attempts = models.PositiveSmallIntegerField(_("拨打次数"), default=0)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"))

    class Meta:
        verbose_name = _("回访任务")
        verbose_name_plural = _("回访任务")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "closure"], name="follow_up_once_per_closure"),
            models.CheckConstraint(
                name="follow_up_status_valid", condition=Q(status__in=FollowUpStatus.values)
            ),
            models.CheckConstraint(
                name="follow_up_done_has_time",
                condition=Q(status="open") | Q(done_at__isnull=False),
            ),
        ]
        indexes = [
            models.Index(
                fields=["grid_path", "due_at"],
                name="follow_up_open",
                condition=Q(status="open"),
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
            # The tabs of calls made or given up, the latest first: one row per closed case.
            models.Index(fields=["status", "done_at", "id"], name="follow_up_done"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.closure} {self.status}"


class CaseFollower(models.Model):
    """我也遇到了: a resident who did not report the case follows it (and counts as a +1).

    Either a signed-in user (updates in their inbox) or a phone number (updates by SMS), or
    neither: an anonymous +1 from a browser, which that browser keeps a link for.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followed_cases",
    )
    # The follower's phone, encrypted and hashed like reporters' (cases/followers.py).
    phone_cipher = models.TextField(blank=True, default="", editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("关注者")
        verbose_name_plural = _("关注者")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"], condition=Q(user__isnull=False), name="follower_user_once"
            ),
            models.UniqueConstraint(
                fields=["case", "phone_hash"],
                condition=~Q(phone_hash=""),
                name="follower_phone_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} +1"


class ReporterCode(models.Model):
    """A one-time SMS code that lets the reporter of a case back in without an account.

    Only a hash of the code is kept. A code expires after `CASES_SMS_CODE_MINUTES`; after
    `CASES_SMS_CODE_TRIES` wrong tries it is spent, and no new code is sent for the case until
    `CASES_SMS_LOCK_MINUTES` have passed.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    tries = models.PositiveSmallIntegerField(default=0)
    # Set when the last allowed wrong try spends the code: until then, no code and no try.
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["case", "created_at"], name="reporter_code_case")]

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class ReplyTemplate(models.Model):
    """A reply a unit keeps for its staff (答复模板): picked on the case page, its placeholders
    ({查询码}, {类别}, {反映人} …, `wangge.cases.replies.PLACEHOLDERS`) filled from the case,
    edited, then sent as an ordinary `reply`. It belongs to exactly one unit: a grid (usable on
    every case handled or located in its subtree) or a department (on its cases)."""

    grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("所属网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reply_templates",
    )
    department = models.ForeignKey(
        "grids.Department",
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reply_templates",
    )
    title = models.CharField(_("名称"), max_length=50)
    body = models.TextField(_("内容"), max_length=2000)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("修改时间"))

    class Meta:
        verbose_name = _("答复模板")
        verbose_name_plural = _("答复模板")
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                name="reply_template_one_unit",
                condition=Q(grid__isnull=False, department__isnull=True)
                | Q(grid__isnull=True, department__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["grid", "title"],
                condition=Q(grid__isnull=False),
                name="reply_template_title_per_grid",
            ),
            models.UniqueConstraint(
                fields=["department", "title"],
                condition=Q(department__isnull=False),
                name="reply_template_title_per_department",
            ),
        ]

    def __str__(self) -> str:
        return self.title
