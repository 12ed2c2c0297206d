"""Study in the other country: programmes across the border that match a programme, a role or a search.

A counterpart is published, in the other country, at the same or an adjacent EQF level, and shares a field
of education (ISCED-F) or a battery role or skill. Ranking favours the same level, the most specific shared
field and shared roles; the page shows credits and their full-time equivalent side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from battery_region.catalogue.models import Offering, Programme

OTHER_COUNTRY = {"FI": "SE", "SE": "FI"}


@dataclass
class Counterpart:
    programme: Programme
    score: int
    reasons: list[str] = field(default_factory=list)
    offerings: list[Offering] = field(default_factory=list)

    @property
    def exchange_places(self) -> int:
        return sum(o.exchange_places or 0 for o in self.offerings if o.open_for_exchange)

    @property
    def open_for_exchange(self) -> bool:
        return any(o.open_for_exchange for o in self.offerings)


def _field_score(source: set[str], candidate: set[str]) -> tuple[int, str]:
    """3 for a shared detailed (4-digit) field, 2 for a shared narrow (3-digit), 1 for a shared broad (2-digit)."""
    for length, points in ((4, 3), (3, 2), (2, 1)):
        mine = {code[:length] for code in source if len(code) >= length}
        theirs = {code[:length] for code in candidate if len(code) >= length}
        shared = mine & theirs
        if shared:
            return points, sorted(shared)[0]
    return 0, ""


def _role_ids(programme_ids: list[int]) -> dict[int, set[int]]:
    """Accepted battery-role tags per programme (empty when the skills app has none)."""
    try:
        from battery_region.skills.selectors import accepted_role_ids_by_programme
    except ImportError:
        return {}
    return accepted_role_ids_by_programme(programme_ids)


def programme_counterparts(programme: Programme, *, limit: int = 30) -> list[Counterpart]:
    country = OTHER_COUNTRY.get(programme.provider.country)
    if country is None:
        return []
    my_fields = set(programme.isced_fields.values_list("code", flat=True))
    candidates = Programme.objects.published().filter(provider__country=country).select_related("provider")
    if programme.eqf_level is not None:
        candidates = candidates.filter(
            Q(eqf_level__isnull=True)
            | Q(eqf_level__gte=programme.eqf_level - 1, eqf_level__lte=programme.eqf_level + 1)
        )
    broad = {code[:2] for code in my_fields}
    my_roles = _role_ids([programme.pk]).get(programme.pk, set())
    field_match = Q()
    for prefix in broad:
        field_match |= Q(isced_fields__code__startswith=prefix)
    role_ids_by_programme: dict[int, set[int]] = {}
    if my_roles:
        role_ids_by_programme = _role_ids(list(candidates.values_list("pk", flat=True)))
        role_match = Q(pk__in=[pk for pk, roles in role_ids_by_programme.items() if roles & my_roles])
    else:
        role_match = Q(pk__in=[])
    if not broad and not my_roles:
        return []
    candidates = (
        candidates.filter(field_match | role_match)
        .distinct()
        .prefetch_related(
            "isced_fields",
            Prefetch(
                "offerings",
                queryset=Offering.objects.published().prefetch_related("application_windows"),
                to_attr="current_offerings",
            ),
        )
    )
    results = []
    for candidate in candidates:
        score, reasons = 0, []
        points, code = _field_score(my_fields, {f.code for f in candidate.isced_fields.all()})
        if points:
            score += points
            reasons.append(f"ISCED-F {code}")
        shared_roles = role_ids_by_programme.get(candidate.pk, set()) & my_roles
        if shared_roles:
            score += 3 * len(shared_roles)
            reasons.append(f"roles:{len(shared_roles)}")
        if programme.eqf_level is not None and candidate.eqf_level == programme.eqf_level:
            score += 2
            reasons.append(f"EQF {candidate.eqf_level}")
        elif candidate.eqf_level is not None:
            score += 1
            reasons.append(f"EQF {candidate.eqf_level}")
        results.append(
            Counterpart(
                programme=candidate,
                score=score,
                reasons=reasons,
                offerings=list(getattr(candidate, "current_offerings", [])),
            )
        )
    results.sort(key=lambda c: (-c.score, str(c.programme)))
    return results[:limit]
