"""Skills and roles in the API: value-chain stages, battery roles with coverage, ESCO skills and occupations.

Everything here is a public read. Translated text comes as {"fi", "sv", "en"}; lists are paginated.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from battery_region.core.api import ErrorOut, TranslatedTextOut, translated
from battery_region.core.translation import LANGUAGE_CODES
from battery_region.organisations.models import NUTS3_RE
from battery_region.skills import selectors
from battery_region.skills.models import EscoConcept, Role, RoleOccupation, RoleSkill, ValueChainStage

router = Router()


class TranslatedListOut(Schema):
    fi: list[str]
    sv: list[str]
    en: list[str]


def _label_lists(concept: EscoConcept, name: str) -> dict[str, list[str]]:
    return {
        code: [line for line in (getattr(concept, f"{name}_{code}") or "").splitlines() if line.strip()]
        for code in LANGUAGE_CODES
    }


def _link_label(concept: EscoConcept | None, fallback_en: str) -> dict[str, str]:
    if concept is not None:
        return translated(concept, "preferred_label")
    return {code: (fallback_en if code == "en" else "") for code in LANGUAGE_CODES}


class StageOut(Schema):
    id: int
    slug: str
    position: int
    name: TranslatedTextOut
    description: TranslatedTextOut

    @staticmethod
    def resolve_name(obj: ValueChainStage) -> dict[str, str]:
        return translated(obj, "name")

    @staticmethod
    def resolve_description(obj: ValueChainStage) -> dict[str, str]:
        return translated(obj, "description")


class StageRefOut(Schema):
    id: int
    slug: str
    name: TranslatedTextOut

    @staticmethod
    def resolve_name(obj: ValueChainStage) -> dict[str, str]:
        return translated(obj, "name")


class RoleOccupationOut(Schema):
    uri: str
    id: int | None
    label: TranslatedTextOut
    nearest: bool

    @staticmethod
    def resolve_uri(obj: RoleOccupation) -> str:
        return obj.occupation_uri

    @staticmethod
    def resolve_id(obj: RoleOccupation) -> int | None:
        return obj.occupation_id

    @staticmethod
    def resolve_label(obj: RoleOccupation) -> dict[str, str]:
        return _link_label(obj.occupation, obj.label)

    @staticmethod
    def resolve_nearest(obj: RoleOccupation) -> bool:
        return obj.is_nearest


class RoleSkillOut(Schema):
    uri: str
    id: int | None
    label: TranslatedTextOut
    importance: str
    linked_in_esco: bool

    @staticmethod
    def resolve_uri(obj: RoleSkill) -> str:
        return obj.skill_uri

    @staticmethod
    def resolve_id(obj: RoleSkill) -> int | None:
        return obj.skill_id

    @staticmethod
    def resolve_label(obj: RoleSkill) -> dict[str, str]:
        return _link_label(obj.skill, obj.label)


class RoleOut(Schema):
    id: int
    slug: str
    name: TranslatedTextOut
    description: TranslatedTextOut
    stage: StageRefOut
    eqf_min: int
    eqf_max: int
    is_local: bool
    source: str

    @staticmethod
    def resolve_name(obj: Role) -> dict[str, str]:
        return translated(obj, "name")

    @staticmethod
    def resolve_description(obj: Role) -> dict[str, str]:
        return translated(obj, "description")


class RoleDetailOut(RoleOut):
    keywords: TranslatedTextOut
    occupations: list[RoleOccupationOut]
    skills: list[RoleSkillOut]

    @staticmethod
    def resolve_keywords(obj: Role) -> dict[str, str]:
        return translated(obj, "keywords")

    @staticmethod
    def resolve_occupations(obj: Role) -> list[RoleOccupation]:
        return list(obj.occupation_links.all())

    @staticmethod
    def resolve_skills(obj: Role) -> list[RoleSkill]:
        return list(obj.skill_links.all())


class ConceptOut(Schema):
    id: int
    uri: str
    label: TranslatedTextOut
    alt_labels: TranslatedListOut
    description: TranslatedTextOut

    @staticmethod
    def resolve_label(obj: EscoConcept) -> dict[str, str]:
        return translated(obj, "preferred_label")

    @staticmethod
    def resolve_alt_labels(obj: EscoConcept) -> dict[str, list[str]]:
        return _label_lists(obj, "alt_labels")

    @staticmethod
    def resolve_description(obj: EscoConcept) -> dict[str, str]:
        return translated(obj, "description")


class SkillOut(ConceptOut):
    skill_type: str
    reuse_level: str
    collections: list[str]


class OccupationOut(ConceptOut):
    code: str
    isco_code: str


class CoverageSkillOut(Schema):
    uri: str
    id: int | None
    label: TranslatedTextOut
    covered_in: list[str]
    programme_count: int


class CoverageOut(Schema):
    role_id: int
    role_slug: str
    regions: list[str]
    essential_skills: int
    uncovered_count: int
    skills: list[CoverageSkillOut]
    uncovered: list[CoverageSkillOut]


class RoleFilters(Schema):
    stage: str = ""


class SearchFilters(Schema):
    q: str = ""


class CoverageQuery(Schema):
    region: str | None = None


@router.get("/stages", response=list[StageOut], summary="List the value-chain stages")
@paginate(PageNumberPagination)
def stage_list_api(request: HttpRequest) -> Any:
    return ValueChainStage.objects.all()


@router.get("/roles", response=list[RoleOut], summary="List battery roles")
@paginate(PageNumberPagination)
def role_list_api(request: HttpRequest, filters: Query[RoleFilters]) -> Any:
    qs = Role.objects.select_related("stage").order_by("stage__position", "position", "slug")
    if filters.stage:
        qs = qs.filter(stage__slug=filters.stage)
    return qs


@router.get("/roles/{int:role_id}", response={200: RoleDetailOut, 404: ErrorOut}, summary="One battery role")
def role_detail_api(request: HttpRequest, role_id: int) -> Any:
    return selectors.role_get(pk=role_id)


@router.get(
    "/roles/{int:role_id}/coverage",
    response={200: CoverageOut, 404: ErrorOut, 422: ErrorOut},
    summary="Essential skills of a role that no published programme covers in a region",
    description=(
        "`region` is a NUTS-3 code such as FI1D9 or SE331; without it both border regions count. A skill is "
        "covered when a published programme with a running offering in the region has an accepted tag for it."
    ),
)
def role_coverage_api(request: HttpRequest, role_id: int, query: Query[CoverageQuery]) -> Any:
    region = (query.region or "").strip().upper()
    if region and not NUTS3_RE.match(region):
        raise DjangoValidationError({"region": ["Use a NUTS-3 code such as FI1D9 or SE331."]})
    role = selectors.role_get(pk=role_id)
    coverage = selectors.role_coverage(role, region or None)

    def item(entry: selectors.SkillCoverage) -> dict[str, Any]:
        return {
            "uri": entry.link.skill_uri,
            "id": entry.link.skill_id,
            "label": _link_label(entry.link.skill, entry.link.label),
            "covered_in": entry.covered_in,
            "programme_count": entry.programme_count,
        }

    return {
        "role_id": role.pk,
        "role_slug": role.slug,
        "regions": coverage.regions,
        "essential_skills": len(coverage.skills),
        "uncovered_count": len(coverage.uncovered),
        "skills": [item(entry) for entry in coverage.skills],
        "uncovered": [item(entry) for entry in coverage.uncovered],
    }


@router.get("/skills", response=list[SkillOut], summary="Search ESCO skills by label in any language")
@paginate(PageNumberPagination)
def skill_list_api(request: HttpRequest, filters: Query[SearchFilters]) -> Any:
    return selectors.skill_search(filters.q)


@router.get("/occupations", response=list[OccupationOut], summary="Search ESCO occupations by label")
@paginate(PageNumberPagination)
def occupation_list_api(request: HttpRequest, filters: Query[SearchFilters]) -> Any:
    return selectors.occupation_search(filters.q)
