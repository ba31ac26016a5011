"""Reads of the base data, always scoped to the caller."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from wangge.accounts.models import User
from wangge.accounts.selectors import Scope, scope_for_user
from wangge.core.api import NotFound
from wangge.core.geo import METRES_PER_DEGREE
from wangge.core.models import AuditLog
from wangge.grids.models import Department
from wangge.grids.selectors import in_grid_subtree
from wangge.people import address
from wangge.people.crypto import cipher
from wangge.people.idcard import mask_id, mask_phone, normalise
from wangge.people.models import (
    Asset,
    Building,
    CareRecord,
    Household,
    JournalEntry,
    Organisation,
    Place,
    Resident,
    Visit,
)
from wangge.people.services import ID_COLUMN, PHONE_COLUMN, WIDE_MASK_ROLES


# --- address search ------------------------------------------------------------------------------
@dataclass(frozen=True)
class AddressMatch:
    """A building found for an address text, with its point and grid (WGS-84)."""

    building: Building
    lat: float
    lng: float
    grid_code: str
    score: float  # 0–1: how well the place name matched (the building number always does)
    unit: str = ""
    room: str = ""


MIN_PLACE_SCORE = 60.0


def address_resolve(text: str) -> AddressMatch | None:
    """Resolve "怡园社区16号楼" / "府前社区9幢20号" / "凤岗街道怡园十六栋2单元301" to a building.

    Stable interface (see docs/people.md): the text must name a building number (号楼, 栋, 幢,
    座, #; Chinese numerals accepted) and a community or compound close enough to one on file.
    Unscoped on purpose: it finds a building's location, not anyone's personal data. Returns
    None when nothing matches well enough.
    """
    parsed = address.parse(text or "")
    if not parsed.building:
        return None
    candidates = list(
        Building.objects.filter(number=parsed.building).select_related(
            "community", "compound", "grid"
        )
    )
    if not candidates:
        return None
    place = parsed.place
    best: tuple[float, Building] | None = None
    for b in candidates:
        score = _name_score(b.community.name, place)
        if b.compound:
            score = max(score, _name_score(b.compound.name, place))
        if best is None or score > best[0] or (score == best[0] and b.pk < best[1].pk):
            best = (score, b)
    assert best is not None
    score, b = best
    if score < MIN_PLACE_SCORE:
        return None
    return AddressMatch(
        building=b,
        lat=b.lat,
        lng=b.lng,
        grid_code=b.grid.code,
        score=round(score / 100, 3),
        unit=parsed.unit,
        room=parsed.room,
    )


def _name_score(name: str, place: str) -> float:
    """How well a community/compound name appears in the place text (0–100)."""
    if not place:
        return 0.0
    full = address.normalise(name)
    core = address.normalise(address.place_core(name))
    if full in place:
        return 100.0
    if len(core) >= 2 and core in place:
        return 95.0
    # Fuzzy on the distinctive part only: "社区" in both texts must not count as a match.
    return float(fuzz.partial_ratio(core, place)) if len(core) >= 2 else 0.0


# --- masking ----------------------------------------------------------------------------------
def masked_id_for(scope: Scope, resident: Resident) -> str:
    number = cipher().decrypt(resident.id_cipher, column=ID_COLUMN)
    return mask_id(number, wide=scope.has_role(*WIDE_MASK_ROLES))


def masked_phone_for(resident: Resident) -> str:
    return mask_phone(cipher().decrypt(resident.phone_cipher, column=PHONE_COLUMN))


# --- places and people ---------------------------------------------------------------------------
def building_list_for_user(user: User, *, q: str = "", grid_code: str = "") -> QuerySet[Building]:
    qs = scope_for_user(user).filter(
        Building.objects.select_related("community", "compound", "grid"), "grid_path"
    )
    if grid_code:
        qs = in_grid_subtree(qs, grid_code)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q))
    return qs.order_by("grid_path", "name")


def building_get_for_user(user: User, pk: int) -> Building:
    b = building_list_for_user(user).filter(pk=pk).first()
    if b is None:
        raise NotFound(_("未找到该楼栋，或不在您的管辖范围内"))
    return b


def resident_list_for_user(
    user: User,
    *,
    q: str = "",
    tag: str = "",
    building_id: int | None = None,
    id_number: str = "",
    phone: str = "",
    grid_code: str = "",
    residence_type: str = "",
    building_q: str = "",
) -> QuerySet[Resident]:
    """Residents in scope. Search by name, tag, building, grid, or an EXACT ID/phone (by
    hash: a masked or partial number finds nothing, by design)."""
    qs = scope_for_user(user).filter(
        Resident.objects.filter(is_active=True).select_related("household__room__building", "grid"),
        "grid_path",
    )
    if q:
        qs = qs.filter(name__contains=q)
    if tag:
        qs = qs.filter(tags__contains=f"|{tag}|")
    if building_id:
        qs = qs.filter(household__room__building_id=building_id)
    if building_q:
        qs = qs.filter(household__room__building__name__contains=building_q)
    if grid_code:
        qs = in_grid_subtree(qs, grid_code)
    if residence_type:
        qs = qs.filter(residence_type=residence_type)
    if id_number:
        qs = qs.filter(id_hash=cipher().lookup_hash(normalise(id_number), kind="id"))
    if phone:
        qs = qs.filter(phone_hash=cipher().lookup_hash(phone.strip(), kind="phone"))
    return qs.order_by("grid_path", "household_id", "id")


def resident_get_for_user(user: User, pk: int) -> Resident:
    r = resident_list_for_user(user).filter(pk=pk).first()
    if r is None:
        raise NotFound(_("未找到该居民，或不在您的管辖范围内"))
    return r


def household_get_for_user(user: User, pk: int) -> Household:
    hh = (
        scope_for_user(user)
        .filter(Household.objects.select_related("room__building"), "grid_path")
        .filter(pk=pk)
        .first()
    )
    if hh is None:
        raise NotFound(_("未找到该户，或不在您的管辖范围内"))
    return hh


def reveal_log_for_resident(user: User, resident: Resident) -> QuerySet[AuditLog]:
    """Who saw this person's full number, when and why (the resident must be in scope)."""
    resident_get_for_user(user, resident.pk)
    return AuditLog.objects.filter(
        action=AuditLog.Action.REVEAL, target_type="people.resident", target_id=str(resident.pk)
    ).order_by("-created_at", "-id")


def organisation_list_for_user(
    user: User, *, q: str = "", kind: str = "", grid_code: str = ""
) -> QuerySet[Organisation]:
    qs = scope_for_user(user).filter(
        Organisation.objects.select_related("grid").defer("grid__geometry"), "grid_path"
    )
    if q:
        qs = qs.filter(name__contains=q)
    if kind:
        qs = qs.filter(kind=kind)
    if grid_code:
        qs = in_grid_subtree(qs, grid_code)
    return qs.order_by("grid_path", "kind", "name")


def asset_list_for_user(
    user: User, *, q: str = "", category: str = "", grid_code: str = ""
) -> QuerySet[Asset]:
    qs = scope_for_user(user).filter(
        Asset.objects.select_related("grid", "department").defer("grid__geometry"), "grid_path"
    )
    if q:
        qs = qs.filter(Q(code__contains=q) | Q(name__contains=q))
    if category:
        qs = qs.filter(category_code=category.removeprefix("A"))
    if grid_code:
        qs = in_grid_subtree(qs, grid_code)
    return qs.order_by("grid_path", "code")


def place_list_for_user(
    user: User, *, q: str = "", kind: str = "", grid_code: str = ""
) -> QuerySet[Place]:
    qs = scope_for_user(user).filter(
        Place.objects.select_related("grid").defer("grid__geometry"), "grid_path"
    )
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(address__contains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if grid_code:
        qs = in_grid_subtree(qs, grid_code)
    return qs.order_by("grid_path", "kind", "name")


def _get_scoped(qs: QuerySet, pk: int, what: str):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound(_("未找到该%(what)s，或不在您的管辖范围内") % {"what": what})
    return obj


def organisation_get_for_user(user: User, pk: int) -> Organisation:
    return _get_scoped(organisation_list_for_user(user), pk, _("组织"))


def asset_get_for_user(user: User, pk: int) -> Asset:
    return _get_scoped(asset_list_for_user(user), pk, _("部件"))


def place_get_for_user(user: User, pk: int) -> Place:
    return _get_scoped(place_list_for_user(user), pk, _("场所"))


# --- the care ledger ---------------------------------------------------------------------------
def care_due_list_for_user(
    user: User, *, within_days: int = 7, today: dt.date | None = None
) -> QuerySet[CareRecord]:
    """Visits due within `within_days` or overdue, most overdue first."""
    today = today or timezone.localdate()
    return (
        scope_for_user(user)
        .filter(CareRecord.objects.filter(is_active=True), "grid_path")
        .filter(next_due_on__lte=today + dt.timedelta(days=within_days))
        .select_related("resident__household__room__building", "level", "grid")
        .order_by("next_due_on", "level__order", "id")
    )


def visit_list_for_user(user: User, *, resident_id: int | None = None) -> QuerySet[Visit]:
    qs = scope_for_user(user).filter(
        Visit.objects.select_related("resident", "visitor"), "grid_path"
    )
    if resident_id:
        qs = qs.filter(resident_id=resident_id)
    return qs.order_by("-visited_at", "-id")


def visit_visible_to(user, visit_id: int) -> bool:
    """Access check for a visit's photos (registered with the attachments app)."""
    return visit_list_for_user(user).filter(pk=visit_id).exists()


def journal_list_for_user(user: User) -> QuerySet[JournalEntry]:
    return (
        scope_for_user(user)
        .filter(JournalEntry.objects.select_related("author", "grid"), "grid_path")
        .order_by("-day", "-id")
    )


# --- assets ------------------------------------------------------------------------------------
def asset_owner_near(
    lat: float, lng: float, category_code: str, *, radius_m: float = 100.0
) -> Department | None:
    """The owning department of the nearest active asset of a category within `radius_m`.

    Used by case routing ("a manhole cover here: whose is it?"); unscoped like the locator.
    `category_code` is the 4-digit code, or the cases app's form of it ("A0103" = "0103").
    """
    if len(category_code) == 5 and category_code[0] in "Aa":
        category_code = category_code[1:]
    dlat = radius_m / METRES_PER_DEGREE
    dlng = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    near = Asset.objects.filter(
        is_active=True,
        category_code=category_code,
        lat__range=(lat - dlat, lat + dlat),
        lng__range=(lng - dlng, lng + dlng),
    ).select_related("department")
    best: tuple[float, Asset] | None = None
    for a in near:
        d = math.hypot(
            (a.lat - lat) * METRES_PER_DEGREE,
            (a.lng - lng) * METRES_PER_DEGREE * math.cos(math.radians(lat)),
        )
        if d <= radius_m and (best is None or d < best[0]):
            best = (d, a)
    return best[1].department if best else None
