"""Base data (人地物情组): places, people, organisations, public assets, the care ledger.

Every row a grid worker may see carries `grid` (the leaf grid it lies in) and `grid_path` (that
grid's path, denormalised) so scoping is one indexed prefix match, as for grids themselves.
`root` (the district) is kept on the large tables so a multi-county deployment can shard.

Personal data: ID numbers and phones are stored only as AES-GCM ciphertext (`*_cipher`) plus a
keyed HMAC (`*_hash`) for exact lookup; see `crypto.py`. No plaintext column exists.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core.leases import LeasedJob
from wangge.grids.models import PATH_COLLATION, Department, Grid

PATH_OPS = ["varchar_pattern_ops"]


def _grid_fk(related: str) -> models.ForeignKey:
    return models.ForeignKey(
        Grid, verbose_name=_("所在网格"), on_delete=models.PROTECT, related_name=related
    )


def _root_fk() -> models.ForeignKey:
    return models.ForeignKey(
        Grid, verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="+"
    )


# --- 地 places ------------------------------------------------------------------------------
class Compound(models.Model):
    """A residential compound (小区) in a community."""

    name = models.CharField(_("小区名称"), max_length=100)
    community = models.ForeignKey(
        Grid, verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="compounds"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    property_company = models.ForeignKey(
        "Organisation",
        verbose_name=_("物业公司"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_compounds",
    )

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="compound_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    """A building (楼栋), located by its point into exactly one leaf grid."""

    community = models.ForeignKey(
        Grid, verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="buildings"
    )
    compound = models.ForeignKey(
        Compound,
        verbose_name=_("小区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="buildings",
    )
    # The building's number as people say it, normalised to Arabic digits ("16", "9", "A3").
    number = models.CharField(_("楼号"), max_length=20)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"))
    lng = models.FloatField(_("经度"))
    grid = _grid_fk("buildings_located")
    grid_path = models.CharField(max_length=255, editable=False, db_collation=PATH_COLLATION)
    root = _root_fk()
    units = models.PositiveSmallIntegerField(_("单元数"), default=1)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["grid_path", "compound_id", "number"]
        constraints = [
            # One "16号楼" per compound (or per community when it has no compound).
            models.UniqueConstraint(
                fields=["community", "compound", "number"], name="building_unique_number"
            ),
            models.UniqueConstraint(
                fields=["community", "number"],
                condition=Q(compound__isnull=True),
                name="building_unique_number_no_compound",
            ),
            models.CheckConstraint(
                name="building_lat_lng_range",
                condition=Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
            ),
        ]
        indexes = [
            models.Index(fields=["grid_path"], name="bld_path", opclasses=PATH_OPS),
            # The list's order (selectors.building_list_for_user), for paging by cursor.
            models.Index(fields=["grid_path", "name", "id"], name="bld_list"),
        ]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), on_delete=models.CASCADE, related_name="rooms"
    )
    unit = models.CharField(_("单元"), max_length=10, blank=True)
    number = models.CharField(_("房号"), max_length=20)

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        constraints = [
            models.UniqueConstraint(fields=["building", "unit", "number"], name="room_unique")
        ]

    def __str__(self) -> str:
        unit = f"{self.unit}单元" if self.unit else ""
        return f"{self.building.name}{unit}{self.number}室"


class PlaceKind(models.TextChoices):
    SHOP = "shop", _("商铺")
    # 九小场所: the nine kinds of small premises fire and safety inspections single out.
    SMALL_SCHOOL = "small_school", _("小学校、幼儿园")
    SMALL_CLINIC = "small_clinic", _("小医院、诊所")
    SMALL_STORE = "small_store", _("小商店")
    SMALL_RESTAURANT = "small_restaurant", _("小餐饮场所")
    SMALL_HOTEL = "small_hotel", _("小旅馆")
    SMALL_ENTERTAINMENT = "small_entertainment", _("小歌舞娱乐场所")
    SMALL_INTERNET_CAFE = "small_internet_cafe", _("小网吧")
    SMALL_BEAUTY = "small_beauty", _("小美容洗浴场所")
    SMALL_WORKSHOP = "small_workshop", _("小生产加工企业")
    OTHER = "other", _("其他场所")


NINE_SMALL_KINDS = frozenset(k for k in PlaceKind.values if k.startswith("small_"))


class Place(models.Model):
    """A place other than a dwelling: a shop or one of the 九小场所."""

    kind = models.CharField(_("类别"), max_length=24, choices=PlaceKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    building = models.ForeignKey(
        Building,
        verbose_name=_("所在楼栋"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="places",
    )
    lat = models.FloatField(_("纬度"))
    lng = models.FloatField(_("经度"))
    grid = _grid_fk("places")
    grid_path = models.CharField(max_length=255, editable=False, db_collation=PATH_COLLATION)
    operator_name = models.CharField(_("经营者"), max_length=50, blank=True)
    last_inspected_on = models.DateField(_("最近检查"), null=True, blank=True)

    class Meta:
        verbose_name = _("场所")
        verbose_name_plural = _("场所")
        indexes = [
            models.Index(fields=["grid_path"], name="place_path", opclasses=PATH_OPS),
            # The list's order (selectors.place_list_for_user), for paging by cursor.
            models.Index(fields=["grid_path", "kind", "name", "id"], name="place_list"),
        ]

    def __str__(self) -> str:
        return self.name


# --- 人 people --------------------------------------------------------------------------------
class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("户籍")
    PERMANENT = "permanent", _("常住")
    FLOATING = "floating", _("流动")
    FOREIGN = "foreign", _("境外")


class CareTag(models.TextChoices):
    ELDERLY_ALONE = "独居老人", _("独居老人")
    ELDERLY_NO_FAMILY = "孤寡老人", _("孤寡老人")
    EMPTY_NEST = "空巢老人", _("空巢老人")
    MINIMUM_LIVING = "低保", _("低保")
    DISABLED = "残疾", _("残疾")
    LEFT_BEHIND_CHILD = "留守儿童", _("留守儿童")
    CHILD_IN_DIFFICULTY = "困境儿童", _("困境儿童")
    KEY_PERSON = "重点人员", _("重点人员")
    SEVERE_MENTAL = "严重精神障碍患者", _("严重精神障碍患者")
    VETERAN = "退役军人", _("退役军人")
    COMMUNITY_CORRECTION = "社区矫正人员", _("社区矫正人员")


class Household(models.Model):
    """A household (户) living in a room; a room may hold more than one (合租, 分户)."""

    room = models.ForeignKey(
        Room, verbose_name=_("房屋"), on_delete=models.PROTECT, related_name="households"
    )
    # The household register number when known (户号); "" for the room's default household.
    number = models.CharField(_("户号"), max_length=30, blank=True, default="")
    grid = _grid_fk("households")
    grid_path = models.CharField(max_length=255, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        constraints = [
            models.UniqueConstraint(fields=["room", "number"], name="household_unique_number")
        ]
        indexes = [models.Index(fields=["grid_path"], name="hh_path", opclasses=PATH_OPS)]

    def __str__(self) -> str:
        return f"{self.room}{'（' + self.number + '）' if self.number else ''}"


class Resident(models.Model):
    name = models.CharField(_("姓名"), max_length=50)
    # AES-GCM ciphertext and keyed hash of the normalised 18-character ID number.
    id_cipher = models.TextField(editable=False)
    id_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Derived from the ID number when it was validated.
    sex = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))])
    birth_date = models.DateField(_("出生日期"))
    phone_cipher = models.TextField(blank=True, default="", editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    residence_type = models.CharField(_("人员类型"), max_length=16, choices=ResidenceType.choices)
    # Care tags as "|独居老人|低保|": an exact tag is `tags__contains="|低保|"` on every
    # database, and the column goes through COPY untouched in bulk imports.
    tags = models.CharField(_("人员类别"), max_length=300, blank=True, default="")
    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, related_name="members"
    )
    relation = models.CharField(_("与户主关系"), max_length=20, blank=True, default="")
    # grid/grid_path/root are copies of the household's building's (written only together
    # with `household`), so they carry neither an index nor a database foreign key: the
    # building's own PROTECT foreign keys already keep its grid from being deleted, and each
    # extra check or index costs a million-row import dearly (see docs/benchmarks.md). Scope
    # queries use the grid_path index.
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("所在网格"),
        on_delete=models.DO_NOTHING,
        related_name="residents",
        db_index=False,
        db_constraint=False,
    )
    grid_path = models.CharField(max_length=255, editable=False, db_collation=PATH_COLLATION)
    root = models.ForeignKey(
        Grid,
        verbose_name=_("所属区县"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    is_active = models.BooleanField(_("在册"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["grid_path", "household_id", "id"]
        constraints = [
            models.CheckConstraint(name="resident_sex_valid", condition=Q(sex__in=["M", "F"])),
            models.CheckConstraint(
                name="resident_residence_type_valid",
                condition=Q(residence_type__in=ResidenceType.values),
            ),
            # Never a plaintext number: every stored ID is a versioned ciphertext.
            models.CheckConstraint(
                name="resident_id_is_ciphertext", condition=Q(id_cipher__startswith="g1.")
            ),
            models.CheckConstraint(
                name="resident_phone_is_ciphertext",
                condition=Q(phone_cipher="") | Q(phone_cipher__startswith="g1."),
            ),
        ]
        indexes = [
            models.Index(fields=["grid_path"], name="res_path", opclasses=PATH_OPS),
            # The list's order (selectors.resident_list_for_user), for paging by cursor.
            models.Index(fields=["grid_path", "household", "id"], name="res_list"),
            models.Index(fields=["phone_hash"], name="res_phone_hash"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split("|") if t]


# TextChoices.values builds a new list on every access: too slow for a million-row import.
CARE_TAG_ORDER: tuple[str, ...] = tuple(CareTag.values)
CARE_TAG_SET = frozenset(CARE_TAG_ORDER)
RESIDENCE_TYPE_SET = frozenset(ResidenceType.values)


def tags_to_column(tags: list[str] | tuple[str, ...]) -> str:
    if not tags:
        return ""
    wanted = set(tags)
    ordered = [t for t in CARE_TAG_ORDER if t in wanted]
    return f"|{'|'.join(ordered)}|" if ordered else ""


# --- 组 organisations, 物 public assets -------------------------------------------------------
class OrganisationKind(models.TextChoices):
    PROPERTY_COMPANY = "property", _("物业服务企业")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    ENTERPRISE = "enterprise", _("企业")
    PARTY_BRANCH = "party_branch", _("党支部")
    VOLUNTEER_TEAM = "volunteer_team", _("志愿服务队")
    SOCIAL_ORGANISATION = "social_org", _("社会组织")


class Organisation(models.Model):
    kind = models.CharField(_("类别"), max_length=20, choices=OrganisationKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    # 统一社会信用代码 (GB 32100), when the organisation is registered.
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    # The community (or any grid) the organisation belongs to; its scope for workers.
    grid = _grid_fk("organisations")
    grid_path = models.CharField(max_length=255, editable=False, db_collation=PATH_COLLATION)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    # Often the contact person's own mobile: encrypted and hashed like residents' phones
    # (`organisation_contact_*` in wangge/people/services.py).
    contact_phone_cipher = models.TextField(blank=True, default="", editable=False)
    contact_phone_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    members = models.PositiveIntegerField(_("成员数"), null=True, blank=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        constraints = [
            models.UniqueConstraint(fields=["grid", "kind", "name"], name="org_unique_name")
        ]
        indexes = [
            models.Index(fields=["grid_path"], name="org_path", opclasses=PATH_OPS),
            # The list's order (selectors.organisation_list_for_user), for paging by cursor.
            models.Index(fields=["grid_path", "kind", "name", "id"], name="org_list"),
        ]

    def __str__(self) -> str:
        return self.name


class Asset(models.Model):
    """A public asset (部件): a manhole cover, street lamp, hydrant … and who owns it.

    `category_code` is the 4-digit 部件 category code of GB/T 30428.2 (e.g. 0101 上水井盖,
    0110 路灯), stored as text: the category table lives in the cases app, which routes a case
    about an asset to `asset_owner_near(...)`.
    """

    code = models.CharField(_("部件编码"), max_length=40, unique=True)
    category_code = models.CharField(_("部件类别编码"), max_length=4)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("权属部门"), on_delete=models.PROTECT, related_name="assets"
    )
    lat = models.FloatField(_("纬度"))
    lng = models.FloatField(_("经度"))
    grid = _grid_fk("assets")
    grid_path = models.CharField(max_length=255, editable=False, db_collation=PATH_COLLATION)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("部件")
        verbose_name_plural = _("部件")
        constraints = [
            models.CheckConstraint(
                name="asset_category_code_4_digits", condition=Q(category_code__regex=r"^\d{4}$")
            ),
        ]
        indexes = [
            models.Index(fields=["category_code", "lat", "lng"], name="asset_cat_point"),
            models.Index(fields=["grid_path"], name="asset_path", opclasses=PATH_OPS),
            # The list's order (selectors.asset_list_for_user), for paging by cursor.
            models.Index(fields=["grid_path", "code", "id"], name="asset_list"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# --- 情 the care ledger, visits, journals ----------------------------------------------------
class CareScheme(models.TextChoices):
    """Ledgers kept side by side: the elderly 五色台账 and the children's 四色管理 …"""

    ELDERLY = "elderly", _("老年人五色台账")
    CHILDREN = "children", _("儿童四色台账")
    GENERAL = "general", _("其他关爱对象")


class CareLevel(models.Model):
    """A colour of the 五色/四色台账 and its visit interval; rows are configuration."""

    code = models.SlugField(_("编码"), max_length=20, unique=True)
    scheme = models.CharField(
        _("台账"), max_length=16, choices=CareScheme.choices, default=CareScheme.GENERAL
    )
    name = models.CharField(_("名称"), max_length=30)
    colour = models.CharField(_("颜色"), max_length=7, help_text="#RRGGBB")
    visit_interval_days = models.PositiveSmallIntegerField(_("走访周期（天）"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("关爱等级")
        verbose_name_plural = _("关爱等级")
        ordering = ["scheme", "order", "code"]
        constraints = [
            models.CheckConstraint(
                name="care_level_interval_positive", condition=Q(visit_interval_days__gte=1)
            ),
            models.CheckConstraint(
                name="care_level_scheme_valid", condition=Q(scheme__in=CareScheme.values)
            ),
            models.CheckConstraint(
                name="care_level_colour_hex", condition=Q(colour__regex=r"^#[0-9A-Fa-f]{6}$")
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CareRecord(models.Model):
    """A person in care: their level, who looks after them, and when the next visit is due."""

    resident = models.OneToOneField(
        Resident, verbose_name=_("居民"), on_delete=models.CASCADE, related_name="care"
    )
    level = models.ForeignKey(
        CareLevel, verbose_name=_("关爱等级"), on_delete=models.PROTECT, related_name="records"
    )
    reason = models.CharField(_("纳入原因"), max_length=200, blank=True)
    grid = _grid_fk("care_records")
    grid_path = models.CharField(max_length=255, editable=False)
    since = models.DateField(_("纳入日期"))
    last_visited_at = models.DateTimeField(_("最近走访"), null=True, blank=True)
    # Computed by `services.next_visit_due` whenever the level or a visit changes.
    next_due_on = models.DateField(_("下次走访截止"))
    is_active = models.BooleanField(_("在管"), default=True)

    class Meta:
        verbose_name = _("关爱对象")
        verbose_name_plural = _("关爱对象")
        indexes = [
            models.Index(fields=["grid_path", "next_due_on"], name="care_path_due"),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.level}"


class Visit(models.Model):
    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="visits"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("走访人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    visited_at = models.DateTimeField(_("走访时间"))
    place = models.CharField(_("走访地点"), max_length=200, blank=True)
    notes = models.TextField(_("走访情况"), blank=True)
    findings = models.TextField(_("发现问题"), blank=True)
    # Where the phone was when the worker checked in (WGS-84), and how far from the building.
    checkin_lat = models.FloatField(_("签到纬度"), null=True, blank=True)
    checkin_lng = models.FloatField(_("签到经度"), null=True, blank=True)
    checkin_distance_m = models.PositiveIntegerField(_("签到距离（米）"), null=True, blank=True)
    grid = _grid_fk("visits")
    grid_path = models.CharField(max_length=255, editable=False)
    # The case raised from this visit, when one was.
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("上报事件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["grid_path", "visited_at"], name="visit_path_time"),
            # The list's order, newest first, for paging by cursor over a street or a county.
            models.Index(fields=["visited_at", "id"], name="visit_time"),
        ]
        constraints = [
            models.CheckConstraint(
                name="visit_checkin_complete",
                condition=Q(checkin_lat__isnull=True, checkin_lng__isnull=True)
                | Q(checkin_lat__isnull=False, checkin_lng__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visited_at:%Y-%m-%d} {self.resident}"


class JournalKind(models.TextChoices):
    VISIT = "visit", _("入户走访")
    PATROL = "patrol", _("巡查")
    MEDIATION = "mediation", _("矛盾调解")
    PUBLICITY = "publicity", _("政策宣传")
    SERVICE = "service", _("为民服务")
    OTHER = "other", _("其他")


class JournalEntry(models.Model):
    """民情日志: what a grid worker saw and did on a day in their grid."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    grid = _grid_fk("journal_entries")
    grid_path = models.CharField(max_length=255, editable=False)
    day = models.DateField(_("日期"))
    kind = models.CharField(_("类别"), max_length=16, choices=JournalKind.choices)
    content = models.TextField(_("内容"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("民情日志")
        verbose_name_plural = _("民情日志")
        ordering = ["-day", "-id"]
        indexes = [
            models.Index(fields=["grid_path", "day"], name="journal_path_day"),
            # The list's order, newest first, for paging by cursor over a street or a county.
            models.Index(fields=["day", "id"], name="journal_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}"


# --- Imports -----------------------------------------------------------------------------------
class ImportKind(models.TextChoices):
    RESIDENTS = "residents", _("居民（含户）")
    BUILDINGS = "buildings", _("楼栋")
    ORGANISATIONS = "organisations", _("组织")
    ASSETS = "assets", _("部件")
    PLACES = "places", _("场所")


class ColumnMapping(models.Model):
    """A saved mapping from a community's spreadsheet headers to fields, reused next time."""

    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类别"), max_length=16, choices=ImportKind.choices)
    mapping = models.JSONField(_("列对应"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("导入列对应")
        verbose_name_plural = _("导入列对应")
        constraints = [
            models.UniqueConstraint(fields=["created_by", "kind", "name"], name="mapping_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ImportJob(LeasedJob):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类别"), max_length=16, choices=ImportKind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(_("文件名"), max_length=200)
    # Relative to MEDIA_ROOT; deleted as soon as its rows are read, and on failure.
    stored_file = models.CharField(max_length=300, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    mapping = models.JSONField(default=dict)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(_("新增行数"), default=0)
    updated_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(_("拒收行数"), default=0)
    # [{"row": 5, "column": "身份证号", "reason": "..."}]; never holds an ID number.
    rejects = models.JSONField(default=list)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"
