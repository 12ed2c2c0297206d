"""The public JSON API, version 1: every app contributes one router."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from ninja import NinjaAPI

from battery_region.catalogue.api import router as catalogue_router
from battery_region.core.api import install_error_handlers
from battery_region.organisations.api import router as organisations_router
from battery_region.skills.api import router as skills_router

api = NinjaAPI(
    title="Battery Region API",
    version="1",
    description=(
        "Open data on battery-industry education and skills in Finland and Sweden. "
        "Reads are public; partners write with a bearer token created on their profile page. "
        "Translated text is returned as {fi, sv, en}."
    ),
    urls_namespace="api-v1",
    # Swagger UI sets inline style attributes; scripts stay restricted to our own origin.
    docs_decorator=csp_update({"style-src": [UNSAFE_INLINE]}),
)
install_error_handlers(api)
api.add_router("/organisations", organisations_router, tags=["organisations"])
api.add_router("", catalogue_router, tags=["catalogue"])
api.add_router("", skills_router, tags=["skills"])
