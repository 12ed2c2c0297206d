"""The cross-lingual bridge: glossary concepts and ESCO labels that expand a query into fi/sv/en.

Sources, merged into one in-memory `GlossaryIndex` per process:
1. the project glossary (`GlossaryConcept`/`GlossaryTerm`, editable in the admin; initial content in
   `data/glossary.json`, loaded by `python manage.py load_glossary`);
2. label sources registered with `register_label_source(callable)`: each call returns concepts as
   `{"fi": [...], "sv": [...], "en": [...]}` mappings (first label = preferred);
3. the ESCO concepts of the skills app when it has them (`skills.EscoConcept`, read lazily: preferred and
   alternative labels of occupations and skills that have labels in at least two languages).

A concept fires when all words of one of its terms appear, in order and adjacent, among the query's words
(compared as lemmas of the term's language). Its other terms then become alternatives for that span.
The index is rebuilt when the glossary changes (checked at most every `REFRESH_SECONDS`, and at once after
an admin edit through `invalidate()`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Max

from battery_region.search import analysis
from battery_region.search.query import ConceptMatcher, Expansion, Plan, QueryWord, Terms, all_of, build_plan

logger = logging.getLogger(__name__)

GLOSSARY_FILE = Path(__file__).resolve().parent / "data" / "glossary.json"
REFRESH_SECONDS = 30.0
MAX_TERMS_PER_CONCEPT = 12
MAX_EXPANSIONS = 40
MAX_TERM_WORDS = 6
PLANS_KEPT = 2000  # per index: the query plans `GlossaryIndex.plan` remembers

LabelGroup = Mapping[str, Iterable[str]]
LabelSource = Callable[[], Iterable[LabelGroup]]
_label_sources: list[LabelSource] = []


def register_label_source(source: LabelSource) -> None:
    """Add a source of multilingual labels (e.g. an ESCO language pack); each group is one concept."""
    if source not in _label_sources:
        _label_sources.append(source)
        invalidate()


def unregister_label_source(source: LabelSource) -> None:
    if source in _label_sources:
        _label_sources.remove(source)
        invalidate()


# --- The index ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GlossaryEntry:
    concept: str
    language: str
    text: str
    lemmas: tuple[frozenset[str], ...]  # per word: its lemma readings in `language`


def analyse_term(text: str, language: str) -> tuple[frozenset[str], ...]:
    """Per-word lemma readings of a term; stop words (of any language) are left out as in queries."""
    result: list[frozenset[str]] = []
    for word in analysis.words(text):
        if analysis.stop_word_in_any_language(word):
            continue
        lemmas = analysis.analyse_word(word, language).lemmas
        if lemmas:
            result.append(frozenset(lemmas))
    return tuple(result[:MAX_TERM_WORDS]) if len(result) <= MAX_TERM_WORDS else ()


class GlossaryIndex(ConceptMatcher):
    def __init__(self, concepts: Mapping[str, Sequence[tuple[str, str]]]) -> None:
        """`concepts`: key → [(language, term)], preferred terms first."""
        self._plans: dict[str, Plan] = {}
        self.entries: dict[str, list[GlossaryEntry]] = {}
        self.by_first: dict[tuple[str, str], list[GlossaryEntry]] = {}
        for key, term_list in concepts.items():
            entries: list[GlossaryEntry] = []
            seen: set[tuple[str, tuple[frozenset[str], ...]]] = set()
            for language, text in term_list:
                if language not in analysis.LANGUAGES or not text.strip():
                    continue
                lemmas = analyse_term(text, language)
                if not lemmas or (language, lemmas) in seen:
                    continue
                seen.add((language, lemmas))
                entries.append(GlossaryEntry(key, language, text.strip(), lemmas))
            if len({entry.language for entry in entries}) < 1 or len(entries) < 2:
                continue
            self.entries[key] = entries
            for entry in entries:
                for lemma in entry.lemmas[0]:
                    self.by_first.setdefault((entry.language, lemma), []).append(entry)

    def __len__(self) -> int:
        return len(self.entries)

    def plan(self, q: str) -> Plan:
        """`build_plan(q, self)`, remembered for the `PLANS_KEPT` latest queries: a plan depends only on the
        query and this (immutable) index, and analysing a query costs more than looking it up."""
        plans = self._plans
        found = plans.get(q)
        if found is None:
            found = build_plan(q, self)
            if len(plans) >= PLANS_KEPT:
                plans.pop(next(iter(plans)), None)  # the oldest
            plans[q] = found
        return found

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Lower-case words of every term: spelling suggestions may lead to a glossary term."""
        return frozenset(
            word.lower()
            for entries in self.entries.values()
            for entry in entries
            for word in analysis.words(entry.text)
            if len(word) >= 3
        )

    def _matches_at(self, words: Sequence[QueryWord], start: int) -> list[tuple[int, GlossaryEntry]]:
        found: list[tuple[int, GlossaryEntry]] = []
        for language in analysis.LANGUAGES:
            for lemma in words[start].readings.get(language, ()):
                for entry in self.by_first.get((language, lemma), ()):
                    length = len(entry.lemmas)
                    if start + length > len(words):
                        continue
                    if all(
                        entry.lemmas[offset] & set(words[start + offset].readings.get(language, ()))
                        for offset in range(length)
                    ):
                        found.append((length, entry))
        return found

    def match(self, words: Sequence[QueryWord]) -> list[tuple[int, int, tuple[str, ...], tuple[Expansion, ...]]]:
        spans: list[tuple[int, int, tuple[str, ...], tuple[Expansion, ...]]] = []
        position = 0
        budget = MAX_EXPANSIONS
        while position < len(words):
            found = self._matches_at(words, position)
            if not found:
                position += 1
                continue
            longest = max(length for length, _entry in found)
            matched = [entry for length, entry in found if length == longest]
            concept_keys = tuple(dict.fromkeys(entry.concept for entry in matched))
            matched_forms = {(entry.language, entry.lemmas) for entry in matched}
            expansions: list[Expansion] = []
            for key in concept_keys:
                for entry in self.entries[key][:MAX_TERMS_PER_CONCEPT]:
                    if (entry.language, entry.lemmas) in matched_forms or budget <= 0:
                        continue
                    expr = all_of(Terms(tuple(sorted(lemmas))) for lemmas in entry.lemmas)
                    if expr is None:
                        continue
                    expansions.append(Expansion(entry.language, entry.text, expr))
                    budget -= 1
            spans.append((position, position + longest, concept_keys, tuple(expansions)))
            position += longest
        return spans


# --- Loading the index (cached per process) ---------------------------------------------------------------


_lock = threading.Lock()
_cached: GlossaryIndex | None = None
_cached_signature: tuple[Any, ...] | None = None
_cached_version: str | None = None
_checked_at = 0.0
VERSION_KEY = "search:glossary:version"


def invalidate() -> None:
    """Make the next search rebuild the index if the glossary changed (admin edits, `load_glossary`).

    The version lives in Django's cache, so with a shared cache every process notices at once; with a
    per-process cache the others notice within `REFRESH_SECONDS`.
    """
    global _checked_at
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    with _lock:
        _checked_at = 0.0


def _esco_model() -> Any | None:
    """The skills app's ESCO concept model, if it exists with fi/sv/en labels and its table is migrated."""
    try:
        model = apps.get_model("skills", "EscoConcept")
    except LookupError:
        return None
    names = {field.name for field in model._meta.get_fields()}
    needed = {f"preferred_label_{code}" for code in analysis.LANGUAGES}
    if not needed <= names:
        return None
    if model._meta.db_table not in connection.introspection.table_names():
        return None
    return model


def _signature() -> tuple[Any, ...]:
    from battery_region.search.models import GlossaryConcept, GlossaryTerm

    concepts = GlossaryConcept.objects.aggregate(n=Count("pk"), changed=Max("updated_at"))
    terms = GlossaryTerm.objects.aggregate(n=Count("pk"), changed=Max("updated_at"))
    esco = _esco_model()
    esco_count = esco.objects.count() if esco is not None else 0
    return (
        concepts["n"],
        concepts["changed"],
        terms["n"],
        terms["changed"],
        esco_count,
        tuple(id(source) for source in _label_sources),
    )


def _glossary_concepts() -> dict[str, list[tuple[str, str]]]:
    from battery_region.search.models import GlossaryTerm

    concepts: dict[str, list[tuple[str, str]]] = {}
    rows = (
        GlossaryTerm.objects.filter(concept__is_active=True)
        .order_by("concept__key", "is_synonym", "language", "pk")
        .values_list("concept__key", "language", "term")
    )
    for key, language, term in rows:
        concepts.setdefault(key, []).append((language, term))
    return concepts


def _group_terms(group: LabelGroup) -> list[tuple[str, str]]:
    result: list[tuple[str, str]] = []
    for language in analysis.LANGUAGES:
        labels = group.get(language) or ()
        if isinstance(labels, str):
            labels = labels.splitlines()
        result.extend((language, label) for label in labels if label and label.strip())
    return result


def _esco_groups() -> Iterable[LabelGroup]:
    model = _esco_model()
    if model is None:
        return []
    alt_fields = [f"alt_labels_{code}" for code in analysis.LANGUAGES]
    has_alt = all(name in {field.name for field in model._meta.get_fields()} for name in alt_fields)
    fields = [f"preferred_label_{code}" for code in analysis.LANGUAGES] + (alt_fields if has_alt else [])
    groups: list[LabelGroup] = []
    queryset = model.objects.all()
    if "kind" in {field.name for field in model._meta.get_fields()}:
        queryset = queryset.filter(kind__in=["occupation", "skill"])
    for row in queryset.values_list(*fields).iterator(chunk_size=2000):
        preferred = dict(zip(analysis.LANGUAGES, row[:3], strict=True))
        if sum(1 for label in preferred.values() if label) < 2:
            continue  # a single language bridges nothing
        alternatives = dict(zip(analysis.LANGUAGES, row[3:], strict=False)) if has_alt else {}
        groups.append(
            {
                code: [preferred[code], *str(alternatives.get(code) or "").splitlines()] if preferred[code] else []
                for code in analysis.LANGUAGES
            }
        )
    return groups


def build_index() -> GlossaryIndex:
    concepts: dict[str, list[tuple[str, str]]] = dict(_glossary_concepts())
    for number, source in enumerate(_label_sources):
        try:
            for index, group in enumerate(source()):
                concepts[f"source{number}:{index}"] = _group_terms(group)
        except Exception:  # a broken label source must not take search down
            logger.exception("search: label source %r failed; its labels are skipped", source)
    try:
        for index, group in enumerate(_esco_groups()):
            concepts[f"esco:{index}"] = _group_terms(group)
    except Exception:
        logger.exception("search: reading ESCO labels failed; they are skipped")
    return GlossaryIndex(concepts)


def get_index() -> GlossaryIndex:
    """The current index, rebuilt when the glossary or the label sources changed."""
    global _cached, _cached_signature, _cached_version, _checked_at
    version = cache.get(VERSION_KEY)
    cached = _cached
    if (
        cached is not None
        and version is not None
        and version == _cached_version
        and time.monotonic() - _checked_at < REFRESH_SECONDS
    ):
        return cached
    with _lock:
        signature = _signature()
        if _cached is None or signature != _cached_signature:
            _cached = build_index()
            _cached_signature = signature
        if version is None:
            version = uuid.uuid4().hex
            cache.add(VERSION_KEY, version, None)
            version = cache.get(VERSION_KEY) or version
        _cached_version = version
        _checked_at = time.monotonic()
        return _cached


# --- The packaged glossary ------------------------------------------------------------------------------


def read_glossary_file(path: Path | None = None) -> list[dict[str, Any]]:
    data = json.loads((path or GLOSSARY_FILE).read_text(encoding="utf-8"))
    concepts = data["concepts"] if isinstance(data, dict) else data
    if not isinstance(concepts, list):
        raise ValueError("the glossary file must hold a list of concepts")
    return concepts


@transaction.atomic
def load_glossary(path: Path | None = None, *, replace: bool = False) -> dict[str, int]:
    """Create the packaged concepts and terms (idempotent). Edits made in the admin are kept unless
    `replace`, which resets each packaged concept to the file's terms (and re-activates it)."""
    from battery_region.search.models import GlossaryConcept, GlossaryTerm

    items = read_glossary_file(path)
    existing = {concept.key: concept for concept in GlossaryConcept.objects.filter(key__in=[i["key"] for i in items])}
    new_concepts = [
        GlossaryConcept(key=str(item["key"]), area=item.get("area", ""), note=item.get("note", ""))
        for item in items
        if item["key"] not in existing
    ]
    GlossaryConcept.objects.bulk_create(new_concepts)
    concepts = {concept.key: concept for concept in GlossaryConcept.objects.filter(key__in=[i["key"] for i in items])}
    have: dict[int, dict[tuple[str, str], GlossaryTerm]] = {}
    for term in GlossaryTerm.objects.filter(concept__in=concepts.values()):
        have.setdefault(term.concept_id, {})[(term.language, term.term)] = term
    to_create: list[GlossaryTerm] = []
    removed = 0
    for item in items:
        concept = concepts[str(item["key"])]
        wanted: dict[tuple[str, str], bool] = {}
        for language in analysis.LANGUAGES:
            for position, text in enumerate(item.get(language, [])):
                wanted.setdefault((language, text.strip()), position > 0)
        current = have.get(concept.pk, {})
        if replace:
            stale = [term.pk for key, term in current.items() if key not in wanted]
            removed += GlossaryTerm.objects.filter(pk__in=stale).delete()[0] if stale else 0
            if item["key"] in existing:
                concept.area = item.get("area", concept.area)
                concept.note = item.get("note", concept.note)
                concept.is_active = True
                concept.save()
        to_create.extend(
            GlossaryTerm(concept=concept, language=language, term=text, is_synonym=is_synonym)
            for (language, text), is_synonym in wanted.items()
            if (language, text) not in current
        )
    GlossaryTerm.objects.bulk_create(to_create)
    transaction.on_commit(invalidate)
    invalidate()
    return {"concepts_created": len(new_concepts), "terms_created": len(to_create), "terms_removed": removed}
