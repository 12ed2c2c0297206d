"""Every write of the skills app: shipped roles, ESCO links, and programme tags (permission, audit, save).

Other apps call:
- `programme_tags_suggest(programme_ids=[…], actor=None)` after importing programmes (suggestions only);
- `roles_load()` (via `demo.load()` or `manage.py load_roles`) to install the shipped stages and roles.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from battery_region.catalogue.models import Programme
from battery_region.core.audit import audit_entry, audit_record, snapshot
from battery_region.core.models import AuditEntry
from battery_region.core.translation import LANGUAGE_CODES
from battery_region.organisations.access import require_edit
from battery_region.skills import matching
from battery_region.skills.models import (
    EscoConcept,
    EscoImportRun,
    ProgrammeTag,
    RelationType,
    Role,
    RoleOccupation,
    RoleSkill,
    ValueChainStage,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
STAGES_FILE = DATA_DIR / "stages.json"
ROLES_FILE = DATA_DIR / "roles.json"
URI_RE = re.compile(r"^http://data\.europa\.eu/esco/(occupation|skill)/[0-9a-f-]{36}$")

# How many suggestions one programme gets at most: enough to be useful, few enough to review.
MAX_ROLE_SUGGESTIONS = 8
MAX_SKILL_SUGGESTIONS = 15


# --- ESCO links of roles -----------------------------------------------------------------------------------


def role_links_resolve() -> tuple[int, list[str]]:
    """Point role links whose ESCO URI is now imported at their concept; return (resolved, still missing)."""
    resolved = 0
    missing: list[str] = []
    link_models: tuple[tuple[Any, str, str, str], ...] = (
        (RoleOccupation, "occupation", "occupation_uri", EscoConcept.Kind.OCCUPATION),
        (RoleSkill, "skill", "skill_uri", EscoConcept.Kind.SKILL),
    )
    for model, fk, uri_field, kind in link_models:
        pending = list(model.objects.filter(**{f"{fk}__isnull": True}))
        if not pending:
            continue
        uris = {getattr(link, uri_field) for link in pending}
        ids = dict(EscoConcept.objects.filter(uri__in=uris, kind=kind).values_list("uri", "id"))
        changed = []
        for link in pending:
            concept_id = ids.get(getattr(link, uri_field))
            if concept_id is None:
                missing.append(getattr(link, uri_field))
            else:
                setattr(link, f"{fk}_id", concept_id)
                changed.append(link)
        if changed:
            model.objects.bulk_update(changed, [fk], batch_size=500)
            resolved += len(changed)
    return resolved, sorted(set(missing))


# --- shipped stages and roles --------------------------------------------------------------------------------


@dataclass
class RolesLoadReport:
    stages: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    roles: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    links: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "removed": 0})
    resolved: int = 0
    unresolved: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        numbers = [self.stages["created"], self.stages["updated"], self.roles["created"], self.roles["updated"]]
        return any(numbers) or any(self.links.values()) or bool(self.resolved)

    def lines(self) -> list[str]:
        def fmt(numbers: dict[str, int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in numbers.items())

        out = [f"stages: {fmt(self.stages)}", f"roles: {fmt(self.roles)}", f"ESCO links: {fmt(self.links)}"]
        if self.resolved:
            out.append(f"links resolved to imported ESCO concepts: {self.resolved}")
        if self.unresolved:
            out.append(
                f"{len(self.unresolved)} ESCO URI(s) not imported yet; they are linked when ESCO is imported "
                "(manage.py import_esco)"
            )
        return out


class RolesDataError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _text(value: Any) -> dict[str, str]:
    value = value or {}
    return {code: str(value.get(code) or "") for code in LANGUAGE_CODES}


def read_roles_data(
    stages_file: Path = STAGES_FILE, roles_file: Path = ROLES_FILE
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Read and check the shipped data files; raise `RolesDataError` listing every problem."""
    stages_doc = json.loads(stages_file.read_text(encoding="utf-8"))
    roles_doc = json.loads(roles_file.read_text(encoding="utf-8"))
    stages: list[dict[str, Any]] = stages_doc["stages"]
    roles: list[dict[str, Any]] = roles_doc["roles"]
    problems: list[str] = []
    stage_slugs = {stage["slug"] for stage in stages}
    seen: set[str] = set()
    for index, role in enumerate(roles, start=1):
        ref = f"{roles_file.name} role {index} ({role.get('slug', '?')})"
        slug = role.get("slug") or ""
        if not slug or slug in seen:
            problems.append(f"{ref}: missing or repeated slug")
        seen.add(slug)
        if role.get("stage") not in stage_slugs:
            problems.append(f"{ref}: unknown stage {role.get('stage')!r}")
        eqf = role.get("eqf") or []
        if len(eqf) != 2 or not all(isinstance(v, int) and 1 <= v <= 8 for v in eqf) or eqf[0] > eqf[1]:
            problems.append(f"{ref}: eqf must be [from, to] within 1–8")
        if not all(_text(role.get("name")).values()):
            problems.append(f"{ref}: the name needs fi, sv and en")
        if not (role.get("source") or "").strip():
            problems.append(f"{ref}: every role cites its source")
        if not role.get("occupations"):
            problems.append(f"{ref}: at least one ESCO occupation (or nearest occupation) is needed")
        for link in role.get("occupations", []):
            if not URI_RE.match(link.get("uri", "")) or "/occupation/" not in link["uri"]:
                problems.append(f"{ref}: {link.get('uri')!r} is not an ESCO occupation URI")
        for link in role.get("skills", []):
            if not URI_RE.match(link.get("uri", "")) or "/skill/" not in link["uri"]:
                problems.append(f"{ref}: {link.get('uri')!r} is not an ESCO skill URI")
            if link.get("importance") not in RelationType.values:
                problems.append(f"{ref}: importance of {link.get('uri')} must be essential or optional")
    if problems:
        raise RolesDataError(problems)
    return stages, roles


def _assign(instance: Any, values: dict[str, Any], *, reset: bool) -> None:
    """Shipped values replace the current ones on reset; otherwise they only fill empty fields, so
    corrections made in the admin survive a re-load."""
    for name, value in values.items():
        if reset or getattr(instance, name, None) in (None, ""):
            setattr(instance, name, value)


def _save_audited(instance: Any, before: dict[str, Any] | None, actor: Any, counts: dict[str, int]) -> None:
    instance.full_clean()
    if before is None:
        instance.save()
        audit_record(actor=actor, action="create", instance=instance, after=snapshot(instance))
        counts["created"] += 1
    elif snapshot(instance) != before:
        instance.save()
        audit_record(actor=actor, action="update", instance=instance, before=before, after=snapshot(instance))
        counts["updated"] += 1
    else:
        counts["unchanged"] += 1


def _sync_links(
    role: Role,
    model: Any,
    uri_field: str,
    wanted: list[dict[str, Any]],
    *,
    reset: bool,
    actor: Any,
    report: RolesLoadReport,
) -> None:
    existing = {getattr(link, uri_field): link for link in model.objects.filter(role=role)}
    wanted_uris = set()
    created, updated = [], []
    for item in wanted:
        uri = item["uri"]
        wanted_uris.add(uri)
        values: dict[str, Any] = {"label": item.get("label", "")[:300]}
        if model is RoleOccupation:
            values["is_nearest"] = bool(item.get("nearest", False))
        else:
            values["importance"] = item.get("importance", RelationType.ESSENTIAL)
            values["linked_in_esco"] = bool(item.get("linked_in_esco", True))
        link = existing.get(uri)
        if link is None:
            model.objects.create(role=role, **{uri_field: uri}, **values)
            created.append(uri)
        elif reset and any(getattr(link, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(link, key, value)
            link.save()
            updated.append(uri)
    removed = []
    if reset:
        for uri, link in existing.items():
            if uri not in wanted_uris:
                link.delete()
                removed.append(uri)
    if created or updated or removed:
        audit_record(
            actor=actor,
            action="update",
            instance=role,
            before={uri_field: sorted(existing)},
            after={uri_field: sorted((set(existing) | set(created)) - set(removed))},
            message=f"ESCO links: {len(created)} added, {len(updated)} changed, {len(removed)} removed",
        )
    report.links["created"] += len(created)
    report.links["updated"] += len(updated)
    report.links["removed"] += len(removed)


@transaction.atomic
def roles_load(
    *, actor: Any = None, reset: bool = False, stages_file: Path | None = None, roles_file: Path | None = None
) -> RolesLoadReport:
    """Install the shipped value-chain stages and battery roles (idempotent).

    Missing stages, roles and ESCO links are created; existing ones keep edits made in the admin unless
    `reset` restores the shipped data. Only platform administrators (or system jobs, actor=None) may load.
    """
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("Only platform administrators load the shipped roles.")
    stages_file = stages_file or STAGES_FILE
    roles_file = roles_file or ROLES_FILE
    stage_rows, role_rows = read_roles_data(stages_file, roles_file)
    source = json.loads(stages_file.read_text(encoding="utf-8")).get("source", "")
    report = RolesLoadReport()
    stages: dict[str, ValueChainStage] = {}
    for position, row in enumerate(stage_rows, start=1):
        stage = ValueChainStage.objects.filter(slug=row["slug"]).first()
        before = snapshot(stage) if stage else None
        stage = stage or ValueChainStage(slug=row["slug"])
        values: dict[str, Any] = {"position": position, "source": source[:300]}
        values.update({f"name_{code}": text for code, text in _text(row.get("name")).items()})
        values.update({f"description_{code}": text for code, text in _text(row.get("description")).items()})
        _assign(stage, values, reset=reset or before is None)
        _save_audited(stage, before, actor, report.stages)
        stages[stage.slug] = stage
    for position, row in enumerate(role_rows, start=1):
        role = Role.objects.filter(slug=row["slug"]).first()
        before = snapshot(role) if role else None
        role = role or Role(slug=row["slug"])
        values = {
            "position": row.get("table_row") or position,
            "stage": stages[row["stage"]],
            "eqf_min": row["eqf"][0],
            "eqf_max": row["eqf"][1],
            "is_local": bool(row.get("local")),
            "source": row["source"],
        }
        for name in ("name", "description", "keywords"):
            values.update({f"{name}_{code}": text for code, text in _text(row.get(name)).items()})
        if before is not None and not reset:
            values.pop("stage")  # a stage moved in the admin stays moved
        _assign(role, values, reset=reset or before is None)
        _save_audited(role, before, actor, report.roles)
        _sync_links(role, RoleOccupation, "occupation_uri", row["occupations"], reset=reset, actor=actor, report=report)
        _sync_links(role, RoleSkill, "skill_uri", row.get("skills", []), reset=reset, actor=actor, report=report)
    report.resolved, report.unresolved = role_links_resolve()
    return report


# --- programme tags ----------------------------------------------------------------------------------------


def _target_kwargs(*, stage: ValueChainStage | None, role: Role | None, skill: EscoConcept | None) -> dict[str, Any]:
    targets = {"stage": stage, "role": role, "skill": skill}
    given = {name: value for name, value in targets.items() if value is not None}
    if len(given) != 1:
        raise ValueError("Tag exactly one of stage, role or skill.")
    if skill is not None and skill.kind != EscoConcept.Kind.SKILL:
        raise ValidationError({"skill": "Choose an ESCO skill, not an occupation or group."})
    return given


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def programme_tag_add(
    *,
    actor: Any,
    programme: Programme,
    stage: ValueChainStage | None = None,
    role: Role | None = None,
    skill: EscoConcept | None = None,
) -> ProgrammeTag:
    """Tag a programme by hand (accepted at once); an earlier suggestion or rejection becomes accepted.

    `actor=None` is a system job (demo content, data migrations); people always pass their user.
    """
    if actor is not None:
        require_edit(actor, programme)
    target = _target_kwargs(stage=stage, role=role, skill=skill)
    now = timezone.now()
    tag = ProgrammeTag.objects.select_for_update().filter(programme=programme, **target).first()
    if tag is not None:
        if tag.status == ProgrammeTag.Status.ACCEPTED:
            return tag
        before = snapshot(tag)
        tag.status = ProgrammeTag.Status.ACCEPTED
        tag.decided_by = _user_or_none(actor)
        tag.decided_at = now
        tag.save()
        audit_record(actor=actor, action="update", instance=tag, before=before, after=snapshot(tag))
        return tag
    tag = ProgrammeTag(
        programme=programme,
        status=ProgrammeTag.Status.ACCEPTED,
        origin=ProgrammeTag.Origin.MANUAL,
        suggested_by=_user_or_none(actor),
        decided_by=_user_or_none(actor),
        decided_at=now,
        **target,
    )
    tag.full_clean()
    tag.save()
    audit_record(actor=actor, action="create", instance=tag, after=snapshot(tag))
    return tag


@transaction.atomic
def programme_tag_decide(*, actor: Any, tag: ProgrammeTag, accept: bool) -> ProgrammeTag:
    """Accept or reject a tag (normally a suggestion); rejected suggestions are not suggested again."""
    require_edit(actor, tag.programme)
    status = ProgrammeTag.Status.ACCEPTED if accept else ProgrammeTag.Status.REJECTED
    if tag.status == status:
        return tag
    before = snapshot(tag)
    tag.status = status
    tag.decided_by = _user_or_none(actor)
    tag.decided_at = timezone.now()
    tag.save()
    audit_record(actor=actor, action="update", instance=tag, before=before, after=snapshot(tag))
    return tag


@transaction.atomic
def programme_tag_remove(*, actor: Any, tag: ProgrammeTag) -> None:
    """Remove a tag entirely (a suggestion removed this way may be suggested again later)."""
    require_edit(actor, tag.programme)
    audit_record(actor=actor, action="delete", instance=tag, before=snapshot(tag))
    tag.delete()


# --- suggestions -------------------------------------------------------------------------------------------

_index_cache: dict[str, Any] = {}


def _index_version() -> tuple[Any, ...]:
    skills = EscoConcept.objects.skills().aggregate(last=Max("id"))
    roles = Role.objects.aggregate(changed=Max("updated_at"))
    return (
        skills["last"],
        EscoConcept.objects.skills().count(),
        EscoImportRun.objects.aggregate(last=Max("id"))["last"],
        roles["changed"],
        Role.objects.count(),
        RoleOccupation.objects.filter(occupation__isnull=False).count(),
        matching.analyser_name(),
    )


def _split_keywords(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n]", text or "") if part.strip()]


def _labels() -> Iterable[matching.Label]:
    for role in Role.objects.all():
        for code in LANGUAGE_CODES:
            name = getattr(role, f"name_{code}") or ""
            for part in name.split(" / "):
                if part.strip():
                    yield matching.Label(("role", role.pk), part.strip(), code, "name")
            for keyword in _split_keywords(getattr(role, f"keywords_{code}") or ""):
                yield matching.Label(("role", role.pk), keyword, code, "keyword")
    occupation_roles: dict[int, set[int]] = defaultdict(set)
    for role_id, occupation_id in RoleOccupation.objects.filter(occupation__isnull=False).values_list(
        "role_id", "occupation_id"
    ):
        occupation_roles[occupation_id].add(role_id)
    label_columns = [f"{name}_{code}" for code in LANGUAGE_CODES for name in ("preferred_label", "alt_labels")]
    for row in EscoConcept.objects.filter(pk__in=list(occupation_roles)).values("id", *label_columns):
        for code in LANGUAGE_CODES:
            texts = [row[f"preferred_label_{code}"], *(row[f"alt_labels_{code}"] or "").splitlines()]
            for text in texts:
                if text and text.strip():
                    for role_id in occupation_roles[row["id"]]:
                        yield matching.Label(("role", role_id), text.strip(), code, "occupation")
    for row in EscoConcept.objects.skills().values("id", *label_columns).iterator(chunk_size=2000):
        for code in LANGUAGE_CODES:
            preferred = row[f"preferred_label_{code}"]
            if preferred:
                yield matching.Label(("skill", row["id"]), preferred, code, "preferred")
            for alt in (row[f"alt_labels_{code}"] or "").splitlines():
                if alt.strip():
                    yield matching.Label(("skill", row["id"]), alt.strip(), code, "alternative")


def suggestion_index() -> matching.LabelIndex:
    """The label index, rebuilt only when roles, their ESCO links or the ESCO skills have changed."""
    version = _index_version()
    if _index_cache.get("version") != version:
        _index_cache["index"] = matching.LabelIndex(_labels())
        _index_cache["version"] = version
    index: matching.LabelIndex = _index_cache["index"]
    return index


def programme_texts(programme: Programme) -> dict[str, list[str]]:
    """The programme's texts per language; keywords carry no language, so every language gets them."""
    texts: dict[str, list[str]] = {}
    for code in LANGUAGE_CODES:
        parts = [
            getattr(programme, f"{name}_{code}") or ""
            for name in ("title", "qualification_title", "description", "learning_outcomes")
        ]
        parts.append(programme.keywords or "")
        texts[code] = [part for part in parts if part.strip()]
    return texts


def _role_skill_weights() -> dict[int, float]:
    """Skills that battery roles need rank above the rest of ESCO."""
    weights: dict[int, float] = {}
    for skill_id, importance in RoleSkill.objects.filter(skill__isnull=False).values_list("skill_id", "importance"):
        bonus = 3.0 if importance == RelationType.ESSENTIAL else 1.5
        weights[skill_id] = max(weights.get(skill_id, 0.0), bonus)
    return weights


@transaction.atomic
def programme_tags_suggest(*, programme_ids: list[int], actor: Any = None) -> int:
    """Suggest roles and ESCO skills for programmes from their texts; return how many suggestions were made.

    Only suggestions are written (status "suggested", with the matched words as the reason); targets the
    programme already has in any status, including rejected ones, are left alone. A user as `actor` must be
    allowed to edit every programme; the catalogue's import writer passes actor=None.
    """
    index = suggestion_index()
    if not index.size and actor is None:  # no roles or skills loaded: nothing to suggest, nothing to check
        return 0
    programmes = list(Programme.objects.filter(pk__in=programme_ids).select_related("provider").defer("raw_payload"))
    if actor is not None:
        for programme in programmes:
            require_edit(actor, programme)
    if not programmes:
        return 0
    weights = _role_skill_weights()
    existing: dict[int, set[tuple[str, int]]] = defaultdict(set)
    for programme_id, role_id, skill_id in ProgrammeTag.objects.filter(
        programme_id__in=[p.pk for p in programmes]
    ).values_list("programme_id", "role_id", "skill_id"):
        if role_id:
            existing[programme_id].add(("role", role_id))
        if skill_id:
            existing[programme_id].add(("skill", skill_id))
    user = _user_or_none(actor)
    tags: list[ProgrammeTag] = []
    entries: list[AuditEntry] = []
    for programme in programmes:
        matches = index.match(programme_texts(programme))
        for match in matches:
            if match.target[0] == "skill":
                match.score += weights.get(match.target[1], 0.0)
        matches.sort(key=lambda m: (-m.score, m.target))
        chosen = [m for m in matches if m.target[0] == "role" and m.target not in existing[programme.pk]]
        chosen = chosen[:MAX_ROLE_SUGGESTIONS]
        skills = [m for m in matches if m.target[0] == "skill" and m.target not in existing[programme.pk]]
        chosen += skills[:MAX_SKILL_SUGGESTIONS]
        if not chosen:
            continue
        tags += [
            ProgrammeTag(
                programme=programme,
                status=ProgrammeTag.Status.SUGGESTED,
                origin=ProgrammeTag.Origin.SUGGESTION,
                reason=match.reason[:2000],
                evidence=[item.as_dict() for item in match.evidence],
                suggested_by=user,
                **{f"{match.target[0]}_id": match.target[1]},
            )
            for match in chosen
        ]
        entries.append(
            audit_entry(
                actor=actor,
                action="action",
                instance=programme,
                after={"suggested_tags": [f"{m.target[0]}:{m.target[1]}" for m in chosen]},
                message=f"{len(chosen)} tag suggestion(s) from the programme texts ({matching.analyser_name()})",
            )
        )
    # Saved together: an import suggests for thousands of programmes, one INSERT each was most of the time.
    ProgrammeTag.objects.bulk_create(tags, batch_size=500)
    AuditEntry.objects.bulk_create(entries, batch_size=500)
    return len(tags)
