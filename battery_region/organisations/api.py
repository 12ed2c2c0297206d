"""Organisations in the API: public reads, token-authenticated writes by the organisation's editors."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from battery_region.core.api import (
    ErrorOut,
    TokenAuth,
    TranslatedTextIn,
    TranslatedTextOut,
    flatten_translated,
    translated,
)
from battery_region.organisations import services
from battery_region.organisations.models import ContactPoint, Organisation
from battery_region.organisations.selectors import OrganisationFilters, organisation_list

router = Router()


class ContactPointOut(Schema):
    name: str
    title: TranslatedTextOut
    role: str
    email: str
    phone: str

    @staticmethod
    def resolve_title(obj: ContactPoint) -> dict[str, str]:
        return translated(obj, "title")


class OrganisationOut(Schema):
    id: int
    slug: str
    name: TranslatedTextOut
    description: TranslatedTextOut
    kind: str
    country: str
    region: str
    municipality_code: str
    parent_id: int | None
    website: str
    source: str
    source_id: str

    @staticmethod
    def resolve_name(obj: Organisation) -> dict[str, str]:
        return translated(obj, "name")

    @staticmethod
    def resolve_description(obj: Organisation) -> dict[str, str]:
        return translated(obj, "description")


class OrganisationDetailOut(OrganisationOut):
    contact_points: list[ContactPointOut]

    @staticmethod
    def resolve_contact_points(obj: Organisation) -> list[ContactPoint]:
        return list(obj.contact_points.public())


class OrganisationListFilters(Schema):
    country: str = ""
    kind: str = ""
    region: str = ""
    q: str = ""


class OrganisationUpdateIn(Schema):
    name: TranslatedTextIn | None = None
    description: TranslatedTextIn | None = None
    website: str | None = None
    municipality_code: str | None = None
    region: str | None = None


@router.get("", response=list[OrganisationOut], summary="List organisations")
@paginate(PageNumberPagination)
def organisation_list_api(request: HttpRequest, filters: Query[OrganisationListFilters]) -> Any:
    return organisation_list(filters=OrganisationFilters(**filters.model_dump()))


@router.get("/{int:organisation_id}", response={200: OrganisationDetailOut, 404: ErrorOut})
def organisation_detail_api(request: HttpRequest, organisation_id: int) -> Any:
    return get_object_or_404(Organisation, pk=organisation_id)


@router.patch(
    "/{int:organisation_id}",
    auth=TokenAuth(),
    response={200: OrganisationDetailOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Update an organisation (its editors only)",
)
def organisation_update_api(request: HttpRequest, organisation_id: int, payload: OrganisationUpdateIn) -> Any:
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    data = flatten_translated(payload.model_dump(exclude_unset=True), "name", "description")
    return services.organisation_update(actor=request.user, organisation=organisation, data=data)
