"""Facet values packed into one integer per document (pure: no ORM).

Counting facets over a large match set must not read a row per match. Each indexed offering therefore
carries `facet_code`, a 34-bit integer holding every facet value; SQLite's FTS5 row id is
`offering_id << 34 | facet_code`, PostgreSQL stores the code beside the tsvector. The engine hands over the
match set's codes as one text (`parse_code_list`), and every facet (with the *other* filters applied) is
counted from them as an array (`count_codes`). Filters on facet fields become bit tests.

Layout, low bits first: open_for_exchange 1 | mode 3 | credits_system 4 | eqf_level 4 | teaching languages
7 (one bit each) | country 3 | region 12 (dictionary code from `SearchFacetValue`).
Fixed codes are append-only: never renumber an existing value (the index would need a rebuild).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

CODE_BITS = 34
CODE_MASK = (1 << CODE_BITS) - 1
MAX_OFFERING_ID = (1 << (63 - CODE_BITS)) - 1


@dataclass(frozen=True)
class Field:
    name: str
    shift: int
    bits: int
    codes: Mapping[str, int]  # value → code (0 means "no value"); empty for dictionary fields

    @property
    def mask(self) -> int:
        return (1 << self.bits) - 1

    @property
    def other_code(self) -> int:
        """Code for values outside the fixed table (counted, but never shown as a facet value)."""
        return self.mask


EXCHANGE = Field("open_for_exchange", 0, 1, {"false": 0, "true": 1})
MODE = Field("mode", 1, 3, {"presential": 1, "online": 2, "blended": 3, "work_based": 4})
CREDITS = Field(
    "credits_system",
    4,
    4,
    {"ects": 1, "fi_op": 2, "se_hp": 3, "fi_osp": 4, "se_yhp": 5, "se_gyp": 6, "hours": 7, "weeks": 8},
)
EQF = Field("eqf_level", 8, 4, {str(level): level for level in range(1, 9)})
LANGUAGE_BITS = ("fi", "sv", "en", "se", "no", "de", "other")
LANGUAGE = Field("language", 12, 7, {})
COUNTRY = Field("country", 19, 3, {"FI": 1, "SE": 2, "NO": 3, "XX": 4})
REGION = Field("region", 22, 12, {})
REGION_MAX_CODE = REGION.mask  # dictionary codes 1..4095

FIELDS: dict[str, Field] = {field.name: field for field in (COUNTRY, REGION, EQF, CREDITS, LANGUAGE, MODE, EXCHANGE)}
assert REGION.shift + REGION.bits == CODE_BITS


def language_mask(codes: Iterable[str]) -> int:
    mask = 0
    for code in codes:
        code = code.strip().lower()
        if not code:
            continue
        bit = LANGUAGE_BITS.index(code) if code in LANGUAGE_BITS else LANGUAGE_BITS.index("other")
        mask |= 1 << bit
    return mask


def fixed_code(field: Field, value: object) -> int:
    if value is None or value == "":
        return 0
    text = str(value).lower() if field is EXCHANGE else str(value)
    return field.codes.get(text, field.other_code)


def pack(
    *,
    country: str,
    region_code: int,
    eqf_level: int | None,
    credits_system: str,
    teaching_languages: str,
    mode: str,
    open_for_exchange: bool,
) -> int:
    if not 0 <= region_code <= REGION_MAX_CODE:
        raise ValueError(f"region code {region_code} does not fit the facet code")
    code = fixed_code(EXCHANGE, "true" if open_for_exchange else "false") << EXCHANGE.shift
    code |= fixed_code(MODE, mode) << MODE.shift
    code |= fixed_code(CREDITS, credits_system) << CREDITS.shift
    code |= (fixed_code(EQF, eqf_level) if eqf_level else 0) << EQF.shift
    code |= language_mask(teaching_languages.split(",")) << LANGUAGE.shift
    code |= fixed_code(COUNTRY, country) << COUNTRY.shift
    code |= region_code << REGION.shift
    return code


def fts_rowid(offering_id: int, code: int) -> int:
    if not 0 < offering_id <= MAX_OFFERING_ID:
        raise ValueError(f"offering id {offering_id} is outside the range the search index supports")
    return (offering_id << CODE_BITS) | code


def offering_id_from_rowid(rowid: int) -> int:
    return rowid >> CODE_BITS


def decode_value(field: Field, code: int, regions: Callable[[int], str | None]) -> str | None:
    """The facet value a field code stands for, or None (no value, or a value outside the fixed table)."""
    if code == 0 and field is not EXCHANGE:
        return None
    if field is REGION:
        return regions(code)
    if field is EQF:
        return str(code) if 1 <= code <= 8 else None
    for value, value_code in field.codes.items():
        if value_code == code:
            return value
    return None


@dataclass(frozen=True)
class Predicate:
    """One filter as a bit test: `code & mask == value`; `sql` is the same test over an integer SQL
    expression holding the facet code (`{c}` is replaced)."""

    field: str
    mask: int
    value: int

    @property
    def sql(self) -> str:
        return f"(({{c}} & {self.mask}) = {self.value})"

    def test(self, code: int) -> bool:
        return code & self.mask == self.value


def _equals(field: Field, wanted: int) -> Predicate:
    if not 0 <= wanted <= field.mask:
        return Predicate(field.name, 0, 1)  # a value the field cannot hold: nothing matches
    return Predicate(field.name, field.mask << field.shift, wanted << field.shift)


def facet_predicate(field_name: str, value: object, regions_by_value: Mapping[str, int]) -> Predicate | None:
    """The bit test for one facet filter; None when the value is not representable (caller falls back)."""
    field = FIELDS[field_name]
    if field is LANGUAGE:
        code = str(value).strip().lower()
        if code not in LANGUAGE_BITS or code == "other":
            return None
        bit = 1 << (LANGUAGE.shift + LANGUAGE_BITS.index(code))
        return Predicate(field.name, bit, bit)
    if field is REGION:
        region_code = regions_by_value.get(str(value))
        return _equals(field, region_code if region_code is not None else -1)  # unknown region: nothing matches
    if field is EXCHANGE:
        wanted = 1 if value else 0
    elif field is EQF:
        try:
            wanted = int(str(value))
        except ValueError:
            wanted = -1
        if not 1 <= wanted <= 8:
            wanted = -1
    else:
        wanted = field.codes.get(str(value), -1)
    return _equals(field, wanted)


# Code → value of the fields with a fixed table, as `decode_value` gives it (region and language aside).
_VALUE_NAMES: dict[str, dict[int, str]] = {
    field.name: {
        code: value
        for code in range(field.mask + 1)
        if (value := decode_value(field, code, lambda _code: None)) is not None
    }
    for field in FIELDS.values()
    if field not in (REGION, LANGUAGE)
}


@dataclass(frozen=True)
class CodeCounts:
    """What a match set's facet codes add up to (see `count_codes`)."""

    total: int  # matches passing every filter
    matched: int  # matches before the facet filters
    per_field: dict[str, dict[int, int]]  # field → value code → count, the field's own filter left out
    tiers: tuple[int, int, int] = (0, 0, 0)  # browse tier sizes of the matches passing every filter


def parse_code_list(text: str | None, width: int) -> npt.NDArray[np.int64]:
    """The comma-separated integers of an engine's code list (`width` per match or per code: the facet code,
    then counts) as a (rows × width) array. Parsed in C: a common word's list holds tens of thousands."""
    if not text:
        return np.zeros((0, width), dtype=np.int64)
    values = np.fromstring(text, dtype=np.int64, sep=",")  # text mode (sep) is not the deprecated binary one
    if values.size % width:
        raise ValueError(f"a code list of {values.size} values does not split into rows of {width}")
    return values.reshape(-1, width)


# Every field's value as one bin of a single `bincount`: field i's value v is bin `_BIN_OFFSETS[i] + v`. The
# widest field (region: 4,096 codes, of which a few dozen are used) comes last, so the counts array ends at
# the highest region code present.
_FIELD_LIST = tuple(sorted(FIELDS.values(), key=lambda field: field.bits))
_SHIFTS = np.array([[field.shift] for field in _FIELD_LIST], dtype=np.int64)
_MASKS = np.array([[field.mask] for field in _FIELD_LIST], dtype=np.int64)
_BIN_OFFSETS = np.cumsum([0, *(field.mask + 1 for field in _FIELD_LIST)])[:-1].reshape(-1, 1)
_FIELD_INDEX = {field.name: index for index, field in enumerate(_FIELD_LIST)}
_BIN_FIELD: tuple[tuple[str, int], ...] = tuple(
    (field.name, value) for field in _FIELD_LIST for value in range(field.mask + 1)
)


DISTINCT_FIRST = 4096  # a per-match code list longer than this is reduced to distinct codes first


def count_codes(table: npt.NDArray[np.int64], predicates: Sequence[Predicate]) -> CodeCounts:
    """Total and per-field counts of a match set given as `parse_code_list` rows: (facet code) per match, or
    (facet code, count[, browse tier 0 count, tier 1 count]) per code.

    Each field is counted over the matches passing every *other* filter (a selected country still shows the
    other countries' counts); the total applies every filter. Vectorised, in a fixed number of array
    operations whatever the size of the match set: every field's value of every match (or code) is one bin of
    a single `bincount` (counting in SQL needed a sort or a hash of the codes, then a GROUP BY per field). A
    long per-match list is first reduced to its distinct codes with their counts: a sort, 0.14 ms for
    `koulutus`'s 44,836 matches, where spreading every match over every field took 2.5 ms (for a list of a
    few thousand, the sort costs more than it saves).
    """
    if table.shape[1] == 1 and len(table) > DISTINCT_FIRST:
        distinct, repeats = np.unique(table[:, 0], return_counts=True)
        table = np.column_stack((distinct, repeats))
    codes = table[:, 0]
    weights = table[:, 1] if table.shape[1] > 1 else None
    bins = ((codes >> _SHIFTS) & _MASKS) + _BIN_OFFSETS  # fields × rows
    passing: npt.NDArray[np.bool_] | None = None
    if predicates:
        failed = np.array([(codes & p.mask) != p.value for p in predicates])  # predicates × rows
        failures = failed.sum(axis=0)
        passing = failures == 0
        # A field's own filter does not count against its values: rows failing only that filter are kept.
        own = np.zeros(bins.shape, dtype=failures.dtype)
        for index, predicate in enumerate(predicates):
            own[_FIELD_INDEX[predicate.field]] += failed[index]
        keep = failures == own
        bins = bins[keep]
        field_weights = None if weights is None else np.broadcast_to(weights, keep.shape)[keep]
    else:
        bins = bins.ravel()
        field_weights = None if weights is None else np.tile(weights, len(_FIELD_LIST))
    counts = np.bincount(bins, weights=field_weights)
    present = np.flatnonzero(counts)
    per_field: dict[str, dict[int, int]] = {field.name: {} for field in _FIELD_LIST}
    for index, n in zip(present.tolist(), counts[present].astype(np.int64).tolist(), strict=True):
        name, value = _BIN_FIELD[index]
        per_field[name][value] = n
    matched = int(codes.size if weights is None else weights.sum())
    if passing is None:
        total = matched
        passing_rows = table
    else:
        total = int(passing.sum() if weights is None else weights[passing].sum())
        passing_rows = table[passing]
    tiers = (0, 0, 0)
    if table.shape[1] >= 4:
        t0, t1 = (int(passing_rows[:, column].sum()) for column in (2, 3))
        tiers = (t0, t1, total - t0 - t1)
    return CodeCounts(total=total, matched=matched, per_field=per_field, tiers=tiers)


def count_facets(
    rows: Iterable[tuple[int, int]], predicates: Sequence[Predicate], regions: Callable[[int], str | None]
) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """(total, facets) of a match set given as `(facet code, count)` rows (a code may repeat): `count_codes`
    with the values decoded and sorted as the search returns them (see `decode_facets`)."""
    table = np.array(list(rows), dtype=np.int64).reshape(-1, 2)
    counted = count_codes(table, predicates)
    return counted.total, decode_facets(counted.per_field, regions)


def decode_facets(
    per_field: Mapping[str, Mapping[int, int]], regions: Callable[[int], str | None]
) -> dict[str, list[tuple[str, int]]]:
    """Each field's `{value code: count}` as sorted `(value, count)` pairs (see `count_facets`)."""
    return {name: _decoded(field, per_field.get(name, {}), regions) for name, field in FIELDS.items()}


def _decoded(field: Field, per_code: Mapping[int, int], regions: Callable[[int], str | None]) -> list[tuple[str, int]]:
    values: dict[str, int] = {}
    if field is LANGUAGE:
        for code, n in per_code.items():
            for index, language in enumerate(LANGUAGE_BITS):
                if code & (1 << index):
                    values[language] = values.get(language, 0) + n
    else:
        names = _VALUE_NAMES.get(field.name)
        for code, n in per_code.items():
            value = names.get(code) if names is not None else decode_value(field, code, regions)
            if value is not None:
                values[value] = values.get(value, 0) + n
    return sorted(((value, n) for value, n in values.items() if n), key=lambda item: (-item[1], item[0]))
