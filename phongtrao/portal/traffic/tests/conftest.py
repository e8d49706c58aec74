from __future__ import annotations

import pytest
from django.core.cache import cache

# The portal's own fixture (home, categories, the seed article), to test on the real page.
from phongtrao.portal.tests.conftest import portal  # noqa: F401


@pytest.fixture(autouse=True)
def fresh_cache(settings, tmp_path):
    """Each test starts with the blocks' cache empty and its own media directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()
