from tests.open311.conftest import api_key, categories

__all__ = ["api_key", "categories"]
