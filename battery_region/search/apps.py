from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "battery_region.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from battery_region.search import checks  # noqa: F401  (registers the analysis checks)
