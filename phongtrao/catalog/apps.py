from __future__ import annotations

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "phongtrao.catalog"
    label = "catalog"
    verbose_name = "Danh mục chỉ tiêu"
