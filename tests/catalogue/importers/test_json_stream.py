"""The streaming JSON reader: the same documents as a whole-file parse, whatever the chunking, and clear
errors for malformed text."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from battery_region.catalogue.importers import json_stream
from battery_region.catalogue.importers.codes import iter_json_documents
from battery_region.catalogue.importers.json_stream import JsonSyntaxError, TextBuffer, documents


def _reader(text: str, step: int) -> Any:
    """A read(n) that hands out at most `step` characters per call, to cut documents anywhere."""
    stream = io.StringIO(text)
    return lambda size: stream.read(min(size, step))


def _docs(text: str, step: int = 7, split_keys: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    return [(d.path, d.value) for d in documents(TextBuffer(_reader(text, step)), split_keys)]


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_stream, "CHUNK_CHARS", 5)


def test_top_level_array_items_with_paths() -> None:
    text = '[ {"a": 1, "s": "x\\"y"}, [1, 2.5, 12345678901234567890], "t", null , true]'
    assert _docs(text) == [
        ("$[0]", {"a": 1, "s": 'x"y'}),
        ("$[1]", [1, 2.5, 12345678901234567890]),
        ("$[2]", "t"),
        ("$[3]", None),
        ("$[4]", True),
    ]


def test_numbers_cut_at_a_chunk_boundary_are_read_whole() -> None:
    assert _docs("[123456789, 987654321.5]", step=3) == [("$[0]", 123456789), ("$[1]", 987654321.5)]


def test_wrapper_object_streams_split_keys_in_file_order_and_drops_the_wrapper() -> None:
    text = '{"page": {"size": 2}, "educationEvents": [{"id": "e1"}], "educationInfos": [{"id": "i1"}]}'
    assert _docs(text, split_keys=("educationInfos", "educationEvents")) == [
        ("$.educationEvents[0]", {"id": "e1"}),
        ("$.educationInfos[0]", {"id": "i1"}),
    ]


def test_object_without_split_keys_is_one_document_and_empty_list_response_is_none() -> None:
    assert _docs('{"oid": "1.2", "x": [1]}', split_keys=("hits",)) == [("$", {"oid": "1.2", "x": [1]})]
    assert _docs('{"total": 0, "hits": []}', split_keys=("hits",)) == []
    assert _docs("{}") == [("$", {})]
    assert _docs("[]") == []
    assert _docs(' "just a string" ') == [("$", "just a string")]


@pytest.mark.parametrize(
    "text",
    [
        '[{"a": 1},]',
        '[{"a": 1} {"b": 2}]',
        '[{"a": 1}',
        '[{"a": "unterminated}]',
        '{"a" 1}',
        "{a: 1}",
        '{"a": 1,}',
        "[NaN]",
        "[Infinity]",
        "[1] trailing",
        '{"hits": [1]} {}',
        "[tru]",
    ],
)
def test_malformed_text_raises_a_syntax_error_with_an_offset(text: str) -> None:
    with pytest.raises(ValueError, match="at character|is not a JSON value"):
        _docs(text, split_keys=("hits",))


def test_documents_before_an_error_are_yielded_first() -> None:
    seen: list[Any] = []
    with pytest.raises(JsonSyntaxError):
        for document in documents(TextBuffer(_reader('[{"a": 1}, {"b": 2}, {"c": ]', 4))):
            seen.append(document.value)
    assert seen == [{"a": 1}, {"b": 2}]


def test_iter_json_documents_reports_encodings_and_errors_as_problems() -> None:
    utf16 = json.dumps([{"nimi": "Åbo–Oulu"}], ensure_ascii=False).encode("utf-16")
    assert [d.value for d in iter_json_documents(io.BytesIO(utf16), ref="f.json")] == [{"nimi": "Åbo–Oulu"}]
    latin1 = '[{"nimi": "Pohjois-Pohjanmaa ä"}]'.encode("latin-1")
    (problem,) = list(iter_json_documents(io.BytesIO(latin1), ref="f.json"))
    assert (problem.ref, problem.message) == ("f.json", "The file is not readable as %(encoding)s text: %(error)s")
    items = list(iter_json_documents(io.BytesIO(b'[{"a": 1}, {"a": '), ref="cut.json"))
    assert items[0].value == {"a": 1}
    assert (items[1].ref, items[1].code) == ("cut.json", "malformed")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(json_values, max_size=6), st.integers(min_value=1, max_value=40), st.booleans())
def test_same_documents_as_a_whole_file_parse(values: list[Any], step: int, indent: bool) -> None:
    text = json.dumps(values, ensure_ascii=False, indent=2 if indent else None)
    assert [value for _path, value in _docs(text, step)] == json.loads(text)


def test_a_value_longer_than_the_limit_is_refused_not_read_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_stream, "MAX_DOCUMENT_CHARS", 50)
    text = '[{"a": 1}, "' + "x" * 500 + '"]'
    reads: list[int] = []
    stream = io.StringIO(text)

    def read(size: int) -> str:
        reads.append(size)
        return stream.read(min(size, 7))

    seen = []
    with pytest.raises(JsonSyntaxError, match="longer than 50 characters"):
        for document in documents(TextBuffer(read)):
            seen.append(document.value)
    assert seen == [{"a": 1}]
    assert stream.tell() < 200  # stopped soon after the limit instead of reading the whole string
