"""System checks: say so (in `manage.py check`, at start-up and in the admin) when search analysis runs on a
fallback because Voikko or the Swedish dictionary is not installed."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Tags, Warning, register

from battery_region.search import analysis


@register(Tags.compatibility)
def search_analysis_engines(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    status = analysis.analysis_status()
    messages: list[CheckMessage] = []
    if not status["voikko"]:
        messages.append(
            Warning(
                "Finnish search analysis falls back to Snowball stemming: Voikko is not available.",
                hint="Install the Debian packages libvoikko1 and voikko-fi, then run "
                "`python manage.py rebuild_search_index`.",
                id="search.W001",
            )
        )
    if not status["swedish_dictionary"]:
        messages.append(
            Warning(
                "Swedish search analysis does not split compounds: the hunspell Swedish dictionary is missing.",
                hint=f"Install the Debian package hunspell-sv-se ({analysis.SWEDISH_DICTIONARY_PATH}), then run "
                "`python manage.py rebuild_search_index`.",
                id="search.W002",
            )
        )
    return messages
