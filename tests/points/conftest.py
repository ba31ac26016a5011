"""The points tests share the community fixtures (households, residents, stores)."""

from tests.community.conftest import *  # noqa: F403
