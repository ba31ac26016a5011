"""Where a case goes (派遣): rule table first, then 先属地后属主 / 先属主后属地 by category kind."""

from __future__ import annotations

from dataclasses import dataclass, field

from wangge.cases.models import Category, CategoryKind, RoutingRule
from wangge.grids.locator import Location
from wangge.grids.models import Department, Grid


@dataclass(frozen=True)
class Route:
    """A lead unit (exactly one of grid or department) and co-handling departments."""

    grid: Grid | None = None
    department: Department | None = None
    co_departments: tuple[Department, ...] = field(default=())
    rule: RoutingRule | None = None

    @property
    def unit_path(self) -> str:
        return self.grid.path if self.grid else ""


@dataclass
class RoutingData:
    """What routing reads, loaded once: bulk callers (demo history, imports) reuse it."""

    rules: list[RoutingRule]
    departments: list[Department]
    grids: dict[int, Grid] | None = None

    @classmethod
    def load(cls, *, with_grids: bool = False) -> RoutingData:
        rules = list(
            RoutingRule.objects.filter(is_active=True)
            .select_related("grid", "target_department")
            .prefetch_related("co_departments")
        )
        departments = list(Department.objects.filter(is_active=True).select_related("service_area"))
        grids = {g.pk: g for g in Grid.objects.filter(is_active=True)} if with_grids else None
        return cls(rules, departments, grids)

    @classmethod
    def cached(cls) -> RoutingData:
        """The same data from this process's config cache (no query while it is current)."""
        from wangge.cases import reference

        table = reference.routing()
        return cls(table.rules, table.departments, reference.grids())


def owning_department(kind: str, path: str, departments: list[Department]) -> Department | None:
    """The active department of `kind` whose service area covers `path`, the narrowest first."""
    candidates = [
        d for d in departments if kind and d.kind == kind and path.startswith(d.service_area.path)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda d: (len(d.service_area.path), -d.pk))


def territorial_unit(location: Location, level: int, grids: dict[int, Grid] | None = None) -> Grid:
    """The grid at `level` containing the point; the leaf when the tree is shallower there."""
    ref = location.at_level(level) or location.grid
    found = grids.get(ref.id) if grids is not None else None
    return found if found is not None else Grid.objects.get(pk=ref.id)


def _rule_matches(rule: RoutingRule, *, category: Category | None, path: str, text: str) -> bool:
    if rule.category_id is not None and (category is None or rule.category_id != category.pk):
        return False
    if rule.grid is not None and not path.startswith(rule.grid.path):
        return False
    keywords = rule.keyword_list()
    return not keywords or any(k in text for k in keywords)


def route_case(
    *,
    category: Category | None,
    location: Location | None,
    text: str,
    data: RoutingData | None = None,
) -> Route | None:
    """The unit a new case goes to, or None when a person must triage it (no point/category)."""
    if location is None:
        return None
    data = data or RoutingData.cached()
    grids = data.grids
    for rule in data.rules:
        if _rule_matches(rule, category=category, path=location.path, text=text):
            co = tuple(rule.co_departments.all())
            if rule.target_department is not None:
                return Route(department=rule.target_department, co_departments=co, rule=rule)
            if rule.target_level is not None:  # a rule names a department or a level (DB check)
                return Route(
                    grid=territorial_unit(location, rule.target_level, grids),
                    co_departments=co,
                    rule=rule,
                )
    if category is None:
        return None
    owner = owning_department(category.department_kind, location.path, data.departments)
    if category.kind == CategoryKind.ASSET and owner is not None:
        # 先属主后属地: the owner leads; without one in this area, the territory takes it.
        return Route(department=owner)
    # 先属地后属主: the territory leads, the owning department (if any) joins as co-handler.
    return Route(
        grid=territorial_unit(location, category.handling_level, grids),
        co_departments=(owner,) if owner else (),
    )
