"""The embedded engine against the ``eql`` package (endgame's PythonEngine).

Where both implement the same semantics, the results must agree. Where
``eql`` differs from Elasticsearch, the tests pin the difference, so a
change in either engine shows up.
"""

from __future__ import annotations

import random

import eql
import pytest
from dac.engine import compile_query
from eql import PythonEngine
from eql.events import Event


def _eql_ids(query: str, documents: list[dict]) -> list[int]:
    with eql.parser.elasticsearch_syntax, eql.parser.ignore_missing_functions:
        parsed = eql.parse_query(query)
    found: list[int] = []
    engine = PythonEngine({})
    engine.add_output_hook(lambda output: found.append(output.events[0].data["n"]))
    engine.add_query(parsed)
    engine.stream_events(
        [Event(d["event"]["category"][0], d["@timestamp"], d) for d in documents]
    )
    return found


def _our_ids(query: str, documents: list[dict]) -> list[int]:
    return [hit.events[0]["n"] for hit in compile_query(query).run(documents)]


def _documents(seed: int, count: int = 300) -> list[dict]:
    rng = random.Random(seed)
    names = ["cmd.exe", "CMD.EXE", "powershell.exe", "svchost.exe", "Cmd.Exe"]
    documents = []
    for n in range(count):
        document = {
            "@timestamp": n,
            "n": n,
            "event": {"category": [rng.choice(["process", "network"])]},
            "process": {"pid": rng.randint(0, 1000), "name": rng.choice(names)},
        }
        if rng.random() < 0.2:
            del document["process"]["pid"]
        documents.append(document)
    return documents


AGREEING = [
    "process where process.pid > 500",
    "process where process.pid >= 100 and process.pid < 200",
    "network where process.pid == 7 or process.pid == 8",
    'process where process.name : "cmd*"',
    'any where process.name : ("*.exe") and process.pid < 50',
    "process where process.pid % 2 == 1",
]


@pytest.mark.parametrize("query", AGREEING)
def test_engines_agree(query: str) -> None:
    documents = _documents(seed=len(query))
    assert _our_ids(query, documents) == _eql_ids(query, documents)


def test_eql_equality_ignores_case() -> None:
    documents = _documents(seed=1)
    query = 'process where process.name == "cmd.exe"'
    ours = _our_ids(query, documents)
    theirs = _eql_ids(query, documents)
    exact = [d["n"] for d in documents if d["process"]["name"] == "cmd.exe"]
    exact = [n for n in exact if documents[n]["event"]["category"] == ["process"]]
    assert ours == exact
    assert len(theirs) > len(ours)


def test_eql_reads_arrays_as_values() -> None:
    documents = [
        {
            "@timestamp": 1,
            "n": 1,
            "event": {"category": ["process"]},
            "tags": ["a", "b"],
        }
    ]
    query = 'process where tags == "a"'
    assert _our_ids(query, documents) == [1]
    assert _eql_ids(query, documents) == []


def test_eql_not_equal_skips_missing() -> None:
    documents = [
        {"@timestamp": 1, "n": 1, "event": {"category": ["process"]}},
        {"@timestamp": 2, "n": 2, "event": {"category": ["process"]}, "user": "x"},
    ]
    query = 'process where user != "x"'
    assert _our_ids(query, documents) == [1]
    assert _eql_ids(query, documents) != [1]
