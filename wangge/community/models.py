"""Community life: the people who serve, the service catalogue and service orders.

三单制 (群众点单 → 组织建单 → 党员/志愿者/服务队接单 → 群众评价): a resident (or staff for them)
orders a service from the community's catalogue; community staff confirm it into a task with a
due time or decline it; a party member, volunteer or team member takes it (one winner); the
taker records what was done with photos; the resident rates it; hours and points are credited.

`ServiceOrder.state` changes only in `wangge.community.workflow.order_transition` (one
function, a declarative table); a test fails if anything else assigns it, and the model
refuses a save that changes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.grids.models import PATH_COLLATION

PATH_OPS = ["varchar_pattern_ops"]


def _grid(related: str, label: str = "所属社区") -> models.ForeignKey:
    return models.ForeignKey(
        "grids.Grid", verbose_name=_(label), on_delete=models.PROTECT, related_name=related
    )


def _root() -> models.ForeignKey:
    return models.ForeignKey(
        "grids.Grid", verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="+"
    )


# --- residents' accounts ------------------------------------------------------------------------
class ResidentAccount(models.Model):
    """A signed-in resident's household (and person) in the base data: what "my points" and
    "order a service to my home" mean. Bound by staff who checked who the person is."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="resident_account",
    )
    household = models.ForeignKey(
        "people.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        "people.Resident",
        verbose_name=_("居民"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grid_path = models.CharField(max_length=255, editable=False)
    created_at = models.DateTimeField(_("绑定时间"))

    class Meta:
        verbose_name = _("居民账号绑定")
        verbose_name_plural = _("居民账号绑定")
        indexes = [models.Index(fields=["grid_path"], name="racct_path", opclasses=PATH_OPS)]

    def __str__(self) -> str:
        return f"{self.user} → {self.household}"


# --- people who serve --------------------------------------------------------------------------
class Registration(models.TextChoices):
    RESIDENT = "resident", _("居住地党员")
    IN_SERVICE = "in_service", _("在职党员（双报到）")


class ServerKind(models.TextChoices):
    """Who may take a service: the catalogue lists the kinds for each service."""

    PARTY_MEMBER = "party_member", _("党员")
    VOLUNTEER = "volunteer", _("志愿者")
    TEAM = "team", _("服务队")


class PartyMember(models.Model):
    """A party member serving in a community: resident members, and in-service members who
    registered with their home community (双报到). A 党员中心户 looks after nearby households."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_member",
    )
    resident = models.ForeignKey(
        "people.Resident",
        verbose_name=_("居民档案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=50)
    branch = models.ForeignKey(
        "people.Organisation",
        verbose_name=_("所在党支部"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_members",
    )
    community = _grid("party_members")
    grid_path = models.CharField(max_length=255, editable=False, db_collation=PATH_COLLATION)
    root = _root()
    registration = models.CharField(
        _("类别"), max_length=12, choices=Registration.choices, default=Registration.RESIDENT
    )
    work_unit = models.CharField(_("工作单位"), max_length=100, blank=True)
    reported_on = models.DateField(_("报到日期"), null=True, blank=True)
    is_central_household = models.BooleanField(_("党员中心户"), default=False)
    households = models.ManyToManyField(
        "people.Household", verbose_name=_("联系户"), blank=True, related_name="+"
    )
    grids = models.ManyToManyField(
        "grids.Grid", verbose_name=_("服务网格"), blank=True, related_name="+"
    )
    skills = models.CharField(_("特长"), max_length=200, blank=True)
    is_active = models.BooleanField(_("在册"), default=True)
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["grid_path", "name"]
        constraints = [
            # 双报到 members say where they work and when they reported.
            models.CheckConstraint(
                name="party_in_service_reported",
                condition=~Q(registration="in_service") | Q(reported_on__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["grid_path"], name="party_path", opclasses=PATH_OPS),
            # The list's order (selectors.party_member_list_for_user), for paging by cursor.
            models.Index(fields=["grid_path", "name", "id"], name="party_list"),
        ]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer",
    )
    resident = models.ForeignKey(
        "people.Resident",
        verbose_name=_("居民档案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=50)
    community = _grid("volunteers")
    grid_path = models.CharField(max_length=255, editable=False, db_collation=PATH_COLLATION)
    root = _root()
    skills = models.CharField(_("特长"), max_length=200, blank=True)
    grids = models.ManyToManyField(
        "grids.Grid", verbose_name=_("服务网格"), blank=True, related_name="+"
    )
    # Sum of this volunteer's hour records, kept with each record in the same transaction.
    hours_total = models.DecimalField(_("累计服务时长"), max_digits=9, decimal_places=1, default=0)
    is_active = models.BooleanField(_("在册"), default=True)
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["grid_path", "name"]
        constraints = [
            models.CheckConstraint(name="volunteer_hours_nonneg", condition=Q(hours_total__gte=0))
        ]
        indexes = [
            models.Index(fields=["grid_path"], name="vol_path", opclasses=PATH_OPS),
            # The list's order (selectors.volunteer_list_for_user), for paging by cursor.
            models.Index(fields=["grid_path", "name", "id"], name="vol_list"),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceTeam(models.Model):
    """A service team (服务队, e.g. 漓江's 10 teams doing paperwork for residents)."""

    name = models.CharField(_("名称"), max_length=100)
    community = _grid("service_teams")
    grid_path = models.CharField(max_length=255, editable=False)
    root = _root()
    skills = models.CharField(_("服务内容"), max_length=200, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("队长"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("队员"), blank=True, related_name="service_teams"
    )
    grids = models.ManyToManyField(
        "grids.Grid", verbose_name=_("服务网格"), blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("成立时间"))

    class Meta:
        verbose_name = _("服务队")
        verbose_name_plural = _("服务队")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="team_unique_name")
        ]
        indexes = [models.Index(fields=["grid_path"], name="team_path", opclasses=PATH_OPS)]

    def __str__(self) -> str:
        return self.name


# --- catalogue and orders ----------------------------------------------------------------------
class ServiceKind(models.TextChoices):
    AGENCY = "agency", _("代办服务")
    LIFE = "life", _("生活服务")
    REPAIR = "repair", _("维修服务")
    CARE = "care", _("助老助残")
    CULTURE = "culture", _("文化服务")
    OTHER = "other", _("其他")


class ServiceItem(models.Model):
    """One service in a community's catalogue (代办医保, 理发, 家电维修 …)."""

    community = _grid("service_items")
    grid_path = models.CharField(max_length=255, editable=False)
    root = _root()
    name = models.CharField(_("服务名称"), max_length=50)
    kind = models.CharField(_("类别"), max_length=10, choices=ServiceKind.choices)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    for_party_members = models.BooleanField(_("党员可接"), default=True)
    for_volunteers = models.BooleanField(_("志愿者可接"), default=True)
    for_teams = models.BooleanField(_("服务队可接"), default=True)
    # Civility points credited to the taker's household when the order is completed.
    points = models.PositiveSmallIntegerField(_("积分"), default=2)
    hours = models.DecimalField(_("标准时长（小时）"), max_digits=4, decimal_places=1, default=1)
    due_hours = models.PositiveSmallIntegerField(_("办理时限（小时）"), default=72)
    is_active = models.BooleanField(_("上架"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["grid_path", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="service_unique_name"),
            models.CheckConstraint(
                name="service_someone_may_take",
                condition=Q(for_party_members=True) | Q(for_volunteers=True) | Q(for_teams=True),
            ),
            models.CheckConstraint(
                name="service_hours_positive", condition=Q(hours__gt=0, due_hours__gt=0)
            ),
        ]
        indexes = [models.Index(fields=["grid_path"], name="svc_path", opclasses=PATH_OPS)]

    def __str__(self) -> str:
        return self.name

    @property
    def taker_kinds(self) -> frozenset[str]:
        kinds = set()
        if self.for_party_members:
            kinds.add(ServerKind.PARTY_MEMBER)
        if self.for_volunteers:
            kinds.add(ServerKind.VOLUNTEER)
        if self.for_teams:
            kinds.add(ServerKind.TEAM)
        return frozenset(kinds)


class OrderState(models.TextChoices):
    ORDERED = "ordered", _("待建单")
    OPEN = "open", _("待接单")
    TAKEN = "taken", _("服务中")
    DONE = "done", _("待评价")
    CLOSED = "closed", _("已完成")
    DECLINED = "declined", _("未受理")
    CANCELLED = "cancelled", _("已取消")
    CONVERTED = "converted", _("已转事件")


OPEN_ORDER_STATES = (OrderState.ORDERED, OrderState.OPEN, OrderState.TAKEN)
FINAL_ORDER_STATES = (
    OrderState.CLOSED,
    OrderState.DECLINED,
    OrderState.CANCELLED,
    OrderState.CONVERTED,
)


class OrderChannel(models.TextChoices):
    SELF = "self", _("居民点单")
    PHONE = "phone", _("电话代录")
    VISIT = "visit", _("走访代录")
    CASE = "case", _("事件转服务")


class StateGuardQuerySet(models.QuerySet):
    _workflow = False  # set on the copy `_workflow_update` makes, never on a shared queryset

    def update(self, **kwargs):
        if "state" in kwargs and not self._workflow:
            raise RuntimeError("ServiceOrder.state changes only in order_transition")
        return super().update(**kwargs)

    def _workflow_update(self, **kwargs) -> int:
        clone = self.all()  # a copy
        clone._workflow = True
        return clone.update(**kwargs)


class ServiceOrder(models.Model):
    code = models.CharField(_("服务单号"), max_length=8, unique=True, editable=False)
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("服务项目"), on_delete=models.PROTECT, related_name="orders"
    )
    community = _grid("service_orders")
    # The leaf grid of the household served (the community's when unknown).
    grid = _grid("+", "所在网格")
    grid_path = models.CharField(_("网格路径"), max_length=255)
    root = _root()
    state = models.CharField(
        _("状态"),
        max_length=10,
        choices=OrderState.choices,
        default=OrderState.ORDERED,
        editable=False,
    )
    channel = models.CharField(_("渠道"), max_length=8, choices=OrderChannel.choices)
    orderer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("点单人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_orders",
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("服务对象户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact_name = models.CharField(_("联系人"), max_length=50)
    # Encrypted and hashed like residents' phones: wangge/community/contact.py.
    contact_phone_cipher = models.TextField(blank=True, default="", editable=False)
    contact_phone_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    address = models.CharField(_("服务地址"), max_length=200)
    description = models.CharField(_("需求说明"), max_length=1000)
    wanted_at = models.DateTimeField(_("期望时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办结期限"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接单人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="taken_orders",
    )
    assignee_kind = models.CharField(
        _("接单身份"), max_length=12, choices=ServerKind.choices, blank=True
    )
    team = models.ForeignKey(
        ServiceTeam,
        verbose_name=_("服务队"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    confirmed_at = models.DateTimeField(_("建单时间"), null=True, blank=True)
    taken_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    hours = models.DecimalField(
        _("服务时长"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    result = models.CharField(_("服务情况"), max_length=1000, blank=True)
    score = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    rating_comment = models.CharField(_("评价"), max_length=500, blank=True)
    reason = models.CharField(_("未受理/取消原因"), max_length=500, blank=True)
    overdue = models.BooleanField(_("超期"), default=False)
    remind_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("转成的事件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("来源事件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_orders",
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=0, editable=False)
    event_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("点单时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    objects = StateGuardQuerySet.as_manager()

    # Not a column: set by the ordering service, True when an idempotent retry got the order
    # the first request made.
    replayed: bool = False

    class Meta:
        verbose_name = _("服务订单")
        verbose_name_plural = _("服务订单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="order_taken_has_assignee",
                condition=~Q(state__in=["taken", "done"]) | Q(assignee__isnull=False),
            ),
            models.CheckConstraint(
                name="order_score_1_5", condition=Q(score__isnull=True) | Q(score__range=(1, 5))
            ),
            models.CheckConstraint(
                name="order_hours_range",
                condition=Q(hours__isnull=True) | Q(hours__gt=0, hours__lte=24),
            ),
            models.CheckConstraint(
                name="order_converted_has_case",
                condition=~Q(state="converted") | Q(case__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["orderer", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="order_idempotency",
            ),
        ]
        indexes = [
            models.Index(fields=["grid_path"], name="order_path", opclasses=PATH_OPS),
            # The lists' order, newest first, for paging by cursor (API, desk, my orders).
            models.Index(fields=["created_at", "id"], name="order_created"),
            models.Index(fields=["root", "state", "created_at"], name="order_root_state"),
            models.Index(fields=["assignee", "state"], name="order_assignee_state"),
            # The reminder sweep reads only live orders with a deadline.
            models.Index(
                fields=["due_at"],
                name="order_live_due",
                condition=Q(state__in=["open", "taken"], overdue=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.item.name if self.item_id else ''}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not getattr(self, "_workflow", False):
            fields = kwargs.get("update_fields")
            if fields is None or "state" in fields:
                raise RuntimeError("ServiceOrder rows change only in order_transition")
        super().save(*args, **kwargs)

    @property
    def is_live(self) -> bool:
        return self.state in OPEN_ORDER_STATES


class OrderEventKind(models.TextChoices):
    ORDER = "order", _("点单")
    CONFIRM = "confirm", _("建单")
    DECLINE = "decline", _("不予受理")
    TAKE = "take", _("接单")
    ASSIGN = "assign", _("派单")
    REASSIGN = "reassign", _("改派")
    RELEASE = "release", _("退单")
    COMPLETE = "complete", _("服务完成")
    RATE = "rate", _("评价")
    CLOSE = "close", _("代为确认")
    CANCEL = "cancel", _("取消")
    TO_CASE = "to_case", _("转为事件")
    REMIND = "remind", _("超期提醒")
    COMMENT = "comment", _("备注")


class ServiceOrderEvent(models.Model):
    """Append-only history of an order: who did what, when, from which state to which."""

    order = models.ForeignKey(
        ServiceOrder, verbose_name=_("服务订单"), on_delete=models.PROTECT, related_name="events"
    )
    seq = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("类型"), max_length=10, choices=OrderEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=100, blank=True)
    from_state = models.CharField(_("原状态"), max_length=10, blank=True)
    to_state = models.CharField(_("新状态"), max_length=10, blank=True)
    reason = models.CharField(_("说明"), max_length=1000, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("服务订单记录")
        verbose_name_plural = _("服务订单记录")
        ordering = ["order_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seq"], name="order_event_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.seq} {self.kind}"


class VolunteerHours(models.Model):
    """Hours served, one row per task (an order, or an activity the community organised)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("服务人"),
        on_delete=models.PROTECT,
        related_name="volunteer_hours",
    )
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("志愿者"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hour_records",
    )
    order = models.ForeignKey(
        ServiceOrder,
        verbose_name=_("服务订单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hour_records",
    )
    activity = models.CharField(_("活动"), max_length=100)
    hours = models.DecimalField(_("时长（小时）"), max_digits=4, decimal_places=1)
    served_on = models.DateField(_("服务日期"))
    community = _grid("+")
    grid_path = models.CharField(max_length=255, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("志愿服务时长")
        verbose_name_plural = _("志愿服务时长")
        ordering = ["-served_on", "-id"]
        constraints = [
            models.CheckConstraint(name="hours_range", condition=Q(hours__gt=0) & Q(hours__lte=24)),
            # One record per person per order: hours are credited once.
            models.UniqueConstraint(
                fields=["user", "order"], condition=Q(order__isnull=False), name="hours_once"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "served_on"], name="hours_user_day"),
            models.Index(fields=["grid_path"], name="hours_path", opclasses=PATH_OPS),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.hours}h {self.activity}"
