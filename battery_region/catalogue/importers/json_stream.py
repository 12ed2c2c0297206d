"""Stream the documents of a large JSON file at the speed of the standard library's C scanner.

A registry dump is one top-level array (or an object wrapping arrays, as EMIL3 list responses and konfo
search pages are) of thousands of documents. Only the outer structure is walked here, in Python; every
document inside it is decoded whole by `json.JSONDecoder.raw_decode`, about twice as fast as building it
from a streaming parser's events (ijson, used before). The text is read in chunks into a sliding buffer,
so memory is bounded by the chunk size plus the largest document, never by the file.

A document cut by the end of the buffer fails to decode, or ends right there (a number cut in two decodes as
a shorter number); either way more text is read (doubling the request each time, so a very large document
costs a few re-scans, not one per chunk) and the document decoded again. Any other decoding error is a
syntax error at a known character offset.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

CHUNK_CHARS = 1 << 16
# One document (an item of the top-level array, or the whole file when it is a single value) may be this
# large; a longer one is refused rather than read into memory without bound (e.g. an unterminated string).
MAX_DOCUMENT_CHARS = 1 << 27
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NEAR_END = 16  # an error this close to the buffer's end may be a cut escape or literal: read more first


class JsonDocument(NamedTuple):
    """One value read from a JSON file and where it was ($, $[3], $.hits[0])."""

    path: str
    value: Any


class JsonSyntaxError(ValueError):
    """Malformed JSON, with the (0-based) character offset in the whole text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} at character {offset}")
        self.offset = offset


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


class TextBuffer:
    """Text read front to back through a sliding buffer; `read(n)` returns up to n characters, "" at the end."""

    def __init__(self, read: Callable[[int], str]) -> None:
        self._read = read
        self.buffer = ""
        self.pos = 0
        self.offset = 0  # characters dropped from the front of the buffer so far
        self.eof = False

    def _more(self, size: int) -> bool:
        if self.eof:
            return False
        chunk = self._read(size)
        if not chunk:
            self.eof = True
            return False
        if self.pos:
            self.offset += self.pos
            self.buffer = self.buffer[self.pos :] + chunk
            self.pos = 0
        else:
            self.buffer += chunk
        return True

    def error(self, message: str) -> JsonSyntaxError:
        return JsonSyntaxError(message, self.offset + self.pos)

    def peek(self) -> str:
        """The next character that is not whitespace (not consumed), "" at the end of the text."""
        while True:
            self.pos = _WHITESPACE.match(self.buffer, self.pos).end()  # type: ignore[union-attr]  # always matches
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more(CHUNK_CHARS):
                return ""

    def expect(self, char: str, message: str) -> None:
        if self.peek() != char:
            raise self.error(message)
        self.pos += 1

    def value(self) -> Any:
        """Decode the JSON value that starts at the next non-whitespace character."""
        if not self.peek():
            raise self.error("Expecting value")
        size = CHUNK_CHARS
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                cut = exc.msg.startswith("Unterminated string") or exc.pos >= len(self.buffer) - _NEAR_END
                if cut and len(self.buffer) - self.pos > MAX_DOCUMENT_CHARS:
                    raise self.error(f"A single JSON value is longer than {MAX_DOCUMENT_CHARS} characters") from None
                if cut and self._more(size):
                    size *= 2
                    continue
                raise JsonSyntaxError(exc.msg, self.offset + exc.pos) from None
            # A number cut by the buffer's end decodes as a shorter number ("12" of "123", "0" of "0.5"): it
            # must be followed by some text, or by the end of the file, to be taken as read. Objects, arrays,
            # strings and literals end with their own closing character.
            ambiguous = isinstance(value, int | float) and not isinstance(value, bool)
            if ambiguous and end + _NEAR_END >= len(self.buffer) and self._more(size):
                size *= 2
                continue
            self.pos = end
            return value


def _array_items(text: TextBuffer, path: str) -> Iterator[JsonDocument]:
    text.expect("[", "Expecting '['")
    if text.peek() == "]":
        text.pos += 1
        return
    index = 0
    while True:
        yield JsonDocument(f"{path}[{index}]", text.value())
        index += 1
        following = text.peek()
        text.pos += 1
        if following == "]":
            return
        if following != ",":
            text.pos -= 1
            raise text.error("Expecting ',' delimiter")


def documents(text: TextBuffer, split_keys: tuple[str, ...] = ()) -> Iterator[JsonDocument]:
    """Each item of a top-level array; the items of `split_keys` arrays of a top-level object (the object
    itself when it has none of them, nothing for an empty list response); else the top-level value."""
    head = text.peek()
    if head == "[":
        yield from _array_items(text, "$")
    elif head == "{":
        text.pos += 1
        wrapper: dict[str, Any] = {}
        split = False
        if text.peek() == "}":
            text.pos += 1
        else:
            while True:
                if text.peek() != '"':
                    raise text.error("Expecting property name enclosed in double quotes")
                key = text.value()
                text.expect(":", "Expecting ':' delimiter")
                if key in split_keys and text.peek() == "[":
                    split = True
                    yield from _array_items(text, f"$.{key}")
                else:
                    wrapper[key] = text.value()
                following = text.peek()
                text.pos += 1
                if following == "}":
                    break
                if following != ",":
                    text.pos -= 1
                    raise text.error("Expecting ',' delimiter")
        if not split:
            yield JsonDocument("$", wrapper)
    else:
        yield JsonDocument("$", text.value())
    if text.peek():
        raise text.error("Extra data")
