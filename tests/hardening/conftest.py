"""Fixtures of the hardening tests: the people fixtures (a resident in grid A, one in grid B)
and the web ones (seeded categories, a small photo)."""

from tests.people.conftest import building_a, building_b, resident_a, resident_b
from tests.web.conftest import categories, photo

__all__ = ["building_a", "building_b", "categories", "photo", "resident_a", "resident_b"]


def set_rate(settings, scope: str, rate: str) -> None:
    """Change one throttle rate for this test (the throttles read rates at each request)."""
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], scope: rate}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
