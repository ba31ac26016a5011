"""Fixtures of the API fuzzing: the categories the cases need."""

from tests.cases.conftest import categories

__all__ = ["categories"]
