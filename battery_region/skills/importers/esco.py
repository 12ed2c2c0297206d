"""Import the official ESCO CSV package: classification files per language plus the relation files.

The package is read as published (see `shared/data/esco/SOURCES.md`): one folder per language pack with files
such as `occupations_en.csv`, `skills_en.csv`, `ISCOGroups_en.csv`, `skillGroups_en.csv`,
`skillsHierarchy_en.csv` and collections (`greenSkillsCollection_en.csv` …), and the language-independent
`occupationSkillRelations.csv`, `skillSkillRelations.csv` and `broaderRelations*Pillar.csv`. Files are found
anywhere below the given directory.

Everything is parsed and checked first; only a clean package is written, in one transaction, with bulk
inserts and updates. The concept URI is the key, so a later Finnish or Swedish pack fills the `*_fi`/`*_sv`
columns of the rows the English pack created. Re-running with the same files changes nothing and writes
nothing (not even an audit entry); a run that changes something leaves one `EscoImportRun` with its report
and one audit entry.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext, gettext_noop
from tqdm import tqdm

from battery_region.core.audit import audit_record, snapshot
from battery_region.core.translation import LANGUAGE_CODES
from battery_region.skills.models import (
    EscoBroader,
    EscoConcept,
    EscoImportRun,
    EscoOccupationSkill,
    EscoSkillRelation,
)

Kind = EscoConcept.Kind

# conceptSchemes_en.csv has fields over Python's default 128 KiB limit; nothing in ESCO comes near this.
CSV_FIELD_LIMIT = 64 * 1024 * 1024
MAX_URI = 255
MAX_LABEL = 300
MAX_CODE = 40
URI_RE = re.compile(r"^https?://\S+$")
ISCO_RE = re.compile(r"^\d{0,4}$")
SKILL_TYPES = {"", "knowledge", "skill/competence"}
REUSE_LEVELS = {"", "sector-specific", "cross-sector", "occupation-specific", "transversal"}
RELATION_TYPES = {"essential", "optional"}
BATCH = 2000

# Concepts the official ESCO v1.1.1 package refers to in its relation files but defines in no classification
# file (checked against the English pack, see the skills report). Rows pointing at one of these are skipped
# and counted in the report instead of rejecting the official package; any other unknown URI is an error.
KNOWN_UPSTREAM_GAPS: dict[str, str] = {
    "http://data.europa.eu/esco/occupation/a9e54177-a185-404d-b6e6-15663d31137e": (
        "ESCO v1.1.1: narrower occupation of 'radiographer' used by broaderRelationsOccPillar.csv and "
        "occupationSkillRelations.csv but missing from occupations_en.csv"
    ),
}


@dataclass(frozen=True)
class ConceptFileSpec:
    kind: str
    concept_type: str
    required: tuple[str, ...]


CONCEPT_FILES: dict[str, ConceptFileSpec] = {
    "ISCOGroups": ConceptFileSpec(Kind.ISCO_GROUP, "ISCOGroup", ("conceptUri", "code", "preferredLabel")),
    "occupations": ConceptFileSpec(
        Kind.OCCUPATION,
        "Occupation",
        ("conceptUri", "iscoGroup", "preferredLabel", "altLabels", "description", "code"),
    ),
    "skillGroups": ConceptFileSpec(Kind.SKILL_GROUP, "SkillGroup", ("conceptUri", "preferredLabel")),
    "skills": ConceptFileSpec(
        Kind.SKILL,
        "KnowledgeSkillCompetence",
        ("conceptUri", "skillType", "reuseLevel", "preferredLabel", "altLabels", "description"),
    ),
}
HIERARCHY_STEM = "skillsHierarchy"
HIERARCHY_LEVELS = range(4)
HIERARCHY_REQUIRED = tuple(
    name for level in HIERARCHY_LEVELS for name in (f"Level {level} URI", f"Level {level} preferred term")
)
IGNORED_STEMS = {"conceptSchemes"}

OCCUPATION_PILLAR = (Kind.OCCUPATION, Kind.ISCO_GROUP)
SKILL_PILLAR = (Kind.SKILL, Kind.SKILL_GROUP)


@dataclass(frozen=True)
class RelationFileSpec:
    key: str
    columns: tuple[str, str]
    kinds: tuple[tuple[str, ...], tuple[str, ...]]
    typed: bool


RELATION_FILES: dict[str, RelationFileSpec] = {
    "occupationSkillRelations": RelationFileSpec(
        "occupation_skill", ("occupationUri", "skillUri"), ((Kind.OCCUPATION,), (Kind.SKILL,)), True
    ),
    "skillSkillRelations": RelationFileSpec(
        "skill_skill", ("originalSkillUri", "relatedSkillUri"), ((Kind.SKILL,), (Kind.SKILL,)), True
    ),
    "broaderRelationsOccPillar": RelationFileSpec(
        "broader_occupations", ("conceptUri", "broaderUri"), (OCCUPATION_PILLAR, OCCUPATION_PILLAR), False
    ),
    "broaderRelationsSkillPillar": RelationFileSpec(
        "broader_skills", ("conceptUri", "broaderUri"), (SKILL_PILLAR, SKILL_PILLAR), False
    ),
}
RELATION_RE = re.compile(
    r"^(?P<stem>occupationSkillRelations|skillSkillRelations|broaderRelations(?:Occ|Skill)Pillar)"
    r"(?:_(?P<lang>[A-Za-z]{2,3}))?\.csv$"
)
CLASSIFICATION_RE = re.compile(r"^(?P<stem>[A-Za-z]+)_(?P<lang>[A-Za-z]{2,3}(?:-[A-Za-z0-9]+)?)\.csv$")

LANGUAGE_FIELDS = ("preferred_label", "alt_labels", "hidden_labels", "description")
SHARED_FIELDS = ("kind", "code", "isco_code", "skill_type", "reuse_level", "status", "modified_at")


# --- problems and report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One reason to reject the package: where (file, line, column) and what (a translatable message)."""

    file: str
    line: int | None
    column: str | None
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(gettext("line %(line)s") % {"line": self.line})
        if self.column:
            where.append(gettext("column %(column)s") % {"column": self.column})
        return f"{', '.join(where)}: {gettext(self.message) % self.params}"


class EscoImportError(Exception):
    """The package was rejected; nothing was written."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the ESCO files")

    def lines(self) -> list[str]:
        return [str(problem) for problem in self.problems]


@dataclass
class EscoImportReport:
    directory: str
    languages: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    collections: dict[str, int] = field(default_factory=dict)
    changed: bool = False
    run_id: int | None = None
    role_links_resolved: int = 0
    role_links_unresolved: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "directory": self.directory,
            "languages": self.languages,
            "files": self.files,
            "notes": self.notes,
            "counts": self.counts,
            "collections": self.collections,
            "role_links_resolved": self.role_links_resolved,
            "role_links_unresolved": self.role_links_unresolved,
        }

    def summary(self) -> str:
        parts = []
        for name, numbers in self.counts.items():
            figures = ", ".join(f"{key} {value}" for key, value in numbers.items())
            parts.append(f"{name}: {figures}")
        return "; ".join(parts)

    def lines(self) -> list[str]:
        out = [
            f"ESCO import from {self.directory}",
            f"languages: {', '.join(self.languages) or '-'}",
            f"files read: {len(self.files)}",
        ]
        for name, numbers in self.counts.items():
            out.append(f"  {name}: " + ", ".join(f"{key} {value}" for key, value in numbers.items()))
        if self.collections:
            out.append("  collections: " + ", ".join(f"{k} {v}" for k, v in sorted(self.collections.items())))
        out.extend(f"note: {note}" for note in self.notes)
        if self.role_links_resolved:
            out.append(f"role links resolved: {self.role_links_resolved}")
        if self.role_links_unresolved:
            out.append(
                f"role links still waiting for their ESCO concept: {len(self.role_links_unresolved)} "
                f"({', '.join(self.role_links_unresolved[:10])}{' …' if len(self.role_links_unresolved) > 10 else ''})"
            )
        out.append("nothing changed" if not self.changed else f"written (import run {self.run_id})")
        return out


# --- reading CSV ----------------------------------------------------------------------------------------


@dataclass
class SourceFile:
    path: Path
    name: str  # shown in reports: relative to the import directory
    stem: str
    language: str | None


class _UndecodableError(Exception):
    def __init__(self, line: int, raw: bytes, start: int, record_before: str):
        self.line, self.raw, self.start, self.record_before = line, raw, start, record_before


class _Lines:
    """Physical lines of a file, decoded strictly as UTF-8 one by one, so a bad byte has an exact line."""

    def __init__(self, path: Path, bar: Any):
        self.path = path
        self.bar = bar
        self.count = 0
        self.ends_with_newline = True
        self.record_text: list[str] = []  # lines of the record being read, to place an encoding error

    def __iter__(self) -> Iterator[str]:
        with self.path.open("rb") as handle:
            for raw in handle:
                self.count += 1
                self.bar.update(len(raw))
                if self.count == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                self.ends_with_newline = raw.endswith(b"\n")
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise _UndecodableError(self.count, raw, exc.start, "".join(self.record_text)) from None
                self.record_text.append(text)
                yield text


def _column_at(header: list[str] | None, partial_record: str) -> str | None:
    """The column a cut-off record stops in (its text parsed leniently), if the header is known."""
    if not header or not partial_record:
        return None
    try:
        fields = next(csv.reader(io.StringIO(partial_record)), [])
    except csv.Error:
        return None
    index = max(len(fields) - 1, 0)
    return header[index] if index < len(header) else None


def _encoding_problem(source: SourceFile, exc: _UndecodableError, header: list[str] | None) -> Problem:
    prefix = exc.raw[: exc.start].decode("utf-8", errors="replace")
    # The record may have started on an earlier line: parse it up to the bad byte to name the column.
    column = _column_at(header, exc.record_before + prefix)
    return Problem(
        source.name,
        exc.line,
        column,
        gettext_noop(
            "The file is not UTF-8: byte 0x%(byte)s at character %(position)s cannot be decoded. "
            "Save the file as UTF-8."
        ),
        {"byte": f"{exc.raw[exc.start]:02X}", "position": len(prefix) + 1},
    )


def _records(
    source: SourceFile,
    required: Sequence[str],
    problems: list[Problem],
    bar: Any,
    *,
    min_fields: int | None = None,
) -> Iterator[tuple[int, list[str]]]:
    """Yield `(1, header)` and then `(line, values)` for each well-formed data record.

    Malformed records become problems (and are not yielded): wrong number of fields, an unterminated quoted
    field, undecodable bytes, a last line without a line break (a cut-off file). `min_fields` allows ragged
    rows whose trailing optional columns are omitted, as `skillsHierarchy_xx.csv` has them.
    """
    lines = _Lines(source.path, bar)
    reader = csv.reader(iter(lines), strict=True)
    header: list[str] | None = None
    last_width = 0
    record_start = 1
    try:
        for values in reader:
            lines.record_text.clear()
            start, record_start = record_start, reader.line_num + 1
            if header is None:
                header = [name.strip() for name in values]
                missing = [name for name in required if name not in header]
                for name in missing:
                    problems.append(
                        Problem(
                            source.name,
                            1,
                            name,
                            gettext_noop("The column is missing (the header has: %(found)s)."),
                            {"found": ", ".join(header) or "-"},
                        )
                    )
                if missing:
                    return
                yield 1, header
                continue
            if not values:  # a blank line
                continue
            last_width = len(values)
            if len(values) > len(header):
                problems.append(
                    Problem(
                        source.name,
                        start,
                        None,
                        gettext_noop("The record has %(found)s fields but the header has %(expected)s."),
                        {"found": len(values), "expected": len(header)},
                    )
                )
                continue
            if len(values) < len(header):
                if min_fields is None or len(values) < min_fields:
                    problems.append(
                        Problem(
                            source.name,
                            start,
                            header[len(values)],
                            gettext_noop(
                                "The record ends after %(found)s of %(expected)s fields; "
                                "the file looks truncated or a quote is misplaced."
                            ),
                            {"found": len(values), "expected": len(header)},
                        )
                    )
                    continue
                values = values + [""] * (len(header) - len(values))
            yield start, values
    except _UndecodableError as exc:
        problems.append(_encoding_problem(source, exc, header))
        return
    except csv.Error as exc:
        problems.append(
            Problem(
                source.name,
                record_start,
                _column_at(header, "".join(lines.record_text)),
                gettext_noop("The record cannot be read (%(error)s); the file looks truncated."),
                {"error": str(exc)},
            )
        )
        return
    if lines.count == 0:
        problems.append(Problem(source.name, 1, None, gettext_noop("The file is empty.")))
    elif not lines.ends_with_newline:
        column = header[last_width - 1] if header and 0 < last_width <= len(header) else None
        problems.append(
            Problem(
                source.name,
                lines.count,
                column,
                gettext_noop("The file ends in the middle of a line; it looks truncated."),
            )
        )


# --- parsed records ---------------------------------------------------------------------------------------


@dataclass
class ConceptRecord:
    uri: str
    kind: str
    language: str
    file: str
    line: int
    from_hierarchy: bool = False
    code: str = ""
    isco_code: str = ""
    skill_type: str = ""
    reuse_level: str = ""
    status: str = ""
    modified_at: dt.datetime | None = None
    preferred_label: str = ""
    alt_labels: str = ""
    hidden_labels: str = ""
    description: str = ""


@dataclass
class Reference:
    file: str
    line: int
    column: str


@dataclass
class ParsedPackage:
    languages: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    concepts: dict[str, dict[str, ConceptRecord]] = field(default_factory=dict)  # uri -> language -> record
    collections_present: set[str] = field(default_factory=set)
    memberships: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # uri -> collections
    relations: dict[str, dict[tuple[str, str], str]] = field(default_factory=dict)  # key -> (a, b) -> type
    skipped_gap_rows: Counter[str] = field(default_factory=Counter)


def _labels(value: str, separator: str = "\n") -> str:
    """Normalise a label list to one label per line, without blanks or repeats."""
    seen: dict[str, None] = {}
    for part in value.split(separator):
        label = part.strip()
        if label:
            seen.setdefault(label, None)
    return "\n".join(seen)


def _collection_slug(stem: str) -> str:
    name = stem[: -len("Collection")]
    if name.endswith("Skills"):
        return name[: -len("Skills")].lower()
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


class _Parser:
    def __init__(self, directory: Path, *, strict: bool, progress: bool):
        self.directory = directory
        self.strict = strict
        self.progress = progress
        self.problems: list[Problem] = []
        self.package = ParsedPackage()
        self.run_kinds: dict[str, tuple[str, str, int]] = {}  # uri -> (kind, file, line)
        self.db_kinds: dict[str, str] = dict(EscoConcept.objects.values_list("uri", "kind"))
        self.unknown: dict[str, list[Reference]] = defaultdict(list)
        self.defined: dict[tuple[str, str], tuple[str, int]] = {}  # (language, uri) -> (file, line)

    # discovery -------------------------------------------------------------------------------------------

    def discover(self) -> tuple[dict[str, list[SourceFile]], list[SourceFile], dict[str, SourceFile]]:
        concept_files: dict[str, list[SourceFile]] = defaultdict(list)  # language -> files
        collection_files: list[SourceFile] = []
        relation_files: dict[str, SourceFile] = {}
        ignored_languages: dict[str, list[str]] = defaultdict(list)
        for path in sorted(self.directory.rglob("*")):
            if not path.is_file() or path.suffix.lower() != ".csv":
                continue
            name = path.relative_to(self.directory).as_posix()
            relation = RELATION_RE.match(path.name)
            if relation:
                stem = relation["stem"]
                language = (relation["lang"] or "").lower()
                current = relation_files.get(stem)
                # Relations are language-independent; v1.2 suffixes them with a language. Read one copy.
                if current is None or (current.language not in ("", "en") and language in ("", "en")):
                    if current is not None:
                        self.package.notes.append(f"{current.name}: another copy of {stem} is read instead")
                    relation_files[stem] = SourceFile(path, name, stem, language)
                else:
                    self.package.notes.append(f"{name}: another copy of {stem} is read instead; ignored")
                continue
            match = CLASSIFICATION_RE.match(path.name)
            if not match:
                self.package.notes.append(f"{name}: not a file of the ESCO CSV package; ignored")
                continue
            stem, language = match["stem"], match["lang"].lower()
            known = stem in CONCEPT_FILES or stem == HIERARCHY_STEM or stem.endswith("Collection")
            if stem in IGNORED_STEMS:
                self.package.notes.append(f"{name}: concept schemes are not used on this platform; ignored")
                continue
            if not known:
                self.package.notes.append(f"{name}: not a file of the ESCO CSV package; ignored")
                continue
            if language not in LANGUAGE_CODES:
                ignored_languages[language].append(name)
                continue
            source = SourceFile(path, name, stem, language)
            if stem.endswith("Collection"):
                collection_files.append(source)
            else:
                concept_files[language].append(source)
        for language, names in sorted(ignored_languages.items()):
            self.package.notes.append(
                f"language '{language}' is not used on this platform ({', '.join(LANGUAGE_CODES)}): "
                f"{len(names)} file(s) ignored"
            )
        return concept_files, collection_files, relation_files

    # concepts --------------------------------------------------------------------------------------------

    def _check_uri(self, source: SourceFile, line: int, column: str, uri: str) -> bool:
        if not uri:
            self.problems.append(Problem(source.name, line, column, gettext_noop("The URI is empty.")))
            return False
        if len(uri) > MAX_URI or not URI_RE.match(uri):
            self.problems.append(
                Problem(source.name, line, column, gettext_noop("%(uri)s is not a valid URI."), {"uri": uri[:300]})
            )
            return False
        return True

    def _claim_kind(self, source: SourceFile, line: int, column: str, uri: str, kind: str) -> bool:
        previous = self.run_kinds.get(uri)
        if previous is not None and previous[0] != kind:
            self.problems.append(
                Problem(
                    source.name,
                    line,
                    column,
                    gettext_noop("%(uri)s is of kind %(kind)s here but of kind %(other)s in %(file)s line %(line)s."),
                    {"uri": uri, "kind": kind, "other": previous[0], "file": previous[1], "line": previous[2]},
                )
            )
            return False
        stored = self.db_kinds.get(uri)
        if stored is not None and stored != kind:
            self.problems.append(
                Problem(
                    source.name,
                    line,
                    column,
                    gettext_noop("%(uri)s is of kind %(kind)s here but stored with kind %(other)s."),
                    {"uri": uri, "kind": kind, "other": stored},
                )
            )
            return False
        if previous is None:
            self.run_kinds[uri] = (kind, source.name, line)
        return True

    def _modified(self, source: SourceFile, line: int, value: str) -> dt.datetime | None:
        if not value:
            return None
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            self.problems.append(
                Problem(
                    source.name, line, "modifiedDate", gettext_noop("%(value)s is not a date."), {"value": value[:40]}
                )
            )
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)

    def read_concept_file(self, source: SourceFile, spec: ConceptFileSpec, bar: Any) -> None:
        assert source.language is not None
        col: dict[str, int] = {}

        def get(values: list[str], name: str) -> str:
            index = col.get(name)
            return values[index].strip() if index is not None else ""

        for line, values in _records(source, spec.required, self.problems, bar):
            if line == 1 and not col:
                col = {name: index for index, name in enumerate(values)}
                continue
            uri = get(values, "conceptUri")
            if not self._check_uri(source, line, "conceptUri", uri):
                continue
            concept_type = get(values, "conceptType")
            if concept_type and concept_type != spec.concept_type:
                self.problems.append(
                    Problem(
                        source.name,
                        line,
                        "conceptType",
                        gettext_noop("Expected %(expected)s, found %(found)s."),
                        {"expected": spec.concept_type, "found": concept_type[:60]},
                    )
                )
                continue
            first = self.defined.get((source.language, uri))
            if first is not None:
                self.problems.append(
                    Problem(
                        source.name,
                        line,
                        "conceptUri",
                        gettext_noop("Duplicated URI %(uri)s (first in %(file)s line %(line)s)."),
                        {"uri": uri, "file": first[0], "line": first[1]},
                    )
                )
                continue
            self.defined[(source.language, uri)] = (source.name, line)
            if not self._claim_kind(source, line, "conceptUri", uri, spec.kind):
                continue
            record = ConceptRecord(uri=uri, kind=spec.kind, language=source.language, file=source.name, line=line)
            record.preferred_label = get(values, "preferredLabel")
            record.alt_labels = _labels(get(values, "altLabels"))
            record.hidden_labels = _labels(get(values, "hiddenLabels"))
            record.description = get(values, "description")
            record.status = get(values, "status")[:20]
            record.code = get(values, "code")
            record.modified_at = self._modified(source, line, get(values, "modifiedDate"))
            if len(record.preferred_label) > MAX_LABEL:
                self._too_long(source, line, "preferredLabel", MAX_LABEL)
                continue
            if len(record.code) > MAX_CODE:
                self._too_long(source, line, "code", MAX_CODE)
                continue
            if spec.kind == Kind.OCCUPATION:
                record.isco_code = get(values, "iscoGroup")
                if not ISCO_RE.match(record.isco_code):
                    self._bad_value(source, line, "iscoGroup", record.isco_code)
                    continue
            if spec.kind == Kind.SKILL:
                record.skill_type = get(values, "skillType")
                record.reuse_level = get(values, "reuseLevel")
                if record.skill_type not in SKILL_TYPES:
                    self._bad_value(source, line, "skillType", record.skill_type)
                    continue
                if record.reuse_level not in REUSE_LEVELS:
                    self._bad_value(source, line, "reuseLevel", record.reuse_level)
                    continue
            self.package.concepts.setdefault(uri, {})[source.language] = record

    def _too_long(self, source: SourceFile, line: int, column: str, limit: int) -> None:
        self.problems.append(
            Problem(source.name, line, column, gettext_noop("Longer than %(max)s characters."), {"max": limit})
        )

    def _bad_value(self, source: SourceFile, line: int, column: str, value: str) -> None:
        self.problems.append(
            Problem(source.name, line, column, gettext_noop("Unexpected value %(value)s."), {"value": value[:60]})
        )

    def read_hierarchy(self, source: SourceFile, bar: Any) -> None:
        """Skill groups named only in the hierarchy file (ESCO v1.1.1 has a few) become concepts too."""
        assert source.language is not None
        col: dict[str, int] = {}
        for line, values in _records(
            source, HIERARCHY_REQUIRED, self.problems, bar, min_fields=len(HIERARCHY_REQUIRED)
        ):
            if line == 1 and not col:
                col = {name: index for index, name in enumerate(values)}
                continue
            levels = [(level, values[col[f"Level {level} URI"]].strip()) for level in HIERARCHY_LEVELS]
            present = [(level, uri) for level, uri in levels if uri]
            deepest = present[-1][0] if present else None
            for level, uri in present:
                column = f"Level {level} URI"
                if not self._check_uri(source, line, column, uri):
                    break
                if (source.language, uri) in self.defined:
                    continue
                if not self._claim_kind(source, line, column, uri, Kind.SKILL_GROUP):
                    break
                self.defined[(source.language, uri)] = (source.name, line)
                record = ConceptRecord(
                    uri=uri,
                    kind=Kind.SKILL_GROUP,
                    language=source.language,
                    file=source.name,
                    line=line,
                    from_hierarchy=True,
                )
                record.preferred_label = values[col[f"Level {level} preferred term"]].strip()[:MAX_LABEL]
                code_index = col.get(f"Level {level} code")
                record.code = values[code_index].strip()[:MAX_CODE] if code_index is not None else ""
                if level == deepest and "Description" in col:
                    record.description = values[col["Description"]].strip()
                self.package.concepts.setdefault(uri, {})[source.language] = record

    # references ----------------------------------------------------------------------------------------

    def kind_of(self, uri: str) -> str | None:
        run = self.run_kinds.get(uri)
        return run[0] if run is not None else self.db_kinds.get(uri)

    def _resolve(self, source: SourceFile, line: int, column: str, uri: str, kinds: Sequence[str]) -> bool:
        if not self._check_uri(source, line, column, uri):
            return False
        kind = self.kind_of(uri)
        if kind is None:
            if uri in KNOWN_UPSTREAM_GAPS and not self.strict:
                self.package.skipped_gap_rows[uri] += 1
            else:
                self.unknown[uri].append(Reference(source.name, line, column))
            return False
        if kind not in kinds:
            self.problems.append(
                Problem(
                    source.name,
                    line,
                    column,
                    gettext_noop("%(uri)s is of kind %(kind)s; expected %(expected)s."),
                    {"uri": uri, "kind": kind, "expected": " or ".join(kinds)},
                )
            )
            return False
        return True

    def read_collection(self, source: SourceFile, bar: Any) -> None:
        slug = _collection_slug(source.stem)
        self.package.collections_present.add(slug)
        col: dict[str, int] = {}
        for line, values in _records(source, ("conceptUri",), self.problems, bar):
            if line == 1 and not col:
                col = {name: index for index, name in enumerate(values)}
                continue
            uri = values[col["conceptUri"]].strip()
            if self._resolve(source, line, "conceptUri", uri, tuple(Kind.values)):
                self.package.memberships[uri].add(slug)

    def read_relations(self, source: SourceFile, spec: RelationFileSpec, bar: Any) -> None:
        required = (spec.columns[0], "relationType", spec.columns[1]) if spec.typed else spec.columns
        found: dict[tuple[str, str], str] = {}
        where: dict[tuple[str, str], int] = {}
        col: dict[str, int] = {}
        for line, values in _records(source, required, self.problems, bar):
            if line == 1 and not col:
                col = {name: index for index, name in enumerate(values)}
                continue
            first = values[col[spec.columns[0]]].strip()
            second = values[col[spec.columns[1]]].strip()
            relation_type = values[col["relationType"]].strip() if spec.typed else ""
            ok_first = self._resolve(source, line, spec.columns[0], first, spec.kinds[0])
            ok_second = self._resolve(source, line, spec.columns[1], second, spec.kinds[1])
            if spec.typed and relation_type not in RELATION_TYPES:
                self._bad_value(source, line, "relationType", relation_type)
                continue
            if not (ok_first and ok_second):
                continue
            pair = (first, second)
            if pair in found and found[pair] != relation_type:
                self.problems.append(
                    Problem(
                        source.name,
                        line,
                        "relationType",
                        gettext_noop("The same pair is %(other)s in line %(line)s."),
                        {"other": found[pair], "line": where[pair]},
                    )
                )
                continue
            found[pair] = relation_type
            where.setdefault(pair, line)
        self.package.relations[spec.key] = found

    # all ---------------------------------------------------------------------------------------------------

    def parse(self) -> ParsedPackage:
        concept_files, collection_files, relation_files = self.discover()
        all_files = [f for files in concept_files.values() for f in files] + collection_files
        all_files += list(relation_files.values())
        if not all_files:
            self.problems.append(
                Problem(
                    str(self.directory),
                    None,
                    None,
                    gettext_noop("No ESCO CSV files (such as occupations_en.csv) were found here."),
                )
            )
            return self.package
        total = sum(source.path.stat().st_size for source in all_files)
        with tqdm(total=total, unit="B", unit_scale=True, desc="Reading ESCO CSV", disable=not self.progress) as bar:
            order = [*CONCEPT_FILES, HIERARCHY_STEM]
            for language in sorted(concept_files, key=lambda code: LANGUAGE_CODES.index(code)):
                self.package.languages.append(language)
                files = sorted(concept_files[language], key=lambda s: (order.index(s.stem), s.name))
                for source in files:
                    self.package.files.append(source.name)
                    if source.stem == HIERARCHY_STEM:
                        self.read_hierarchy(source, bar)
                    else:
                        self.read_concept_file(source, CONCEPT_FILES[source.stem], bar)
            for source in collection_files:
                self.package.files.append(source.name)
                self.read_collection(source, bar)
            for stem, source in sorted(relation_files.items()):
                self.package.files.append(source.name)
                self.read_relations(source, RELATION_FILES[stem], bar)
        for uri, references in self.unknown.items():
            first = references[0]
            self.problems.append(
                Problem(
                    first.file,
                    first.line,
                    first.column,
                    gettext_noop("Unknown concept %(uri)s (referred to %(count)s time(s); no file defines it)."),
                    {"uri": uri, "count": len(references)},
                )
            )
        for uri, count in sorted(self.package.skipped_gap_rows.items()):
            self.package.notes.append(f"skipped {count} relation row(s) referring to {uri}: {KNOWN_UPSTREAM_GAPS[uri]}")
        return self.package


# --- writing ----------------------------------------------------------------------------------------------


def _language_columns() -> list[str]:
    return [f"{name}_{code}" for name in LANGUAGE_FIELDS for code in LANGUAGE_CODES]


def _search_text(values: dict[str, Any]) -> str:
    labels: dict[str, None] = {}
    for code in LANGUAGE_CODES:
        for name in ("preferred_label", "alt_labels", "hidden_labels"):
            for label in (values.get(f"{name}_{code}") or "").splitlines():
                if label.strip():
                    labels.setdefault(label.strip().casefold(), None)
    return "\n".join(labels)


def _batched_update(model: type[models.Model], objects: list[Any], fields: Sequence[str]) -> None:
    # Keep each UPDATE under SQLite's parameter limit: two parameters per field and row, plus the ids.
    size = max(50, min(1000, 30000 // (2 * len(fields) + 2)))
    model.objects.bulk_update(objects, list(fields), batch_size=size)  # type: ignore[attr-defined]


def _delete(model: type[models.Model], ids: list[int]) -> None:
    for start in range(0, len(ids), 500):
        model.objects.filter(pk__in=ids[start : start + 500]).delete()  # type: ignore[attr-defined]


class _Writer:
    def __init__(self, package: ParsedPackage, report: EscoImportReport, progress: bool):
        self.package = package
        self.report = report
        self.progress = progress

    def _merged(self, records: dict[str, ConceptRecord], current: dict[str, Any] | None) -> dict[str, Any]:
        values: dict[str, Any] = dict(current) if current else {}
        is_new = current is None
        ordered = [records[code] for code in LANGUAGE_CODES if code in records]
        primary = records.get("en") or ordered[0]
        if is_new:
            for name in LANGUAGE_FIELDS:
                for code in LANGUAGE_CODES:
                    values.setdefault(f"{name}_{code}", "")
            values.setdefault("collections", [])
        for name in SHARED_FIELDS:
            value = getattr(primary, name)
            # The English pack is the reference for language-independent fields; another pack only fills gaps,
            # so importing packs in any order ends in the same state.
            if is_new or primary.language == "en" or not values.get(name):
                if value or is_new or primary.language == "en":
                    values[name] = value
        for record in ordered:
            for name in LANGUAGE_FIELDS:
                values[f"{name}_{record.language}"] = getattr(record, name)
        values["search_text"] = _search_text(values)
        return values

    def write_concepts(self, bar: Any) -> None:
        columns = ["id", "uri", *SHARED_FIELDS, *_language_columns(), "collections", "search_text"]
        existing = {row["uri"]: row for row in EscoConcept.objects.values(*columns)}
        present = self.package.collections_present
        to_create: list[EscoConcept] = []
        updates: dict[frozenset[str], list[EscoConcept]] = defaultdict(list)
        per_kind: dict[str, Counter[str]] = defaultdict(Counter)
        touched = set(self.package.concepts) | (set(existing) if present else set())
        for uri in sorted(touched):
            current = existing.get(uri)
            records = self.package.concepts.get(uri)
            if records:
                values = self._merged(records, {k: v for k, v in current.items() if k != "id"} if current else None)
            else:
                assert current is not None
                values = {k: v for k, v in current.items() if k != "id"}
            if present:
                old = set(values.get("collections") or [])
                values["collections"] = sorted((old - present) | self.package.memberships.get(uri, set()))
            values["uri"] = uri
            kind = values["kind"]
            if current is None:
                to_create.append(EscoConcept(**values))
                per_kind[kind]["created"] += 1
                continue
            changed = frozenset(name for name, value in values.items() if current.get(name) != value)
            if changed:
                updates[changed].append(EscoConcept(id=current["id"], **values))
                per_kind[kind]["updated"] += 1
            elif records:
                per_kind[kind]["unchanged"] += 1
        for start in range(0, len(to_create), BATCH):
            chunk = to_create[start : start + BATCH]
            EscoConcept.objects.bulk_create(chunk, batch_size=BATCH)
            bar.update(len(chunk))
        for fields, objects in updates.items():
            _batched_update(EscoConcept, objects, sorted(fields))
            bar.update(len(objects))
        labels = {
            Kind.OCCUPATION: "occupations",
            Kind.SKILL: "skills",
            Kind.ISCO_GROUP: "ISCO groups",
            Kind.SKILL_GROUP: "skill groups",
        }
        for kind, label in labels.items():
            if kind in per_kind:
                counts = per_kind[kind]
                self.report.counts[label] = {name: counts.get(name, 0) for name in ("created", "updated", "unchanged")}
        if present:
            collection_sizes: Counter[str] = Counter()
            for names in self.package.memberships.values():
                collection_sizes.update(names)
            self.report.collections = {name: collection_sizes.get(name, 0) for name in sorted(present)}

    def write_relations(self, bar: Any) -> None:
        ids = dict(EscoConcept.objects.values_list("uri", "id"))
        relations = self.package.relations
        if "occupation_skill" in relations:
            self._typed(
                "occupation–skill relations",
                EscoOccupationSkill,
                ("occupation_id", "skill_id"),
                {(ids[a], ids[b]): t for (a, b), t in relations["occupation_skill"].items()},
                EscoOccupationSkill.objects.all(),
                bar,
            )
        if "skill_skill" in relations:
            self._typed(
                "skill–skill relations",
                EscoSkillRelation,
                ("skill_id", "related_skill_id"),
                {(ids[a], ids[b]): t for (a, b), t in relations["skill_skill"].items()},
                EscoSkillRelation.objects.all(),
                bar,
            )
        for key, kinds, label in (
            ("broader_occupations", OCCUPATION_PILLAR, "broader relations (occupations)"),
            ("broader_skills", SKILL_PILLAR, "broader relations (skills)"),
        ):
            if key in relations:
                self._plain(
                    label,
                    {(ids[a], ids[b]) for (a, b) in relations[key]},
                    EscoBroader.objects.filter(concept__kind__in=kinds),
                    bar,
                )

    def _typed(
        self,
        label: str,
        model: Any,
        names: tuple[str, str],
        desired: dict[tuple[int, int], str],
        queryset: Any,
        bar: Any,
    ) -> None:
        existing = {(a, b): (pk, t) for pk, a, b, t in queryset.values_list("id", *names, "relation_type")}
        create = [
            model(**{names[0]: a, names[1]: b, "relation_type": t})
            for (a, b), t in desired.items()
            if (a, b) not in existing
        ]
        change = [
            model(id=existing[pair][0], relation_type=t)
            for pair, t in desired.items()
            if pair in existing and existing[pair][1] != t
        ]
        remove = [pk for pair, (pk, _t) in existing.items() if pair not in desired]
        for start in range(0, len(create), BATCH):
            model.objects.bulk_create(create[start : start + BATCH], batch_size=BATCH)
            bar.update(len(create[start : start + BATCH]))
        if change:
            _batched_update(model, change, ["relation_type"])
        _delete(model, remove)
        self.report.counts[label] = {
            "created": len(create),
            "updated": len(change),
            "removed": len(remove),
            "unchanged": len(desired) - len(create) - len(change),
        }

    def _plain(self, label: str, desired: set[tuple[int, int]], queryset: Any, bar: Any) -> None:
        existing = {(a, b): pk for pk, a, b in queryset.values_list("id", "concept_id", "broader_id")}
        create = [EscoBroader(concept_id=a, broader_id=b) for (a, b) in desired if (a, b) not in existing]
        remove = [pk for pair, pk in existing.items() if pair not in desired]
        for start in range(0, len(create), BATCH):
            EscoBroader.objects.bulk_create(create[start : start + BATCH], batch_size=BATCH)
            bar.update(len(create[start : start + BATCH]))
        _delete(EscoBroader, remove)
        self.report.counts[label] = {
            "created": len(create),
            "removed": len(remove),
            "unchanged": len(desired) - len(create),
        }

    def changed(self) -> bool:
        for numbers in self.report.counts.values():
            if any(numbers.get(key) for key in ("created", "updated", "removed")):
                return True
        return False


def import_esco(
    directory: Path, *, actor: Any = None, progress: bool = False, strict: bool = False
) -> EscoImportReport:
    """Import the ESCO CSV files found below `directory`; raise `EscoImportError` and write nothing if bad.

    `strict` also rejects relation rows pointing at the known gaps of the official package.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise EscoImportError([Problem(str(directory), None, None, gettext_noop("The directory does not exist."))])
    csv.field_size_limit(CSV_FIELD_LIMIT)
    parser = _Parser(directory, strict=strict, progress=progress)
    package = parser.parse()
    if parser.problems:
        raise EscoImportError(parser.problems)

    report = EscoImportReport(
        directory=str(directory), languages=package.languages, files=package.files, notes=package.notes
    )
    relation_rows = sum(len(rows) for rows in package.relations.values())
    with transaction.atomic():
        writer = _Writer(package, report, progress)
        with tqdm(
            total=len(package.concepts) + relation_rows,
            unit="rows",
            desc="Writing ESCO",
            disable=not progress,
        ) as bar:
            writer.write_concepts(bar)
            writer.write_relations(bar)
        report.changed = writer.changed()

        from battery_region.skills.services import role_links_resolve

        resolved, unresolved = role_links_resolve()
        report.role_links_resolved = resolved
        report.role_links_unresolved = unresolved
        if report.changed or resolved:
            report.changed = True
            run = EscoImportRun.objects.create(
                started_by=actor if getattr(actor, "is_authenticated", False) else None,
                directory=str(directory)[:500],
                languages=",".join(package.languages),
                report=report.as_dict(),
            )
            report.run_id = run.pk
            audit_record(
                actor=actor,
                action="import",
                instance=run,
                after=snapshot(run),
                message=f"ESCO import ({run.languages}): {report.summary()}",
            )
    return report
