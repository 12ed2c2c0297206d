"""Facet values packed into one integer per document (pure: no ORM).

Counting facets over a large match set must not read a row per match. Each indexed offering therefore
carries `facet_code`, a 34-bit integer holding every facet value; SQLite's FTS5 row id is
`offering_id << 34 | facet_code`, PostgreSQL stores the code beside the tsvector. One `GROUP BY code` over
the match set then gives every combination's count, and each facet (with the *other* filters applied) is a
cheap aggregate over those few combinations (`facet_sql`). Filters on facet fields become bit tests.

Layout, low bits first: open_for_exchange 1 | mode 3 | credits_system 4 | eqf_level 4 | teaching languages
7 (one bit each) | country 3 | region 12 (dictionary code from `SearchFacetValue`).
Fixed codes are append-only: never renumber an existing value (the index would need a rebuild).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

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
    """One filter as SQL over an integer expression holding the facet code (`{c}` is replaced)."""

    field: str
    sql: str


def facet_predicate(field_name: str, value: object, regions_by_value: Mapping[str, int]) -> Predicate | None:
    """The bit test for one facet filter; None when the value is not representable (caller falls back)."""
    field = FIELDS[field_name]
    if field is LANGUAGE:
        code = str(value).strip().lower()
        if code not in LANGUAGE_BITS or code == "other":
            return None
        bit = 1 << (LANGUAGE.shift + LANGUAGE_BITS.index(code))
        return Predicate(field.name, f"(({{c}} & {bit}) <> 0)")
    if field is REGION:
        region_code = regions_by_value.get(str(value))
        wanted = region_code if region_code is not None else -1  # unknown region: nothing matches
        return Predicate(field.name, f"((({{c}} >> {field.shift}) & {field.mask}) = {wanted})")
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
    return Predicate(field.name, f"((({{c}} >> {field.shift}) & {field.mask}) = {wanted})")


def facet_sql(code_table: str, predicates: list[Predicate]) -> str:
    """Totals and per-facet counts from `code_table(code, n)` rows: one UNION ALL, one pass each.

    Every facet is counted with all *other* active filters applied (a selected country still shows the
    other countries' counts); the total applies every filter. Rows are `(facet, key, count)`; key is the
    field code, or the language bit index for the language facet.
    """

    def where(excluding: str | None) -> str:
        active = [p.sql.format(c="code") for p in predicates if p.field != excluding]
        return (" WHERE " + " AND ".join(active)) if active else ""

    selects = [f"SELECT 'total' AS facet, 0 AS k, SUM(n) AS cnt FROM {code_table}{where(None)}"]
    for field in FIELDS.values():
        if field is LANGUAGE:
            for index in range(len(LANGUAGE_BITS)):
                bit = 1 << (LANGUAGE.shift + index)
                condition = where(field.name)
                condition = f"{condition} AND" if condition else " WHERE"
                selects.append(f"SELECT 'language', {index}, SUM(n) FROM {code_table}{condition} ((code & {bit}) <> 0)")
            continue
        selects.append(
            f"SELECT '{field.name}', ((code >> {field.shift}) & {field.mask}), SUM(n) FROM {code_table}"
            f"{where(field.name)} GROUP BY ((code >> {field.shift}) & {field.mask})"
        )
    return "\nUNION ALL ".join(selects)


def facets_from_rows(
    rows: Iterable[tuple[str, int, int | None]], regions: Callable[[int], str | None]
) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """(total, facets) from `facet_sql` rows; values sorted by count (then value), zero counts dropped."""
    total = 0
    facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FIELDS}
    for facet, key, count in rows:
        if not count:
            continue
        if facet == "total":
            total = int(count)
            continue
        field = FIELDS[facet]
        if field is LANGUAGE:
            value: str | None = LANGUAGE_BITS[int(key)]
        else:
            value = decode_value(field, int(key), regions)
        if value is None:
            continue
        facets[facet].append((value, int(count)))
    for values in facets.values():
        values.sort(key=lambda item: (-item[1], item[0]))
    return total, facets
