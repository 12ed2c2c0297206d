"""Reads for the skills pages and API: value-chain overview, role pages, skill pages, coverage, pickers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from battery_region.catalogue.models import Offering, Programme
from battery_region.core.translation import translated_value
from battery_region.organisations.models import Country
from battery_region.skills.models import (
    ESCO_SKILL_PREFIX,
    EscoConcept,
    ProgrammeTag,
    RelationType,
    Role,
    RoleOccupation,
    RoleSkill,
    ValueChainStage,
)

# The two partner regions of the cooperation: Pohjois-Pohjanmaa (North Ostrobothnia) and Västerbotten.
BORDER_REGIONS: tuple[str, ...] = ("FI1D9", "SE331")
REGION_NAMES: dict[str, str] = {"FI1D9": "Pohjois-Pohjanmaa", "SE331": "Västerbotten"}
COUNTRY_ORDER: tuple[str, ...] = ("FI", "SE", "NO", "XX")
# Only offerings that currently run count as a route into a role or as coverage of a skill.
RUNNING_OFFERING = Q(status=Offering.Status.PUBLISHED)


# --- overview ---------------------------------------------------------------------------------------------


@dataclass
class RoleRow:
    role: Role
    programmes_by_country: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.programmes_by_country.values())


@dataclass
class StageRow:
    stage: ValueChainStage
    roles: list[RoleRow]
    programmes_by_country: dict[str, int]


def countries() -> list[tuple[str, str]]:
    """(code, name) of the countries shown as columns: Finland and Sweden."""
    return [(code, str(label)) for code, label in Country.choices if code in ("FI", "SE")]


def value_chain_overview() -> list[StageRow]:
    """Stages in order, each with its roles and the number of published programmes per country leading there."""
    role_counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        ProgrammeTag.objects.public()
        .filter(role__isnull=False)
        .values("role_id", "programme__provider__country")
        .annotate(n=Count("programme", distinct=True))
    ):
        role_counts[row["role_id"]][row["programme__provider__country"]] = row["n"]
    # A programme counts once per stage, whether tagged with the stage itself or with one of its roles.
    stage_programmes: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for stage_id, role_stage_id, programme_id, country in (
        ProgrammeTag.objects.public()
        .filter(Q(stage__isnull=False) | Q(role__isnull=False))
        .values_list("stage_id", "role__stage_id", "programme_id", "programme__provider__country")
    ):
        stage_programmes[stage_id or role_stage_id][country].add(programme_id)
    stages = ValueChainStage.objects.prefetch_related(
        Prefetch("roles", queryset=Role.objects.order_by("position", "slug"))
    )
    return [
        StageRow(
            stage=stage,
            roles=[RoleRow(role, role_counts.get(role.pk, {})) for role in stage.roles.all()],
            programmes_by_country={c: len(ids) for c, ids in stage_programmes.get(stage.pk, {}).items()},
        )
        for stage in stages
    ]


# --- roles -------------------------------------------------------------------------------------------------


def role_queryset() -> QuerySet[Role]:
    return Role.objects.select_related("stage").prefetch_related(
        Prefetch("occupation_links", queryset=RoleOccupation.objects.select_related("occupation")),
        Prefetch("skill_links", queryset=RoleSkill.objects.select_related("skill")),
    )


def role_get(*, slug: str | None = None, pk: int | None = None) -> Role:
    if slug is not None:
        return role_queryset().get(slug=slug)
    if pk is None:
        raise Role.DoesNotExist("Give a slug or a primary key.")
    return role_queryset().get(pk=pk)


@dataclass
class ProgrammeRoute:
    programme: Programme
    offerings: list[Offering]

    @property
    def exchange_offerings(self) -> list[Offering]:
        return [o for o in self.offerings if o.open_for_exchange]

    @property
    def exchange_places(self) -> int:
        return sum(o.exchange_places or 0 for o in self.exchange_offerings)


@dataclass
class CountryGroup:
    country: str
    name: str
    routes: list[ProgrammeRoute] = field(default_factory=list)

    @property
    def exchange_places(self) -> int:
        return sum(route.exchange_places for route in self.routes)


def _group_by_country(programmes: QuerySet[Programme]) -> list[CountryGroup]:
    programmes = programmes.select_related("provider").prefetch_related(
        Prefetch("offerings", queryset=Offering.objects.filter(RUNNING_OFFERING).order_by("start_date", "pk"))
    )
    names = dict(Country.choices)
    groups: dict[str, CountryGroup] = {}
    for programme in programmes:
        country = programme.provider.country
        group = groups.setdefault(country, CountryGroup(country, str(names.get(country, country))))
        group.routes.append(ProgrammeRoute(programme, list(programme.offerings.all())))
    order = {code: index for index, code in enumerate(COUNTRY_ORDER)}
    for group in groups.values():
        group.routes.sort(key=lambda r: translated_value(r.programme, "title").casefold())
    return sorted(groups.values(), key=lambda g: order.get(g.country, 99))


def role_programmes(role: Role) -> list[CountryGroup]:
    """Published programmes with an accepted tag for the role, grouped by the provider's country."""
    ids = ProgrammeTag.objects.public().filter(role=role).values("programme_id")
    return _group_by_country(Programme.objects.published().filter(pk__in=ids))


def skill_programmes(skill: EscoConcept) -> list[CountryGroup]:
    """Published programmes with an accepted tag for the skill (programmes that teach it), by country."""
    ids = ProgrammeTag.objects.public().filter(skill=skill).values("programme_id")
    return _group_by_country(Programme.objects.published().filter(pk__in=ids))


# --- coverage ----------------------------------------------------------------------------------------------


@dataclass
class SkillCoverage:
    link: RoleSkill
    covered_in: list[str]
    programme_count: int

    @property
    def skill(self) -> EscoConcept | None:
        return self.link.skill

    @property
    def covered(self) -> bool:
        return bool(self.covered_in)


@dataclass
class Coverage:
    role: Role
    regions: list[str]
    skills: list[SkillCoverage]

    @property
    def uncovered(self) -> list[SkillCoverage]:
        return [item for item in self.skills if not item.covered]

    @property
    def covered(self) -> list[SkillCoverage]:
        return [item for item in self.skills if item.covered]


def role_coverage(role: Role, region: str | None = None) -> Coverage:
    """Which essential skills of the role published programmes cover in a region (or in either border region).

    A skill is covered in a region when a published programme with a running offering there has an accepted
    tag for the skill. Skills whose ESCO concept is not imported yet cannot be covered.
    """
    regions = [region] if region else list(BORDER_REGIONS)
    links = [link for link in role_queryset().get(pk=role.pk).skill_links.all()]
    essential = [link for link in links if link.importance == RelationType.ESSENTIAL]
    skill_ids = [link.skill_id for link in essential if link.skill_id]
    covered: dict[int, set[str]] = defaultdict(set)
    programmes: dict[int, set[int]] = defaultdict(set)
    rows = (
        Offering.objects.filter(RUNNING_OFFERING, region__in=regions, programme__published=True)
        .filter(
            programme__skill_tags__status=ProgrammeTag.Status.ACCEPTED,
            programme__skill_tags__skill_id__in=skill_ids,
        )
        .values_list("programme__skill_tags__skill_id", "region", "programme_id")
        .distinct()
    )
    for skill_id, offering_region, programme_id in rows:
        covered[skill_id].add(offering_region)
        programmes[skill_id].add(programme_id)
    items = [
        SkillCoverage(
            link=link,
            covered_in=sorted(covered.get(link.skill_id, set())) if link.skill_id else [],
            programme_count=len(programmes.get(link.skill_id, set())) if link.skill_id else 0,
        )
        for link in essential
    ]
    return Coverage(role=role, regions=regions, skills=items)


def coverage_regions() -> list[str]:
    """Regions offered in the coverage selector: the border regions first, then any other with offerings."""
    others = (
        Offering.objects.filter(RUNNING_OFFERING)
        .exclude(region="")
        .exclude(region__in=BORDER_REGIONS)
        .values_list("region", flat=True)
        .distinct()
    )
    return [*BORDER_REGIONS, *sorted(set(others))]


# --- ESCO concepts -----------------------------------------------------------------------------------------


def skill_get(*, key: str) -> EscoConcept:
    return EscoConcept.objects.skills().get(uri=f"{ESCO_SKILL_PREFIX}{key}")


def skill_roles(skill: EscoConcept) -> list[RoleSkill]:
    return list(RoleSkill.objects.filter(skill=skill).select_related("role", "role__stage").order_by("role__position"))


def skill_search(q: str = "") -> QuerySet[EscoConcept]:
    qs = EscoConcept.objects.skills()
    if q.strip():
        qs = qs.matching(q)
    return qs.order_by("preferred_label_en", "pk")


def occupation_search(q: str = "") -> QuerySet[EscoConcept]:
    qs = EscoConcept.objects.occupations()
    if q.strip():
        qs = qs.matching(q)
    return qs.order_by("preferred_label_en", "pk")


def role_search(q: str, *, limit: int = 20) -> list[Role]:
    """Roles whose name or keywords in any language contain every word of `q` (case-insensitive)."""
    words = q.casefold().split()
    if not words:
        return []
    found = []
    for role in Role.objects.select_related("stage").order_by("stage__position", "position"):
        haystack = " ".join(
            getattr(role, f"{name}_{code}") or "" for name in ("name", "keywords") for code in ("fi", "sv", "en")
        ).casefold()
        if all(word in haystack for word in words):
            found.append(role)
    return found[:limit]


# --- tags of one programme -----------------------------------------------------------------------------------


@dataclass
class ProgrammeTags:
    suggested: list[ProgrammeTag]
    accepted: list[ProgrammeTag]
    rejected: list[ProgrammeTag]


def programme_tags(programme: Programme) -> ProgrammeTags:
    tags = list(
        ProgrammeTag.objects.filter(programme=programme)
        .select_related("stage", "role", "skill", "decided_by")
        .order_by("status", "-origin", "pk")
    )

    def kind_order(tag: ProgrammeTag) -> tuple[int, str]:
        return ({"stage": 0, "role": 1, "skill": 2}[tag.kind], str(tag.target).casefold())

    return ProgrammeTags(
        suggested=sorted((t for t in tags if t.status == ProgrammeTag.Status.SUGGESTED), key=kind_order),
        accepted=sorted((t for t in tags if t.status == ProgrammeTag.Status.ACCEPTED), key=kind_order),
        rejected=sorted((t for t in tags if t.status == ProgrammeTag.Status.REJECTED), key=kind_order),
    )


def accepted_role_ids_by_programme(programme_ids: list[int]) -> dict[int, set[int]]:
    """Accepted role tags per programme, for matching programmes across the border."""
    result: dict[int, set[int]] = {}
    rows = ProgrammeTag.objects.accepted().filter(programme_id__in=programme_ids, role__isnull=False)
    for programme_id, role_id in rows.values_list("programme_id", "role_id"):
        result.setdefault(programme_id, set()).add(role_id)
    return result
