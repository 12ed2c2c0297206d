"""Keeping the search index in step with the catalogue.

`index_offerings(ids)` and `remove_offerings(ids)` run inside the caller's transaction (the catalogue's
writer and services call them in theirs), so an offering and its index entry commit or roll back together.
An offering is indexed only while it is published (`Offering.objects.published()`: its programme is
published and it is not a draft); indexing an unpublished or deleted offering removes its entry.

The index holds, per offering, the analysed text of its title and its programme's title, description,
learning outcomes, qualification title, keywords and provider name in fi/sv/en, plus its filter values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, connection, transaction

from battery_region.catalogue.models import Offering
from battery_region.search import analysis, facets
from battery_region.search.backends import get_backend
from battery_region.search.backends.base import IndexedDocument

BATCH_SIZE = 500
VOCABULARY_MIN, VOCABULARY_MAX = 3, 40
LANGS = analysis.LANGUAGES

_OFFERING_FIELDS = [
    "id",
    "programme_id",
    "status",
    "provider_id",
    "country",
    "region",
    "teaching_languages",
    "mode",
    "open_for_exchange",
    "start_date",
    "start_year",
    "start_season",
    "updated_at",
    *[f"title_{code}" for code in LANGS],
    *[f"description_{code}" for code in LANGS],
    "programme__published",
    "programme__eqf_level",
    "programme__credits_system",
    "programme__keywords",
    *[f"programme__title_{code}" for code in LANGS],
    *[f"programme__description_{code}" for code in LANGS],
    *[f"programme__learning_outcomes_{code}" for code in LANGS],
    *[f"programme__qualification_title_{code}" for code in LANGS],
    *[f"provider__name_{code}" for code in LANGS],
]


# --- Region codes ---------------------------------------------------------------------------------------
# Read from the database on every use (a few dozen rows): a process-wide cache could keep a code that a
# rolled-back transaction allocated. Searches read region values with their counts (search/service.py).


def region_code(value: str, memo: dict[str, int] | None = None) -> int:
    """The small integer for a region value, allocated on first use (in the caller's transaction)."""
    if not value:
        return 0
    if memo is not None and value in memo:
        return memo[value]
    from battery_region.search.models import SearchFacetValue

    code: int | None = None
    for _attempt in range(5):
        code = SearchFacetValue.objects.filter(field="region", value=value).values_list("code", flat=True).first()
        if code is not None:
            break
        highest = (
            SearchFacetValue.objects.filter(field="region").order_by("-code").values_list("code", flat=True).first()
        )
        candidate = (highest or 0) + 1
        if candidate > facets.REGION_MAX_CODE:
            raise ValueError("too many distinct regions for the search facet code")
        try:
            with transaction.atomic():
                SearchFacetValue.objects.create(field="region", value=value, code=candidate)
        except IntegrityError:  # another transaction took this code or value first: look again
            continue
        code = candidate
        break
    if code is None:
        raise RuntimeError(f"could not allocate a search facet code for region {value!r}")
    if memo is not None:
        memo[value] = code
    return code


# --- Documents ------------------------------------------------------------------------------------------


def is_published(row: dict[str, Any]) -> bool:
    return bool(row["programme__published"]) and row["status"] != Offering.Status.DRAFT


@lru_cache(maxsize=8192)
def _text_terms(text: str, language: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(lemmas, compound parts) of one text; cached because the offerings of a programme share its texts."""
    lemmas: list[str] = []
    parts: list[str] = []
    for word in analysis.words(text):  # as analysis.analyze(), without building a Token per term
        reading = analysis.analyse_word(word, language)
        lemmas.extend(reading.lemmas)
        parts.extend(reading.parts)
    return tuple(lemmas), tuple(parts)


analysis._CACHED.append(_text_terms)  # cleared with the analysis caches when the engines change


@lru_cache(maxsize=4096)
def _text_vocabulary(text: str) -> frozenset[str]:
    """Spelling-suggestion words of one text; cached because offerings of a programme share its texts."""
    found: set[str] = set()
    for word in analysis.words(text):
        lower = word.lower()
        if VOCABULARY_MIN <= len(lower) <= VOCABULARY_MAX and not lower.isdigit():
            found.add(lower)
    return frozenset(found)


def _vocabulary(texts: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for text in texts:
        if text:
            found.update(_text_vocabulary(text))
    return found


Terms = tuple[tuple[str, ...], tuple[str, ...]]  # (lemmas, compound parts) of one text
_NO_TERMS: Terms = ((), ())


def _terms(text: str | None, language: str) -> Terms:
    return _text_terms(text, language) if text else _NO_TERMS


@dataclass(frozen=True)
class _SharedTerms:
    """The analysed text an offering shares with the other offerings of its programme and provider.

    Tuples straight from the per-text cache, so programmes with the same texts share them in memory.
    """

    title: dict[str, Terms]  # language → terms of the programme title
    keys: dict[str, Terms]  # … of the qualification title
    body: dict[str, tuple[Terms, Terms]]  # … of the programme description and of its learning outcomes
    shared_lemmas: list[str]  # keywords and provider names, in every language, each token once
    shared_parts: list[str]


def _shared_texts(row: dict[str, Any]) -> list[str]:
    """Keywords and provider names, each distinct text once (they carry no language)."""
    return list(dict.fromkeys([row["programme__keywords"] or "", *(row[f"provider__name_{c}"] or "" for c in LANGS)]))


@lru_cache(maxsize=4096)
def _language_free_terms(texts: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Keywords carry no language and provider names are often the same in every language: analyse them in
    each language, but count each distinct token once. Cached: providers and keyword lists recur."""
    shared_lemmas: list[str] = []
    shared_parts: list[str] = []
    for text in texts:
        lemma_set: dict[str, None] = {}
        part_set: dict[str, None] = {}
        for code in LANGS:
            lemmas, parts = _terms(text, code)
            lemma_set.update(dict.fromkeys(lemmas))
            part_set.update(dict.fromkeys(parts))
        shared_lemmas.extend(lemma_set)
        shared_parts.extend(part for part in part_set if part not in lemma_set)
    return shared_lemmas, shared_parts


analysis._CACHED.append(_language_free_terms)


def _shared_terms(row: dict[str, Any]) -> _SharedTerms:
    title: dict[str, Terms] = {}
    keys: dict[str, Terms] = {}
    body: dict[str, tuple[Terms, Terms]] = {}
    for code in LANGS:
        title[code] = _terms(row[f"programme__title_{code}"], code)
        keys[code] = _terms(row[f"programme__qualification_title_{code}"], code)
        body[code] = (
            _terms(row[f"programme__description_{code}"], code),
            _terms(row[f"programme__learning_outcomes_{code}"], code),
        )
    shared_lemmas, shared_parts = _language_free_terms(tuple(_shared_texts(row)))
    return _SharedTerms(title, keys, body, shared_lemmas, shared_parts)


def _row_texts(row: dict[str, Any]) -> Iterator[str]:
    """Every text of a row that goes into the index (for the spelling vocabulary)."""
    for code in LANGS:
        yield row[f"title_{code}"]
        yield row[f"description_{code}"]
        yield row[f"programme__title_{code}"]
        yield row[f"programme__qualification_title_{code}"]
        yield row[f"programme__description_{code}"]
        yield row[f"programme__learning_outcomes_{code}"]
    yield from _shared_texts(row)


def rows_vocabulary(rows: Iterable[dict[str, Any]]) -> set[str]:
    """The spelling vocabulary of a batch of rows: each distinct text's words once (programme texts recur)."""
    return _vocabulary({text for row in rows for text in _row_texts(row) if text})


def build_document(
    row: dict[str, Any],
    regions: dict[str, int] | None = None,
    shared_cache: dict[tuple[int, int], _SharedTerms] | None = None,
    *,
    with_vocabulary: bool = True,
) -> IndexedDocument:
    """Analyse one offering row (as selected by `_OFFERING_FIELDS`) into an index document.

    `shared_cache` keeps the analysis of programme and provider texts between the offerings of one batch:
    a programme usually has several offerings, and its texts are the bulk of each document. Batches skip
    the per-document vocabulary (`with_vocabulary=False`) and take `rows_vocabulary` of the batch instead.
    """
    key = (row["programme_id"], row["provider_id"])
    shared = shared_cache.get(key) if shared_cache is not None else None
    if shared is None:
        shared = _shared_terms(row)
        if shared_cache is not None:
            shared_cache[key] = shared
    t: list[str] = []
    k: list[str] = []
    b: list[str] = []
    tp: list[str] = []
    bp: list[str] = []
    for code in LANGS:  # per language: title, then qualification, then body — the order positions follow
        own_title = _terms(row[f"title_{code}"], code)
        programme_title = shared.title[code]
        t += own_title[0]
        t += programme_title[0]
        tp += own_title[1]
        tp += programme_title[1]
        k += shared.keys[code][0]
        tp += shared.keys[code][1]
        own_body = _terms(row[f"description_{code}"], code)
        description, outcomes = shared.body[code]
        b += own_body[0]
        b += description[0]
        b += outcomes[0]
        bp += own_body[1]
        bp += description[1]
        bp += outcomes[1]
    k += shared.shared_lemmas
    tp += shared.shared_parts
    columns = {"t": t, "k": k, "b": b, "tp": tp, "bp": bp}
    facet_code = facets.pack(
        country=row["country"] or "",
        region_code=region_code(row["region"] or "", regions),
        eqf_level=row["programme__eqf_level"],
        credits_system=row["programme__credits_system"] or "",
        teaching_languages=row["teaching_languages"] or "",
        mode=row["mode"] or "",
        open_for_exchange=bool(row["open_for_exchange"]),
    )
    return IndexedDocument(
        offering_id=int(row["id"]),
        facet_code=facet_code,
        provider_id=int(row["provider_id"]),
        teaching_languages=row["teaching_languages"] or "",
        start_date=row["start_date"],
        start_year=row["start_year"],
        start_season=row["start_season"] or "",
        modified_at=row["updated_at"],
        columns=columns,
        vocabulary=rows_vocabulary([row]) if with_vocabulary else set(),
    )


def _rows(ids: list[int]) -> Iterator[dict[str, Any]]:
    yield from Offering.objects.filter(pk__in=ids).values(*_OFFERING_FIELDS)


@dataclass
class _Session:
    """What many `index_offerings` calls inside one transaction share (see `indexing_session`)."""

    words: set[str] = field(default_factory=set)  # vocabulary words written in this transaction
    regions: dict[str, int] = field(default_factory=dict)  # region codes read or allocated in it

    def new_words(self, words: set[str]) -> set[str]:
        fresh = words - self.words
        self.words |= fresh
        return fresh


_session: ContextVar[_Session | None] = ContextVar("search_indexing_session", default=None)


@contextmanager
def indexing_session() -> Iterator[None]:
    """Share vocabulary and region bookkeeping between the `index_offerings` calls of one transaction.

    An import indexes its offerings batch by batch; without a session, every batch writes its whole
    vocabulary again (INSERT … ON CONFLICT of words that are mostly there already), which took several
    seconds of a 100k-offering import. Use it only inside the transaction that the indexing belongs to:
    what it remembers is true only until that transaction ends, and a rollback forgets it with the data.
    """
    token = _session.set(_Session())
    try:
        yield
    finally:
        _session.reset(token)


def index_offerings(offering_ids: Iterable[int]) -> None:
    """Bring the index entries of these offerings up to date, in the current transaction."""
    ids = sorted({int(pk) for pk in offering_ids})
    if not ids:
        return
    backend = get_backend()
    session = _session.get() or _Session()  # outside a session: bookkeeping for this call only
    regions = session.regions
    with transaction.atomic():
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start : start + BATCH_SIZE]
            rows = [row for row in _rows(chunk) if is_published(row)]
            shared: dict[tuple[int, int], _SharedTerms] = {}
            documents = [build_document(row, regions, shared, with_vocabulary=False) for row in rows]
            indexed = {doc.offering_id for doc in documents}
            stale = [pk for pk in chunk if pk not in indexed]
            if stale:
                backend.delete(stale)
            backend.write(documents)
            words = rows_vocabulary(rows)
            backend.add_vocabulary(session.new_words(words))


def remove_offerings(offering_ids: Iterable[int]) -> None:
    """Drop these offerings from the index (e.g. before they are deleted or unpublished)."""
    ids = sorted({int(pk) for pk in offering_ids})
    if ids:
        with transaction.atomic():
            get_backend().delete(ids)


def rebuild_index(
    *, batch_size: int = 1000, progress: Callable[[int, int], None] | None = None, optimize: bool = True
) -> int:
    """Drop and rebuild the whole index from the published offerings; returns how many were indexed."""
    backend = get_backend()
    published_ids = list(Offering.objects.published().order_by("pk").values_list("pk", flat=True))
    total = len(published_ids)
    done = 0
    session = _Session()
    with transaction.atomic():
        backend.clear()
        for start in range(0, total, batch_size):
            chunk = published_ids[start : start + batch_size]
            rows = [row for row in _rows(chunk) if is_published(row)]
            shared: dict[tuple[int, int], _SharedTerms] = {}
            documents = [build_document(row, session.regions, shared, with_vocabulary=False) for row in rows]
            backend.write(documents)
            backend.add_vocabulary(session.new_words(rows_vocabulary(rows)))
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        if optimize:
            backend.optimize()
    if optimize and connection.get_autocommit():
        backend.after_rebuild()
    return total
