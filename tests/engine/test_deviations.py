"""Known deviations of the embedded engine from Elasticsearch, pinned.

Each test shows the engine's behaviour where it is known (or suspected) to
differ from Elasticsearch; docs/engine.md lists the same items. A test that
starts failing means the behaviour changed: update the docs with it.
"""

from __future__ import annotations

from dac.engine import compile_query, infer_field_types, search


def _ids(query: str, documents: list[dict], **options) -> list[int]:
    return [h.positions[0] for h in compile_query(query, **options).run(documents)]


def _event(**fields) -> dict:
    return {"@timestamp": 1, "event": {"category": ["process"]}, **fields}


def test_ignore_above_not_applied() -> None:
    # Elasticsearch indexes no keyword value longer than ignore_above (1024
    # in Defend mappings), so such a value never matches; the engine matches.
    long_name = "a" * 2000
    assert _ids(f'process where name == "{long_name}"', [_event(name=long_name)]) == [0]


def test_case_folding_is_python_lower() -> None:
    # Lucene folds case per code point; the engine lowers whole strings, so
    # characters whose lowercase form is longer (here U+0130) differ.
    documents = [_event(name="İ")]
    assert _ids('process where name : "i̇"', documents) == [0]


def test_inferred_mapping_keeps_date_strings_keyword() -> None:
    # Dynamic mapping would map an ISO-8601 string to date; inference keeps
    # keyword, so a range on it compares strings.
    types = infer_field_types([{"seen": "2024-01-01T00:00:00Z"}])
    assert types["seen"] == "keyword"


def test_text_field_compared_as_keyword() -> None:
    # Elasticsearch EQL does not search text fields; the engine treats a
    # field mapped as text like a keyword.
    documents = [_event(message="hello world")]
    options = {"field_types": {"message": "text", "event.category": "keyword"}}
    assert _ids('process where message == "hello world"', documents, **options) == [0]


def test_multi_valued_join_key_uses_smallest_value() -> None:
    documents = [
        {"@timestamp": 1, "event": {"category": ["process"]}, "k": ["b", "a"], "s": 1},
        {"@timestamp": 2, "event": {"category": ["process"]}, "k": "a", "s": 2},
    ]
    query = "sequence by k [process where s == 1] [process where s == 2]"
    hits = list(compile_query(query).run(documents))
    assert [h.join_keys for h in hits] == [("a",)]


def test_sub_millisecond_order_is_input_order() -> None:
    # date fields keep milliseconds: events 0.1 ms apart tie and keep input
    # order, as in Elasticsearch; date_nanos fields would order them.
    documents = [
        _event(**{"@timestamp": "2024-01-01T00:00:00.0002Z", "n": 1}),
        _event(**{"@timestamp": "2024-01-01T00:00:00.0001Z", "n": 2}),
    ]
    assert _ids("process where n > 0", documents) == [0, 1]


def test_event_without_timestamp_sorts_last() -> None:
    documents = [{"event": {"category": ["process"]}, "n": 1}, _event(n=2)]
    assert _ids("process where n > 0", documents) == [1, 0]


def test_string_contains_empty_needle_is_true() -> None:
    # Java's String.contains("") is true; an early ES doc page stated false.
    response = search(
        'process where stringContains(name, "")', [_event(name="x")], schema="none"
    )
    assert response["hits"]["total"]["value"] == 1


def test_null_value_mapping_not_applied() -> None:
    # With "null_value": "NULL" in the mapping, Elasticsearch matches an
    # explicit null as "NULL"; the engine has no such mapping parameter.
    documents = [_event(field=None)]
    assert _ids('process where field == "NULL"', documents) == []
    assert _ids("process where field == null", documents) == [0]
