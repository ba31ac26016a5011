"""The grid tree (区—街道—社区—片区—微网格, plus special grids) and departments.

Code scheme (documented in docs/grid-codes.md):
- district      6 digits  GB/T 2260 administrative division code, e.g. 350427
- street        9 digits  district + 3 (first digit 0 街道, 1 镇, 2–3 乡)
- community    12 digits  street + 3 (the statistical 居委会/村委会 code)
- zone grid    15 digits  community + 3 (the Beijing unit-grid form)
- micro-grid   18 digits  zone + 3
- special grid 20 digits  6 object type + community's 12 digits + 2 sequence (CJ/T 349)

`path` is the chain of codes from the root, "350427/350427001/…/", so a subtree is one
indexed prefix match and never a recursive query.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

from wangge.core.config import ConfigQuerySet
from wangge.core.models import VersionStamp


class GridLevel(models.IntegerChoices):
    DISTRICT = 1, _("区/县")
    STREET = 2, _("街道/镇")
    COMMUNITY = 3, _("社区/村")
    ZONE = 4, _("片区网格")
    MICRO = 5, _("微网格")
    SPECIAL = 9, _("专属网格")


# Digits in a code at each regular level; the parent's code is always a prefix.
CODE_LENGTH = {
    GridLevel.DISTRICT: 6,
    GridLevel.STREET: 9,
    GridLevel.COMMUNITY: 12,
    GridLevel.ZONE: 15,
    GridLevel.MICRO: 18,
    GridLevel.SPECIAL: 20,
}
# Which level a parent must have.
PARENT_LEVEL = {
    GridLevel.STREET: GridLevel.DISTRICT,
    GridLevel.COMMUNITY: GridLevel.STREET,
    GridLevel.ZONE: GridLevel.COMMUNITY,
    GridLevel.MICRO: GridLevel.ZONE,
    GridLevel.SPECIAL: GridLevel.COMMUNITY,
}


class SpecialKind(models.TextChoices):
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院")
    MARKET = "market", _("市场")
    PARK = "park", _("园区")
    ENTERPRISE = "enterprise", _("企业")
    SCENIC = "scenic", _("景区")
    STATION = "station", _("车站")
    OTHER = "other", _("其他")


# The 6-digit object-type prefix of a special grid code.
SPECIAL_KIND_CODE = {
    SpecialKind.SCHOOL: "010100",
    SpecialKind.HOSPITAL: "010200",
    SpecialKind.MARKET: "020100",
    SpecialKind.PARK: "030100",
    SpecialKind.ENTERPRISE: "030200",
    SpecialKind.SCENIC: "040100",
    SpecialKind.STATION: "050100",
    SpecialKind.OTHER: "990000",
}


# The collation of the copied `grid_path` columns of lists ordered by path first (residents,
# buildings, party members …): byte order, the order of SQLite's built-in BINARY and of the
# PostgreSQL collation of that name, a copy of "C" (grids migration 0002). Under it one btree
# index on (grid_path, …) serves both the scope's prefix match (`LIKE 'a/b/%'` becomes an index
# range) and the list's ORDER BY; under a language collation such as C.UTF-8 PostgreSQL can use
# such an index for the order only, and a late community's first page read a million rows.
PATH_COLLATION = "binary"


# `code__length=` in constraints below: Length registered as a lookup on text fields.
models.CharField.register_lookup(Length)


class Grid(models.Model):
    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=GridLevel.choices)
    special_kind = models.CharField(
        _("专属网格类型"), max_length=16, choices=SpecialKind.choices, blank=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    # The county/district root, kept on large tables so a multi-county deployment can shard.
    root = models.ForeignKey(
        "self",
        verbose_name=_("所属区县"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # GeoJSON geometry (Polygon or MultiPolygon), WGS-84 lon/lat.
    geometry = models.JSONField(_("边界"), null=True, blank=True)
    # Bounding box, for map views and quick rejection; filled from the geometry.
    min_lng = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lng = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                name="grid_code_digits", condition=Q(code__regex=r"^[0-9]{6,20}$")
            ),
            models.CheckConstraint(
                name="grid_root_has_no_parent",
                condition=Q(level=GridLevel.DISTRICT, parent__isnull=True)
                | (~Q(level=GridLevel.DISTRICT) & Q(parent__isnull=False)),
            ),
            models.CheckConstraint(
                name="grid_code_length_fits_level",
                condition=(
                    Q(level=GridLevel.DISTRICT, code__length=6)
                    | Q(level=GridLevel.STREET, code__length=9)
                    | Q(level=GridLevel.COMMUNITY, code__length=12)
                    | Q(level=GridLevel.ZONE, code__length=15)
                    | Q(level=GridLevel.MICRO, code__length=18)
                    | Q(level=GridLevel.SPECIAL, code__length=20)
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["level", "is_active"]),
            # Subtree queries are `path LIKE 'prefix%'`: PostgreSQL needs the pattern opclass.
            models.Index(
                fields=["path"], name="grid_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def is_special(self) -> bool:
        return self.level == GridLevel.SPECIAL

    def ancestor_codes(self) -> list[str]:
        return [c for c in self.path.split("/") if c][:-1]


class GridTreeVersion(VersionStamp):
    """One row per deployment: bumped in the same transaction as any grid change.

    Every process compares it with the version its in-memory locator index was built from and
    rebuilds when they differ, so a change made by one worker reaches all the others.
    """

    class Meta:
        verbose_name = _("网格树版本")
        verbose_name_plural = _("网格树版本")
        constraints = [
            models.CheckConstraint(name="grid_tree_version_singleton", condition=Q(id=1))
        ]


class DepartmentKind(models.TextChoices):
    CHENGGUAN = "chengguan", _("城管")
    SHIZHENG = "shizheng", _("市政")
    WATER = "water", _("供水")
    POWER = "power", _("供电")
    GAS = "gas", _("燃气")
    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    POLICE = "police", _("公安派出所")
    PROPERTY = "property", _("物业")
    GREENING = "greening", _("园林绿化")
    HOUSING = "housing", _("住建")
    ENVIRONMENT = "environment", _("生态环境")
    MARKET_REGULATION = "market", _("市场监管")
    TRAFFIC = "traffic", _("交通运输")
    HEALTH = "health", _("卫健")
    OTHER = "other", _("其他")


class Department(models.Model):
    """A functional department (职能部门) or utility: a unit that handles cases it owns.

    Its service area is a grid subtree (usually the whole district, a police station's streets,
    a property company's compound).
    """

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=20, choices=DepartmentKind.choices)
    service_area = models.ForeignKey(
        Grid,
        verbose_name=_("服务区域"),
        on_delete=models.PROTECT,
        related_name="departments",
    )
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
