"""Query counts that do not grow with the rows listed (the N+1 guard).

Every list or detail read is measured twice: with a few rows, then with three times as many.
The second count must equal the first and stay within the endpoint's budget
(`django_assert_max_num_queries`). A list that runs one query more per row fails the first
check whatever its budget; the budget catches a page that becomes heavy for everyone.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from tests.conftest import GRID_A, GRID_A2, grid_centre
from wangge.cases.categories import category_seed
from wangge.cases.services import case_submit

# Categories of different major classes (rows do not share one category object), routed to
# different units: the micro-grid (E0104, C0403), the community (E0101), the street (A0101).
CATEGORIES = ("E0104", "C0403", "A0101", "E0101")
# Those a micro-grid's worker handles: cases of these land in the worker's queue.
MICRO = ("E0104", "C0403")


def _sql(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries]


@pytest.fixture
def flat(django_assert_max_num_queries) -> Callable[..., Any]:
    """flat(fetch, grow, budget=…, rows=…): fetch with few rows, grow them threefold, fetch again.

    `fetch()` performs the read and returns what `rows(result)` counts; `grow()` adds rows.
    Returns the second result. Each measured fetch follows a warm-up fetch: per-process caches
    (the working calendar, the grid index) are rebuilt once after a change, not per request.
    """

    def check(
        fetch: Callable[[], Any],
        grow: Callable[[], Any],
        *,
        budget: int,
        rows: Callable[[Any], int],
    ) -> Any:
        fetch()
        with CaptureQueriesContext(connection) as few:
            small = fetch()
        n_small = rows(small)
        grow()
        fetch()  # warm again: a change of data may rightly empty a cache (calendar, grid index)
        with CaptureQueriesContext(connection) as many:
            large = fetch()
        n_large = rows(large)
        assert n_small > 0, "the first fetch listed nothing: the test proves nothing"
        assert n_large >= 3 * n_small, (n_small, n_large)
        extra = _sql(many)[len(few.captured_queries) :]
        assert len(many.captured_queries) == len(few.captured_queries), (
            f"{len(few.captured_queries)} queries for {n_small} rows, "
            f"{len(many.captured_queries)} for {n_large}; the extra ones:\n" + "\n".join(extra)
        )
        with django_assert_max_num_queries(budget):
            fetch()
        return large

    return check


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def categories(db):
    category_seed()


@pytest.fixture
def make_cases(county, categories):
    """make_cases(n, actor=…) → n cases reported at the centres of `grids` in turn, with the
    `codes` categories in turn and a photo each; `claim_by` claims every other one."""
    counter = iter(range(1, 10_000))

    def make(
        n: int,
        *,
        actor=None,
        claim_by=None,
        photo: bool = True,
        codes: tuple[str, ...] = CATEGORIES,
        grids: tuple[str, ...] = (GRID_A, GRID_A2),
        channel: str = "h5",
    ) -> list:
        from wangge.attachments.services import attachment_store
        from wangge.cases.workflow import case_transition

        made = []
        for _ in range(n):
            i = next(counter)
            grid = county[grids[i % len(grids)]]
            lat, lng = grid_centre(grid)
            photos = (
                [str(attachment_store(actor=actor, upload=jpeg(), filename="p.jpg").pk)]
                if photo
                else []
            )
            case = case_submit(
                actor=actor,
                channel=channel,
                description=f"第{i}处：楼下一地碎玻璃，小孩容易踩到",
                lat=lat,
                lng=lng,
                address=f"怡园小区{i}号楼",
                category_code=codes[i % len(codes)],
                attachments=photos,
            ).case
            if claim_by is not None and i % 2 == 0:
                case_transition(case=case, actor=claim_by, action="claim")
            made.append(case)
        return made

    return make


@pytest.fixture(autouse=True)
def _local_cache(local_cache):
    """Counts here are the views' own queries (see `local_cache`)."""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
