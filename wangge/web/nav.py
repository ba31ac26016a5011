"""Which pages a user is offered, from their roles.

One table drives the header navigation, the phone tab bar and the home-page tiles, so the three
never disagree. Roles only decide what is *offered*: every page still checks scope itself.
An entry whose page is not routed (an app not installed in this deployment) is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import Role
from wangge.accounts.selectors import Scope, scope_for_user

WORKER_ROLES = frozenset(
    {Role.GRID_WORKER, Role.MICRO_GRID_HEAD, Role.BUILDING_HEAD, Role.GRID_HEAD}
)
CONSOLE_ROLES = frozenset(
    {
        Role.OPERATOR,
        Role.COMMUNITY_STAFF,
        Role.STREET_STAFF,
        Role.DISTRICT_STAFF,
        Role.DEPARTMENT_HANDLER,
        Role.GRID_HEAD,
    }
)
# The cockpit is for leaders and for the staff whose area it measures (the stats app's own
# check admits the same roles).
COCKPIT_ROLES = frozenset(
    {Role.LEADER, Role.OPERATOR, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF}
)
# Base data (people, buildings, organisations, assets, places, imports): desktop pages for
# community, street and district staff and grid heads.
BASE_DATA_ROLES = frozenset(
    {Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.GRID_HEAD}
)
# The care ledger and 民情日志 on the phone: grid workers and their heads.
FIELD_KIT_ROLES = frozenset(
    {Role.GRID_WORKER, Role.MICRO_GRID_HEAD, Role.BUILDING_HEAD, Role.GRID_HEAD}
)
COMMUNITY_STAFF_ROLES = frozenset(
    {
        Role.GRID_HEAD,
        Role.COMMUNITY_STAFF,
        Role.STREET_STAFF,
        Role.DISTRICT_STAFF,
        Role.OPERATOR,
    }
)


def is_resident(scope: Scope, user) -> bool:
    """Anyone without a staff role reports and follows cases as a resident."""
    return not scope.roles and not getattr(user, "is_superuser", False)


def is_worker(scope: Scope, user) -> bool:
    return scope.has_role(*WORKER_ROLES)


def is_console(scope: Scope, user) -> bool:
    return scope.has_role(*CONSOLE_ROLES)


def is_cockpit(scope: Scope, user) -> bool:
    return scope.has_role(*COCKPIT_ROLES)


def sees_base_data(scope: Scope, user) -> bool:
    return scope.has_role(*BASE_DATA_ROLES) or (scope.everything and not is_admin(scope, user))


def sees_field_kit(scope: Scope, user) -> bool:
    return scope.has_role(*FIELD_KIT_ROLES)


def sees_map(scope: Scope, user) -> bool:
    return bool(scope.grid_paths) or scope.everything


def is_community_staff(scope: Scope, user) -> bool:
    """Runs council days, writes notices, handles the emergency fund (community and above)."""
    return scope.has_role(*COMMUNITY_STAFF_ROLES) or scope.everything


def is_signed_in(scope: Scope, user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def owns_decisions(scope: Scope, user) -> bool:
    return is_worker(scope, user) or is_community_staff(scope, user)


def is_admin(scope: Scope, user) -> bool:
    return bool(getattr(user, "is_staff", False))


def is_signed_in_resident(scope: Scope, user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and is_resident(scope, user)


@dataclass(frozen=True)
class Entry:
    key: str
    label: str | Promise
    url_name: str
    icon: str  # a symbol id in web/icons.html
    description: str | Promise
    audience: Callable[[Scope, object], bool]
    # Phone tab bar: only the few entries a person on a phone uses daily.
    tab: bool = True


def _serving_flags(user) -> frozenset[str]:
    """Whether `user` takes service orders ("server") or keeps a points store ("keeper"): one
    query of EXISTS tests for every page's navigation, cached on the user for the request. The
    full serving profile (which grids, which kinds) is loaded only by the pages that need it."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_wangge_nav_flags", None)
    if cached is not None:
        return cached
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef, Q

    tests: dict[str, Exists] = {}
    if apps.is_installed("wangge.community"):
        from wangge.community.models import PartyMember, ServiceTeam, Volunteer

        tests["pm"] = Exists(PartyMember.objects.filter(user=OuterRef("pk"), is_active=True))
        tests["vol"] = Exists(Volunteer.objects.filter(user=OuterRef("pk"), is_active=True))
        tests["team"] = Exists(
            ServiceTeam.objects.filter(
                Q(members=OuterRef("pk")) | Q(leader=OuterRef("pk")), is_active=True
            )
        )
    if apps.is_installed("wangge.points"):
        from wangge.points.models import Store

        tests["keeper"] = Exists(Store.objects.filter(keepers=OuterRef("pk")))
    row = (
        get_user_model().objects.filter(pk=user.pk).values(**tests).first() if tests else None
    ) or {}
    flags = set()
    if row.get("pm") or row.get("vol") or row.get("team"):
        flags.add("server")
    if row.get("keeper"):
        flags.add("keeper")
    user._wangge_nav_flags = frozenset(flags)
    return user._wangge_nav_flags


def is_server(scope: Scope, user) -> bool:
    """Registered party members, volunteers and service-team members: they take orders."""
    return "server" in _serving_flags(user)


def runs_order_desk(scope: Scope, user) -> bool:
    """Community (or higher) staff: the service-order desk of their subtree."""
    from wangge.community.workflow import staff_paths

    return bool(staff_paths(user))


def is_store_keeper(scope: Scope, user) -> bool:
    return "keeper" in _serving_flags(user)


ENTRIES: tuple[Entry, ...] = (
    Entry(
        "serve",
        _("接单"),
        "community:serve",
        "inbox",
        _("可接的服务单、我的服务和时长"),
        is_server,
    ),
    Entry(
        "report",
        _("我要反映"),
        "web:report",
        "camera",
        _("拍照描述问题，一分钟提交"),
        is_resident,
    ),
    Entry(
        "track",
        _("查进度"),
        "web:track",
        "search",
        _("凭查询码查看办理进展"),
        is_resident,
    ),
    Entry(
        "mine",
        _("我的诉求"),
        "web:my-cases",
        "list",
        _("我反映过的问题"),
        is_signed_in_resident,
    ),
    Entry(
        "services",
        _("社区服务"),
        "community:services",
        "home",
        _("代办、理发、维修……点单请党员、志愿者上门"),
        is_signed_in_resident,
    ),
    Entry(
        "points",
        _("我的积分"),
        "points:mine",
        "check",
        _("家庭文明积分、明细和积分超市兑换"),
        is_signed_in_resident,
    ),
    Entry(
        "desk",
        _("服务台"),
        "community:desk",
        "dispatch",
        _("服务单建单派单、评比录入、积分超市与报表"),
        runs_order_desk,
        tab=False,
    ),
    Entry(
        "store",
        _("积分超市"),
        "points:store",
        "layers",
        _("凭兑换码发放、库存、退货"),
        is_store_keeper,
    ),
    Entry(
        "queue",
        _("工作台"),
        "web:worker-queue",
        "inbox",
        _("待认领和办理中的事件"),
        is_worker,
    ),
    Entry(
        "patrol",
        _("巡查上报"),
        "web:patrol",
        "camera",
        _("巡查发现问题，当场上报"),
        is_worker,
    ),
    Entry(
        "care",
        _("关爱走访"),
        "people:care",
        "check",
        _("待走访的关爱对象，记录走访、一键上报"),
        sees_field_kit,
    ),
    Entry(
        "journal",
        _("民情日志"),
        "people:journal",
        "list",
        _("记录每天在网格里的所见所做"),
        sees_field_kit,
        tab=False,
    ),
    Entry(
        "console",
        _("指挥台"),
        "web:console",
        "dispatch",
        _("分拨、派遣、督办"),
        is_console,
    ),
    Entry(
        "cockpit",
        _("驾驶舱"),
        "stats:cockpit",
        "chart",
        _("结案率、超期、热点与排名"),
        is_cockpit,
    ),
    Entry(
        "people",
        _("基础数据"),
        "people:residents",
        "layers",
        _("居民、楼栋与户、组织、部件、场所，导入导出"),
        sees_base_data,
    ),
    Entry(
        "map",
        _("网格地图"),
        "web:grid-map",
        "map",
        _("管辖范围内的网格划分"),
        sees_map,
    ),
    Entry(
        "council",
        _("周二说事"),
        "council:home",
        "list",
        _("提议题，看议程和商议结果"),
        is_signed_in_resident,
        tab=False,
    ),
    Entry(
        "council-desk",
        _("议事台"),
        "council:desk",
        "list",
        _("议程、签到、议事记录、决定事项"),
        is_community_staff,
        tab=False,
    ),
    Entry(
        "decisions",
        _("议定事项"),
        "council:decisions",
        "check",
        _("议事会决定由我落实的事"),
        owns_decisions,
        tab=False,
    ),
    Entry(
        "notices",
        _("通知公告"),
        "notices:list",
        "inbox",
        _("发往网格的通知与阅读情况"),
        is_signed_in,
        tab=False,
    ),
    Entry(
        "funds",
        _("应急资金"),
        "funds:home",
        "layers",
        _("应急专项资金的余额、申请与审批"),
        is_community_staff,
        tab=False,
    ),
    Entry(
        "admin",
        _("管理后台"),
        "admin:index",
        "settings",
        _("网格、分类、时限、用户与角色"),
        is_admin,
        tab=False,
    ),
)


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str
    icon: str
    description: str
    tab: bool
    active: bool


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def nav_for(user, *, path: str = "") -> list[NavItem]:
    """The entries `user` is offered, in display order; `active` marks the one `path` is under."""
    scope = scope_for_user(user)
    items: list[NavItem] = []
    for e in ENTRIES:
        if not e.audience(scope, user):
            continue
        url = _url(e.url_name)
        if url is None:
            continue
        items.append(
            NavItem(
                key=e.key,
                label=str(e.label),
                url=url,
                icon=e.icon,
                description=str(e.description),
                tab=e.tab,
                active=False,
            )
        )
    # The longest matching URL wins, so /console/map/ marks the map, not the console.
    best = max(
        (i for i in items if path.startswith(i.url) and i.url != "/"),
        key=lambda i: len(i.url),
        default=None,
    )
    return [
        NavItem(**{**i.__dict__, "active": best is not None and i.key == best.key}) for i in items
    ]
