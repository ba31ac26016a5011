"""A synthetic county for the demo and the benchmarks: deterministic, believable, valid.

The territory is a lattice of city blocks whose interior corners are jittered, so blocks are
irregular quadrilaterals that still tile exactly (neighbours share their corner points). Each
level is a rectangle of cells of the level below, and its outline is walked along the same
lattice points, so every child lies exactly inside its parent and siblings never overlap.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from wangge.core.geo import METRES_PER_DEGREE
from wangge.grids.models import SPECIAL_KIND_CODE, GridLevel, SpecialKind

STREET_NAMES = [
    "凤岗街道",
    "虬江街道",
    "城关街道",
    "琅口镇",
    "高砂镇",
    "青州镇",
    "富口镇",
    "夏茂镇",
]
COMMUNITY_NAMES = [
    "怡园社区", "府前社区", "东门社区", "西门社区", "水南社区", "城西社区", "金沙社区", "翠绿社区",
    "沙阳社区", "东山社区", "西霞社区", "长安社区", "琅口村", "南阳村", "洋溪村", "镇头村",
    "富民社区", "和平社区", "建设社区", "新华社区", "文昌社区", "中山社区", "解放社区", "胜利社区",
]  # fmt: skip
ORDINALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Shape:
    """Cells per axis at each level below the district: street, community, zone, micro."""

    street: tuple[int, int] = (2, 2)
    community: tuple[int, int] = (2, 2)
    zone: tuple[int, int] = (2, 2)
    micro: tuple[int, int] = (2, 2)
    cell_m: float = 180.0

    @property
    def cells(self) -> tuple[int, int]:
        nx = self.street[0] * self.community[0] * self.zone[0] * self.micro[0]
        ny = self.street[1] * self.community[1] * self.zone[1] * self.micro[1]
        return nx, ny


DEMO_SHAPE = Shape()
# 2×2 streets, 7×7 communities, 4×4 zones, 2×2 micro-grids: 12,544 micro-grids.
BENCH_SHAPE = Shape(street=(2, 2), community=(7, 7), zone=(4, 4), micro=(2, 2), cell_m=120.0)


def _lattice(shape: Shape, lat0: float, lng0: float, rng: random.Random):
    nx, ny = shape.cells
    dlat = shape.cell_m / METRES_PER_DEGREE
    dlng = shape.cell_m / (METRES_PER_DEGREE * math.cos(math.radians(lat0)))
    pts = {}
    for i in range(nx + 1):
        for j in range(ny + 1):
            jx = jy = 0.0
            if 0 < i < nx and 0 < j < ny:
                # Interior corners move by up to a quarter block: irregular, never folded.
                jx, jy = rng.uniform(-0.25, 0.25), rng.uniform(-0.25, 0.25)
            pts[i, j] = (
                round(lng0 + (i + jx) * dlng, 7),
                round(lat0 + (ny - j + jy) * dlat, 7),  # j grows southwards (north→south)
            )
    return pts


def _outline(pts, i0: int, j0: int, i1: int, j1: int) -> list[list[float]]:
    """The closed ring around cells [i0, i1) × [j0, j1), counter-clockwise."""
    ring = [pts[i, j1] for i in range(i0, i1 + 1)]  # south edge, west→east
    ring += [pts[i1, j] for j in range(j1 - 1, j0 - 1, -1)]  # east edge, south→north
    ring += [pts[i, j0] for i in range(i1 - 1, i0 - 1, -1)]  # north edge, east→west
    ring += [pts[i0, j] for j in range(j0 + 1, j1 + 1)]  # west edge, north→south
    return [list(p) for p in ring]


def _feature(code, name, level, parent_code, ring, **extra) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {
            "code": code,
            "name": name,
            "level": int(level),
            "parent_code": parent_code,
            **extra,
        },
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def generate_county(
    *,
    code: str = "350427",
    name: str = "沙溪区",
    lat0: float = 26.385,
    lng0: float = 117.770,
    shape: Shape = DEMO_SHAPE,
    seed: int = 20261123,
    specials: bool = True,
) -> dict[str, Any]:
    """A FeatureCollection of a whole county tree, the same shape `grid_tree_import` takes.

    Codes number west→east, then north→south within each parent, as GB/T 30428.1 asks.
    """
    rng = random.Random(seed)
    pts = _lattice(shape, lat0, lng0, rng)
    nx, ny = shape.cells
    features = [_feature(code, name, GridLevel.DISTRICT, None, _outline(pts, 0, 0, nx, ny))]
    sx, sy = shape.street
    cx, cy = shape.community
    zx, zy = shape.zone
    mx, my = shape.micro
    s_w, s_h = nx // sx, ny // sy
    c_w, c_h = s_w // cx, s_h // cy
    z_w, z_h = c_w // zx, c_h // zy
    m_w, m_h = z_w // mx, z_h // my
    community_no = 0
    for s_idx, (sj, si) in enumerate((j, i) for j in range(sy) for i in range(sx)):
        street_name = STREET_NAMES[s_idx % len(STREET_NAMES)]
        if s_idx >= len(STREET_NAMES):
            street_name = f"第{s_idx + 1}街道"
        # 街道 codes start with 0, 镇 with 1 (GB/T 10114 practice).
        town = street_name.endswith("镇")
        s_code = code + (f"1{s_idx:02d}" if town else f"0{s_idx + 1:02d}")
        i0, j0 = si * s_w, sj * s_h
        features.append(
            _feature(s_code, street_name, GridLevel.STREET, code,
                     _outline(pts, i0, j0, i0 + s_w, j0 + s_h))
        )  # fmt: skip
        for c_idx, (cj, ci) in enumerate((j, i) for j in range(cy) for i in range(cx)):
            base = COMMUNITY_NAMES[community_no % len(COMMUNITY_NAMES)]
            if town and not base.endswith("村"):
                base = base.replace("社区", "村")
            c_name = base if community_no < len(COMMUNITY_NAMES) else f"{base}{community_no}"
            community_no += 1
            # 居委会 001–199, 村委会 200–399.
            c_code = s_code + (
                f"{200 + c_idx + 1:03d}" if c_name.endswith("村") else f"{c_idx + 1:03d}"
            )
            ci0, cj0 = i0 + ci * c_w, j0 + cj * c_h
            features.append(
                _feature(c_code, c_name, GridLevel.COMMUNITY, s_code,
                         _outline(pts, ci0, cj0, ci0 + c_w, cj0 + c_h))
            )  # fmt: skip
            for z_idx, (zj, zi) in enumerate((j, i) for j in range(zy) for i in range(zx)):
                z_code = f"{c_code}{z_idx + 1:03d}"
                ordinal = ORDINALS[z_idx] if z_idx < len(ORDINALS) else str(z_idx + 1)
                z_name = f"{c_name}第{ordinal}片区"
                zi0, zj0 = ci0 + zi * z_w, cj0 + zj * z_h
                features.append(
                    _feature(z_code, z_name, GridLevel.ZONE, c_code,
                             _outline(pts, zi0, zj0, zi0 + z_w, zj0 + z_h))
                )  # fmt: skip
                for m_idx, (mj, mi) in enumerate((j, i) for j in range(my) for i in range(mx)):
                    m_code = f"{z_code}{m_idx + 1:03d}"
                    m_name = f"{c_name}{z_idx + 1}片区{m_idx + 1}号微网格"
                    mi0, mj0 = zi0 + mi * m_w, zj0 + mj * m_h
                    features.append(
                        _feature(m_code, m_name, GridLevel.MICRO, z_code,
                                 _outline(pts, mi0, mj0, mi0 + m_w, mj0 + m_h))
                    )  # fmt: skip
            if specials and c_idx == 0:
                features.extend(_specials(pts, c_code, c_name, ci0, cj0, s_idx))
    return {"type": "FeatureCollection", "features": features}


def _specials(pts, c_code: str, c_name: str, i0: int, j0: int, s_idx: int) -> list[dict]:
    """One special grid per street's first community: a school, hospital, market or park."""
    kinds = [
        (SpecialKind.SCHOOL, "实验小学"),
        (SpecialKind.HOSPITAL, "人民医院"),
        (SpecialKind.MARKET, "农贸市场"),
        (SpecialKind.PARK, "工业园区"),
    ]
    kind, label = kinds[s_idx % len(kinds)]
    # A block inside the community's first cell, shrunk towards its centre.
    corners = [pts[i0, j0], pts[i0 + 1, j0], pts[i0 + 1, j0 + 1], pts[i0, j0 + 1]]
    cx = sum(p[0] for p in corners) / 4
    cy = sum(p[1] for p in corners) / 4
    ring = [[round(cx + (x - cx) * 0.6, 7), round(cy + (y - cy) * 0.6, 7)] for x, y in corners]
    ring = [*ring[::-1], ring[-1]]  # counter-clockwise, closed
    code = SPECIAL_KIND_CODE[kind] + c_code + "01"
    name = f"{c_name.removesuffix('社区').removesuffix('村')}{label}专属网格"
    return [_feature(code, name, GridLevel.SPECIAL, c_code, ring, special_kind=kind.value)]
