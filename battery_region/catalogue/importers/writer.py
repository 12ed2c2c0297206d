"""The one writer: validate every parsed item first, then write all of them in one transaction.

    report = run_import(lambda: parse(path), actor=user_or_None, dry_run=False, progress=None)

`items` is a zero-argument callable returning an iterator of parsed items. Pass 1 validates everything,
keeps only identifiers in memory and spools the parsed records to a temporary file; pass 2 runs only when
pass 1 found no problem and writes the spooled records in one transaction, in batches. A dry run performs
pass 2 too and rolls it back, so its counts are exact.

Idempotency: every record's content hash is stored; a re-import of identical data touches nothing and is
counted "unchanged". Changed records are updated and each update is written to the audit trail with the
fields' before/after values.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from battery_region.catalogue import hooks
from battery_region.catalogue.importers.fast_insert import fast_insert, row_factory
from battery_region.catalogue.importers.records import (
    OfferingRecord,
    ParsedItem,
    Problem,
    ProgrammeRecord,
    ProviderRecord,
)
from battery_region.catalogue.importers.spool import Spool
from battery_region.catalogue.importers.validation import (
    validate_offering,
    validate_programme,
    validate_provider,
)
from battery_region.catalogue.models import ApplicationWindow, ImportRun, IscedField, Offering, Programme
from battery_region.core.audit import audit_entry, audit_record, diff, snapshot
from battery_region.core.models import AuditEntry
from battery_region.core.sourced import EncodedJSON, canonical_json
from battery_region.organisations.models import Organisation

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
MAX_PROBLEMS = 1000  # beyond this the report says how many more there were
Progress = Callable[[int], None]

_PROGRAMME_FIELDS = (
    "title",
    "description",
    "learning_outcomes",
    "qualification_title",
)
_PROGRAMME_PLAIN = (
    "kind",
    "national_type",
    "national_code",
    "is_vocational",
    "leads_to_qualification",
    "isced_level",
    "eqf_level",
    "nqf_level",
    "nqf_framework",
    "credits_value",
    "credits_min",
    "credits_max",
    "credits_system",
    "source_url",
    "source_modified",
    "published",
)
_OFFERING_TEXT = ("title", "description")
_OFFERING_PLAIN = (
    "country",
    "region",
    "municipality_code",
    "place_name",
    "start_precision",
    "start_date",
    "end_date",
    "start_year",
    "start_season",
    "duration",
    "pace",
    "pace_percent",
    "mode",
    "fee_amount",
    "fee_currency",
    "places",
    "status",
    "open_for_exchange",
    "exchange_places",
    "url",
    "source_url",
    "source_modified",
)


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)
    problems_omitted: int = 0
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: {"created": 0, "updated": 0, "unchanged": 0})
    )
    dry_run: bool = False
    records_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def add_problem(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.problems_omitted += 1

    def count(self, kind: str, status: str, n: int = 1) -> None:
        self.counts[kind][status] += n

    @property
    def count_rows(self) -> list[tuple[str, dict[str, int]]]:
        """(kind, counts) pairs for templates (a defaultdict would answer a template's `.items` lookup)."""
        return sorted((kind, dict(counts)) for kind, counts in self.counts.items())

    def problem_lines(self) -> list[dict[str, str]]:
        """Problems in the active language: record, field and message."""
        return [
            {
                "record": p.ref,
                "field": p.field,
                "message": gettext(p.message) % p.params if p.params else gettext(p.message),
            }
            for p in self.problems
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "records_read": self.records_read,
            "counts": {k: dict(v) for k, v in self.counts.items()},
            "problems": self.problem_lines(),
            "problems_omitted": self.problems_omitted,
        }


class _RollbackError(Exception):
    """Raised inside the write transaction to undo a dry run."""


class _AbortError(Exception):
    """Raised inside the write transaction when pass 2 finds a problem pass 1 could not see."""


def _key(record: ProviderRecord | ProgrammeRecord | OfferingRecord) -> tuple[str, str]:
    return (record.source, record.source_id)


def _record_hash(record: ProgrammeRecord | OfferingRecord | ProviderRecord) -> str:
    """Hash of the normalised fields and the raw payload; `ref` (where the record sat in the file) is left out,
    so the same data in another position or file is still "unchanged". A pre-encoded payload is hashed as its
    bytes rather than encoded again."""
    ref, raw = record.ref, record.raw
    encoded = raw if isinstance(raw, EncodedJSON) else None
    record.ref = ""
    if encoded is not None:
        record.raw = {}
    try:
        digest = hashlib.sha256(canonical_json(record))
    finally:
        record.ref, record.raw = ref, raw
    if encoded is not None:
        digest.update(b"\x00")
        digest.update(encoded.data)
    return digest.hexdigest()


def _validate(
    items: Iterable[ParsedItem], report: ReportProgress, permitted: set[int] | None = None
) -> dict[tuple[str, str], str]:
    """Pass 1: every record checked; references between records and to the database resolved.

    Returns the providers inferred for programmes that name none (Susa-navet's EducationInfo does not; its
    events do): the provider of the programme's first offering in the import.
    """
    seen: dict[str, set[tuple[str, str]]] = {"provider": set(), "programme": set(), "offering": set()}
    wanted_providers: dict[tuple[str, str], str] = {}
    wanted_programmes: dict[tuple[str, str], str] = {}
    orphans: dict[tuple[str, str], str] = {}
    offering_providers: dict[tuple[str, str], str] = {}
    rep = report.report
    for item in items:
        report.tick()
        if isinstance(item, Problem):
            rep.add_problem(item)
            continue
        if isinstance(item, ProviderRecord):
            kind, problems = "provider", validate_provider(item)
            if permitted is not None:
                problems.append(
                    Problem(
                        item.ref, "provider", gettext_noop("Only platform administrators may import organisations.")
                    )
                )
        elif isinstance(item, ProgrammeRecord):
            kind, problems = "programme", validate_programme(item)
            if item.provider_source_id:
                wanted_providers.setdefault((item.source, item.provider_source_id), item.ref)
            else:
                orphans[_key(item)] = item.ref
        elif isinstance(item, OfferingRecord):
            kind, problems = "offering", validate_offering(item)
            wanted_programmes.setdefault((item.source, item.programme_source_id), item.ref)
            if item.provider_source_id:
                wanted_providers.setdefault((item.source, item.provider_source_id), item.ref)
                offering_providers.setdefault((item.source, item.programme_source_id), item.provider_source_id)
        else:  # pragma: no cover - a parser bug, reported rather than crashing
            rep.add_problem(Problem("?", "", gettext_noop("The parser produced an unknown item.")))
            continue
        for problem in problems:
            rep.add_problem(problem)
        key = _key(item)
        if key in seen[kind]:
            rep.add_problem(
                Problem(
                    item.ref,
                    "source_id",
                    gettext_noop("The identifier %(id)s appears more than once in this import."),
                    {"id": item.source_id},
                    code="duplicate",
                )
            )
        seen[kind].add(key)

    inferred = {key: offering_providers[key] for key in orphans if key in offering_providers}
    unresolved = [key for key in orphans if key not in inferred]
    existing: set[tuple[str, str]] = set()
    for start in range(0, len(unresolved), BATCH_SIZE):
        pending = unresolved[start : start + BATCH_SIZE]
        for source in {s for s, _ in pending}:
            wanted = [i for s, i in pending if s == source]
            found = Programme.objects.filter(source=source, source_id__in=wanted).values_list("source_id", flat=True)
            existing.update((source, sid) for sid in found)
    for key in unresolved:
        if key not in existing:  # a programme already on the platform keeps its provider
            rep.add_problem(
                Problem(orphans[key], "provider", gettext_noop("The provider is missing."), code="required")
            )
    missing_providers = {k: ref for k, ref in wanted_providers.items() if k[1] and k not in seen["provider"]}
    if permitted is not None:
        for (source, source_id), ref in wanted_providers.items():
            organisation = _find_organisation(source, source_id)
            if organisation is not None and organisation.pk not in permitted:
                rep.add_problem(
                    Problem(
                        ref,
                        "provider",
                        gettext_noop("You may not edit the records of %(name)s."),
                        {"name": str(organisation)},
                        code="permission",
                    )
                )
    for (source, source_id), ref in missing_providers.items():
        if _find_organisation(source, source_id) is None:
            rep.add_problem(
                Problem(
                    ref,
                    "provider",
                    gettext_noop("Unknown provider %(id)s: it is neither in this import nor on the platform."),
                    {"id": source_id},
                )
            )
    missing_programmes = {k: ref for k, ref in wanted_programmes.items() if k[1] and k not in seen["programme"]}
    by_source: dict[str, list[str]] = defaultdict(list)
    for source, source_id in missing_programmes:
        pk = _pk(source_id)
        if pk is not None:
            if not Programme.objects.filter(pk=pk).exists():
                rep.add_problem(
                    Problem(
                        missing_programmes[(source, source_id)],
                        "programme",
                        gettext_noop("Unknown programme %(id)s: it is neither in this import nor on the platform."),
                        {"id": source_id},
                    )
                )
            continue
        by_source[source].append(source_id)
    for source, ids in by_source.items():
        known: set[str] = set()
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start : start + BATCH_SIZE]
            known.update(
                Programme.objects.filter(source=source, source_id__in=chunk).values_list("source_id", flat=True)
            )
        for source_id in ids:
            if source_id not in known:
                rep.add_problem(
                    Problem(
                        missing_programmes[(source, source_id)],
                        "programme",
                        gettext_noop("Unknown programme %(id)s: it is neither in this import nor on the platform."),
                        {"id": source_id},
                    )
                )
    return inferred


PK_PREFIX = "pk:"  # a reference by primary key, used by the API for records already on the platform


def _pk(reference: str) -> int | None:
    if reference.startswith(PK_PREFIX) and reference[len(PK_PREFIX) :].isdigit():
        return int(reference[len(PK_PREFIX) :])
    return None


def _find_organisation(source: str, source_id: str) -> Organisation | None:
    """A provider reference: `pk:N`, the organisation imported from the same source, else one with that slug."""
    pk = _pk(source_id)
    if pk is not None:
        return Organisation.objects.filter(pk=pk).first()
    organisation = Organisation.objects.filter(source=source, source_id=source_id).first()
    if organisation is None:
        organisation = Organisation.objects.filter(slug=source_id).first()
    return organisation


class ReportProgress:
    """Counts items read and forwards progress to a callback (a tqdm bar or an ImportRun row)."""

    def __init__(self, report: ImportReport, progress: Progress | None) -> None:
        self.report = report
        self.progress = progress
        self.n = 0

    def tick(self) -> None:
        self.n += 1
        if self.progress is not None and self.n % 100 == 0:
            self.progress(self.n)


class _Writer:
    """Pass 2: batched upserts; references resolved through small caches."""

    def __init__(
        self,
        report: ImportReport,
        actor: Any,
        permitted: set[int] | None = None,
        inferred_providers: dict[tuple[str, str], str] | None = None,
    ) -> None:
        self.report = report
        self.actor = actor
        self.permitted = permitted
        self.inferred_providers = inferred_providers or {}
        self.organisations: dict[tuple[str, str], int | None] = {}
        self.programmes: dict[tuple[str, str], int] = {}
        self.programme_providers: dict[int, int] = {}
        self.isced: dict[str, int] = dict(IscedField.objects.values_list("code", "pk"))
        self.programme_buffer: list[ProgrammeRecord] = []
        self.offering_buffer: list[OfferingRecord] = []
        self.deferred_offerings: list[OfferingRecord] = []
        self.deferred_programmes: list[ProgrammeRecord] = []
        self.indexed_offerings: set[int] = set()
        self.touched_programmes: list[int] = []
        self.now = timezone.now()

    # --- providers ------------------------------------------------------------------------------------
    def provider(self, record: ProviderRecord) -> None:
        from battery_region.organisations.services import organisation_upsert_from_source

        data: dict[str, Any] = {
            "kind": record.kind,
            "country": record.country,
            "region": record.region,
            "municipality_code": record.municipality_code,
            "website": record.website,
        }
        for code in ("fi", "sv", "en"):
            data[f"name_{code}"] = record.name.get(code, "") or ""
            data[f"description_{code}"] = record.description.get(code, "") or ""
        if not data["name_fi"]:  # Finnish is the required column: fall back to another language's name
            data["name_fi"] = record.name.get("sv") or record.name.get("en") or record.source_id
        organisation, status = organisation_upsert_from_source(
            actor=None, source=record.source, source_id=record.source_id, data=data
        )
        self.organisations[_key(record)] = organisation.pk
        self.report.count("provider", status)

    def organisation_id(self, source: str, source_id: str) -> int | None:
        key = (source, source_id)
        if key not in self.organisations:
            organisation = _find_organisation(source, source_id)
            self.organisations[key] = organisation.pk if organisation is not None else None
        return self.organisations[key]

    def _guard(self, provider_id: int, ref: str) -> None:
        """An upload may not overwrite another organisation's record that happens to share its identifier."""
        if self.permitted is not None and provider_id not in self.permitted:
            self.report.add_problem(
                Problem(
                    ref,
                    "source_id",
                    gettext_noop("This identifier belongs to another organisation's record; use another one."),
                    code="permission",
                )
            )
            raise _AbortError

    # --- programmes -----------------------------------------------------------------------------------
    def isced_id(self, code: str) -> int:
        if code not in self.isced:
            self.isced[code] = IscedField.objects.get_or_create(code=code)[0].pk
        return self.isced[code]

    def flush_programmes(self, records: list[ProgrammeRecord]) -> None:
        if not records:
            return
        ready = []
        for record in records:
            if not record.provider_source_id:
                record.provider_source_id = self.inferred_providers.get(_key(record), "")
            if record.provider_source_id and self.organisation_id(record.source, record.provider_source_id) is None:
                self.deferred_programmes.append(record)
            else:
                ready.append(record)
        by_source: dict[str, list[ProgrammeRecord]] = defaultdict(list)
        for record in ready:
            by_source[record.source].append(record)
        for group in by_source.values():
            create, update = self._upsert(
                Programme, "programme", group, self._fill_programme, self._programme_columns(), self._remember_programme
            )
            changed = create + update
            self._set_isced(changed, [p.pk for p, _ in update])
            for programme, _record in changed:
                self._remember_programme(programme)
                self.touched_programmes.append(programme.pk)

    def _upsert(
        self,
        model: type[Any],
        kind: str,
        group: Sequence[ProgrammeRecord] | Sequence[OfferingRecord],
        fill: Callable[[Any, Any, str], None],
        columns: list[str],
        on_unchanged: Callable[[Any], None] | None = None,
    ) -> tuple[list[tuple[Any, Any]], list[tuple[Any, Any]]]:
        """Create the new records of one source, update the changed ones (audited with their diffs) and count
        the unchanged ones; returns (created, updated) pairs of (instance, record) with primary keys set."""
        source = group[0].source
        wanted = [r.source_id for r in group]
        existing = {
            o.source_id: o for o in model.objects.filter(source=source, source_id__in=wanted).defer("raw_payload")
        }
        create: list[tuple[Any, Any]] = []
        update: list[tuple[Any, Any]] = []
        audits: list[AuditEntry | None] = []
        for record in group:
            digest = _record_hash(record)
            current = existing.get(record.source_id)
            if current is not None and current.content_hash == digest:
                self.report.count(kind, "unchanged")
                if on_unchanged is not None:
                    on_unchanged(current)
                continue
            if current is None:
                target = row_factory(model)(source=source, source_id=record.source_id)
                fill(target, record, digest)
                create.append((target, record))
            else:
                self._guard(current.provider_id, record.ref)
                before = snapshot(current)
                fill(current, record, digest)
                update.append((current, record))
                audits.append(self._audit_row(current, before))
        if create:
            fast_insert(model, [o for o, _ in create])  # returns no primary keys: read them back
            created_ids = dict(
                model.objects.filter(source=source, source_id__in=[o.source_id for o, _ in create]).values_list(
                    "source_id", "pk"
                )
            )
            for instance, _record in create:
                instance.pk = created_ids[instance.source_id]
            self.report.count(kind, "created", len(create))
        if update:
            model.objects.bulk_update([o for o, _ in update], columns, batch_size=BATCH_SIZE)
            self.report.count(kind, "updated", len(update))
            AuditEntry.objects.bulk_create([a for a in audits if a is not None], batch_size=BATCH_SIZE)
        return create, update

    def _remember_programme(self, programme: Programme) -> None:
        self.programmes[(programme.source, programme.source_id)] = programme.pk
        self.programme_providers[programme.pk] = programme.provider_id

    @staticmethod
    def _programme_columns() -> list[str]:
        names = [f"{name}_{code}" for name in _PROGRAMME_FIELDS for code in ("fi", "sv", "en")]
        return [
            *names,
            *_PROGRAMME_PLAIN,
            "keywords",
            "provider",
            "raw_payload",
            "content_hash",
            "imported_at",
            "updated_at",
        ]

    def _fill_programme(self, target: Programme, record: ProgrammeRecord, digest: str) -> None:
        for name in _PROGRAMME_FIELDS:
            text = getattr(record, name)
            for code in ("fi", "sv", "en"):
                setattr(target, f"{name}_{code}", (text.get(code) or "").strip())
        if not target.title_fi:  # the required column; fall back so the programme is never untitled
            target.title_fi = target.title_sv or target.title_en
        for name in _PROGRAMME_PLAIN:
            setattr(target, name, getattr(record, name))
        target.keywords = ", ".join(record.keywords)
        if record.provider_source_id:  # else: already on the platform and keeps its provider (pass 1 checked)
            provider_id = self.organisation_id(record.source, record.provider_source_id)
            assert provider_id is not None
            target.provider_id = provider_id
        target.raw_payload = record.raw or None
        target.content_hash = digest
        target.imported_at = self.now
        target.updated_at = self.now
        if target.pk is None:
            target.created_at = self.now

    def _set_isced(self, changed: list[tuple[Programme, ProgrammeRecord]], updated: list[int]) -> None:
        if not changed:
            return
        through = Programme.isced_fields.through
        if updated:
            through.objects.filter(programme_id__in=updated).delete()
        new_link = row_factory(through)
        rows = [
            new_link(programme_id=programme.pk, iscedfield_id=self.isced_id(code))
            for programme, record in changed
            for code in dict.fromkeys(record.isced_fields)
        ]
        fast_insert(through, rows)

    def _audit_row(self, instance: Any, before: dict[str, Any] | None) -> AuditEntry | None:
        """The unsaved audit entry of a re-imported record, None when only bookkeeping fields moved."""
        bookkeeping = ("imported_at", "updated_at", "content_hash")
        before = {k: v for k, v in (before or {}).items() if k not in bookkeeping}
        after = {k: v for k, v in snapshot(instance).items() if k not in bookkeeping}
        if not diff(before, after):
            return None
        return audit_entry(
            actor=self.actor,
            action=AuditEntry.Action.IMPORT,
            instance=instance,
            before=before,
            after=after,
            message=f"re-import from {instance.source}",
        )

    # --- offerings ------------------------------------------------------------------------------------
    def flush_offerings(self, records: list[OfferingRecord]) -> None:
        if not records:
            return
        ready = []
        missing = [r for r in records if (r.source, r.programme_source_id) not in self.programmes]
        for record in missing:
            pk = _pk(record.programme_source_id)
            if pk is not None:
                programme = Programme.objects.filter(pk=pk).values_list("pk", "provider_id").first()
                if programme is not None:
                    self.programmes[(record.source, record.programme_source_id)] = programme[0]
                    self.programme_providers[programme[0]] = programme[1]
        missing = [r for r in missing if (r.source, r.programme_source_id) not in self.programmes]
        if missing:
            for source in {r.source for r in missing}:
                ids = [r.programme_source_id for r in missing if r.source == source]
                for pk, source_id, provider_id in Programme.objects.filter(
                    source=source, source_id__in=ids
                ).values_list("pk", "source_id", "provider_id"):
                    self.programmes[(source, source_id)] = pk
                    self.programme_providers[pk] = provider_id
        for record in records:
            if (record.source, record.programme_source_id) in self.programmes:
                ready.append(record)
            else:
                self.deferred_offerings.append(record)
        by_source: dict[str, list[OfferingRecord]] = defaultdict(list)
        for record in ready:
            by_source[record.source].append(record)
        for group in by_source.values():
            create, update = self._upsert(Offering, "offering", group, self._fill_offering, self._offering_columns())
            changed = create + update
            self._set_windows(changed, [o.pk for o, _ in update])
            changed_ids = [o.pk for o, _ in changed]
            hooks.offerings_changed(changed_ids)  # search index in step, batch by batch, same transaction
            self.indexed_offerings.update(changed_ids)

    @staticmethod
    def _offering_columns() -> list[str]:
        names = [f"{name}_{code}" for name in _OFFERING_TEXT for code in ("fi", "sv", "en")]
        return [
            *names,
            *_OFFERING_PLAIN,
            "teaching_languages",
            "programme",
            "provider",
            "raw_payload",
            "content_hash",
            "imported_at",
            "updated_at",
        ]

    def _fill_offering(self, target: Offering, record: OfferingRecord, digest: str) -> None:
        for name in _OFFERING_TEXT:
            text = getattr(record, name)
            for code in ("fi", "sv", "en"):
                setattr(target, f"{name}_{code}", (text.get(code) or "").strip())
        for name in _OFFERING_PLAIN:
            setattr(target, name, getattr(record, name))
        derive_start_period(target)
        target.teaching_languages = ",".join(dict.fromkeys(record.teaching_languages))
        programme_id = self.programmes[(record.source, record.programme_source_id)]
        target.programme_id = programme_id
        provider_id = None
        if record.provider_source_id:
            provider_id = self.organisation_id(record.source, record.provider_source_id)
        target.provider_id = provider_id or self.programme_providers[programme_id]
        target.raw_payload = record.raw or None
        target.content_hash = digest
        target.imported_at = self.now
        target.updated_at = self.now
        if target.pk is None:
            target.created_at = self.now

    def _set_windows(self, changed: list[tuple[Offering, OfferingRecord]], updated: list[int]) -> None:
        if not changed:
            return
        if updated:  # new offerings have no windows yet: skip the delete and its related-object collection
            ApplicationWindow.objects.filter(offering_id__in=updated).delete()
        rows = []
        new_window = row_factory(ApplicationWindow)
        for offering, record in changed:
            for window in record.application_windows:
                row = new_window(
                    offering_id=offering.pk,
                    opens=window.opens,
                    closes=window.closes,
                    continuous=window.continuous,
                    url=window.url,
                    created_at=self.now,
                    updated_at=self.now,
                )
                for code in ("fi", "sv", "en"):
                    setattr(row, f"entry_requirements_{code}", window.entry_requirements.get(code, "") or "")
                rows.append(row)
        fast_insert(ApplicationWindow, rows)

    # --- the stream -----------------------------------------------------------------------------------
    def consume(self, items: Iterable[ParsedItem], ticker: ReportProgress) -> None:
        for item in items:
            ticker.tick()
            if isinstance(item, ProviderRecord):
                self.provider(item)
            elif isinstance(item, ProgrammeRecord):
                self.programme_buffer.append(item)
                if len(self.programme_buffer) >= BATCH_SIZE:
                    self._flush_all()
            elif isinstance(item, OfferingRecord):
                self.offering_buffer.append(item)
                if len(self.offering_buffer) >= BATCH_SIZE:
                    self._flush_all()
        self._flush_all()
        # Records that referred to something later in the stream: everything is known now.
        programmes, self.deferred_programmes = self.deferred_programmes, []
        self.flush_programmes(programmes)
        offerings, self.deferred_offerings = self.deferred_offerings, []
        for start in range(0, len(offerings), BATCH_SIZE):
            self.flush_offerings(offerings[start : start + BATCH_SIZE])
        if self.deferred_programmes or self.deferred_offerings:  # validated away in pass 1; a safety net
            raise IntegrityError("unresolved references after the import")

    def _flush_all(self) -> None:
        programmes, self.programme_buffer = self.programme_buffer, []
        self.flush_programmes(programmes)
        offerings, self.offering_buffer = self.offering_buffer, []
        self.flush_offerings(offerings)


def derive_start_period(offering: Offering) -> None:
    """Exact start dates also get a year and season, so one filter serves every precision."""
    if offering.start_date is not None and offering.start_precision == Offering.StartPrecision.EXACT:
        offering.start_year = offering.start_date.year
        month = offering.start_date.month
        offering.start_season = (
            Offering.Season.SPRING
            if month <= 5
            else Offering.Season.SUMMER
            if month <= 7
            else Offering.Season.AUTUMN
            if month <= 11
            else Offering.Season.WINTER
        )


def _after_write(writer: _Writer) -> None:
    """Offerings of changed programmes get fresh search text; changed programmes get tag suggestions."""
    ids = writer.touched_programmes
    for start in range(0, len(ids), BATCH_SIZE):
        hooks.programmes_changed(ids[start : start + BATCH_SIZE], already_indexed=writer.indexed_offerings)


def run_import(
    items: Callable[[], Iterable[ParsedItem]],
    *,
    actor: Any = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    label: str = "",
    permitted_organisations: set[int] | None = None,
    run: ImportRun | None = None,
) -> ImportReport:
    """Validate, then (if valid) write every record in one transaction. See the module docstring.

    `permitted_organisations` limits an import to records of those organisations (an editor's upload);
    None means a trusted job (command line, harvest) that may write any provider's records.
    """
    with _few_collections(), Spool() as providers, Spool() as programmes, Spool() as offerings:
        spools = _KindSpools(providers, programmes, offerings)
        return _run(items, spools, actor, dry_run, progress, label, permitted_organisations, run)


@contextmanager
def _few_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often during an import.

    An import allocates millions of short-lived objects that reference counting frees; the collector's full
    passes over the long-lived heap (the identifier sets, Django's state) took about a tenth of the time.
    Objects alive before the import are frozen out of the scans; thresholds are restored afterwards. The
    settings are process-wide, so with imports running in several threads only the first one in changes them
    and only the last one out restores them.
    """
    global _relaxed_imports, _saved_thresholds
    with _gc_lock:
        if _relaxed_imports == 0:
            _saved_thresholds = gc.get_threshold()
            gc.freeze()
            first, second, third = _saved_thresholds
            gc.set_threshold(max(first, 50_000), max(second, 20), max(third, 100))
        _relaxed_imports += 1
    try:
        yield
    finally:
        with _gc_lock:
            _relaxed_imports -= 1
            if _relaxed_imports == 0:
                gc.set_threshold(*_saved_thresholds)
                gc.unfreeze()


_gc_lock = threading.Lock()
_relaxed_imports = 0
_saved_thresholds: tuple[int, int, int] = gc.get_threshold()


@dataclass
class _KindSpools:
    """Parsed records kept on disk by kind, so the write pass can go providers → programmes → offerings
    whatever order the input had, without holding records in memory while their references wait."""

    providers: Spool
    programmes: Spool
    offerings: Spool

    def tee(self, items: Iterable[ParsedItem]) -> Iterator[ParsedItem]:
        for item in items:
            if isinstance(item, ProgrammeRecord | OfferingRecord) and isinstance(item.raw, dict) and item.raw:
                # Serialise the payload once: it is hashed and stored as this text, and spools fast.
                # A copy, so the caller's record is left as it was.
                encoded = EncodedJSON.of(item.raw)
                item = item.copy()
                item.raw = encoded  # the payload, pre-encoded
            if isinstance(item, ProviderRecord):
                self.providers.append(item)
            elif isinstance(item, ProgrammeRecord):
                self.programmes.append(item)
            elif isinstance(item, OfferingRecord):
                self.offerings.append(item)
            yield item

    def __call__(self) -> Iterator[ParsedItem]:
        yield from self.providers()
        yield from self.programmes()
        yield from self.offerings()


def _run(
    items: Callable[[], Iterable[ParsedItem]],
    spool: _KindSpools,
    actor: Any,
    dry_run: bool,
    progress: Progress | None,
    label: str,
    permitted_organisations: set[int] | None,
    run: ImportRun | None,
) -> ImportReport:
    # Pass 1 parses the input once and keeps the parsed records in a disk spool; pass 2 reads the spool,
    # which is much cheaper than parsing again and keeps memory flat.
    report = ImportReport(dry_run=dry_run)
    ticker = ReportProgress(report, progress)
    inferred_providers = _validate(spool.tee(items()), ticker, permitted_organisations)
    report.records_read = ticker.n
    if not report.ok:
        return report
    writer = _Writer(report, actor, permitted_organisations, inferred_providers)
    try:
        with transaction.atomic(), hooks.many_changes():
            writer.consume(spool(), ReportProgress(report, progress))
            _after_write(writer)
            if dry_run:
                raise _RollbackError
            if any(v["created"] or v["updated"] for v in report.counts.values()):
                _audit_summary(actor, report, label, run)
    except _RollbackError:
        pass
    except _AbortError:
        report.counts.clear()
    except IntegrityError as exc:  # validation should prevent this; never leave half an import behind
        logger.exception("import rolled back")
        report.add_problem(
            Problem("?", "", gettext_noop("The database refused the import: %(error)s"), {"error": str(exc)[:200]})
        )
        report.counts.clear()
    return report


def _audit_summary(actor: Any, report: ImportReport, label: str, run: ImportRun | None = None) -> None:
    """One audit entry per import run (per-record entries exist only for updates, with their diffs)."""
    if run is not None:
        audit_record(actor=actor, action="import", instance=run, after={k: dict(v) for k, v in report.counts.items()})
        return
    run = ImportRun.objects.create(
        kind=label or "import",
        status=ImportRun.Status.SUCCEEDED,
        started_by=actor if getattr(actor, "is_authenticated", False) else None,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        progress_done=report.records_read,
        progress_total=report.records_read,
        report=report.as_dict(),
    )
    audit_record(
        actor=actor,
        action="import",
        instance=run,
        after={k: dict(v) for k, v in report.counts.items()},
        message=label or "import",
    )
