"""What the intake reads on every report, served from the per-process config cache.

Categories, the routing rule table, departments and grid rows change rarely and are read by
every report; `wangge.core.config` keeps them in memory and rebuilds them when `ConfigVersion`
(or, for grids, `GridTreeVersion`) moves. The objects handed out are shared by every request of
the process: read them, never change them.
"""

from __future__ import annotations

from dataclasses import dataclass

from wangge.cases.models import Category, RoutingRule
from wangge.core.config import config_loader
from wangge.grids.models import Department, Grid


@dataclass(frozen=True)
class Categories:
    by_code: dict[str, Category]
    by_pk: dict[int, Category]
    # Active minor classes by code: what a case may carry and what suggestions rank.
    active_minor: dict[str, Category]

    def usable(self, code: str) -> Category | None:
        """The active minor category `code`, or None."""
        return self.active_minor.get(code)


@config_loader("cases.categories")
def categories() -> Categories:
    """Every category, by code and by id, with the active minor ones apart."""
    rows = list(Category.objects.select_related("parent"))
    return Categories(
        by_code={c.code: c for c in rows},
        by_pk={c.pk: c for c in rows},
        active_minor={c.code: c for c in rows if c.is_active and c.is_minor},
    )


@dataclass(frozen=True)
class Routing:
    rules: list[RoutingRule]
    departments: list[Department]


@config_loader("cases.routing")
def routing() -> Routing:
    """The active rules (their grids, target and co-handling departments loaded) and the active
    departments with their service areas."""
    rules = list(
        RoutingRule.objects.filter(is_active=True)
        .select_related("grid", "target_department")
        .prefetch_related("co_departments")
    )
    departments = list(Department.objects.filter(is_active=True).select_related("service_area"))
    return Routing(rules, departments)


@config_loader("grids.by_id")
def grids() -> dict[int, Grid]:
    """Active grids by id, without their boundaries (routing needs codes, names and paths)."""
    return {g.pk: g for g in Grid.objects.filter(is_active=True).defer("geometry")}
