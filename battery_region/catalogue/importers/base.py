"""What a parser is: a name, and a function from a file path to a stream of parsed items.

Every format module (opintopolku, susa_emil3, spreadsheet, elm) exposes `parse(path: Path) -> Iterator[ParsedItem]`
and is listed in `get_parser` below. A parser must:
- stream (never load a whole large file into memory: `codes.iter_json_documents` for JSON, csv/openpyxl
  read-only for tables);
- detect the encoding (UTF-8, UTF-8 with BOM, UTF-16 with BOM; Latin-1 only where the format allows) and yield
  a `Problem` rather than raise when the bytes cannot be decoded;
- yield a `Problem` (never raise) for malformed documents, unknown codes, out-of-range dates (year outside
  1900–2100), missing required fields, and duplicate ids inside one file; then continue with the next record
  where the format allows it;
- yield records in any order; the writer resolves references between them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from battery_region.catalogue.importers.records import ParsedItem

Parser = Callable[[Path], Iterator[ParsedItem]]

FORMATS = ("opintopolku", "susa-emil3", "spreadsheet", "elm")


def get_parser(fmt: str) -> Parser:
    """The parse function of a format (imported lazily so a broken optional format cannot break the others)."""
    if fmt == "opintopolku":
        from battery_region.catalogue.importers.opintopolku import parse
    elif fmt == "susa-emil3":
        from battery_region.catalogue.importers.susa_emil3 import parse
    elif fmt == "spreadsheet":
        from battery_region.catalogue.importers.spreadsheet import parse
    elif fmt == "elm":
        from battery_region.catalogue.importers.elm import parse
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return parse
