"""A disk spool for parsed items, so a harvested stream can be read twice (validate, then write).

Harvests come from the network once; the writer reads its input twice. Pickling each record to a temporary
file keeps memory flat however many records a harvest returns.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator

from battery_region.catalogue.importers.records import ParsedItem


class Spool:
    def __init__(self, items: Iterable[ParsedItem] = (), *, on_item: Callable[[int], None] | None = None) -> None:
        self._file = tempfile.TemporaryFile(prefix="battery-region-spool-")  # noqa: SIM115 - closed in close()
        self.count = 0
        for item in items:
            self.append(item)
            if on_item is not None:
                on_item(self.count)
        self._file.flush()

    def append(self, item: ParsedItem) -> None:
        pickle.dump(item, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def tee(self, items: Iterable[ParsedItem]) -> Iterator[ParsedItem]:
        """Pass items through while keeping a copy, so a stream parsed once can be read again."""
        for item in items:
            self.append(item)
            yield item
        self._file.flush()

    def __call__(self) -> Iterator[ParsedItem]:
        """A fresh iterator over the spooled items (the writer's `items` callable)."""
        self._file.flush()
        self._file.seek(0)
        while True:
            try:
                yield pickle.load(self._file)  # noqa: S301 - our own temporary file
            except EOFError:
                return

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
