"""Conformance of the embedded engine with Elasticsearch, case by case.

Each YAML file under conformance/ contains documents and cases. A case gives a
query, the ids Elasticsearch returns (``-`` for a missing-event placeholder)
and the documentation page or spec test it comes from.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from dac.engine import infer_field_types, search
from dac.errors import EqlError, EqlSemanticError, EqlSyntaxError

HERE = Path(__file__).parent / "conformance"
ERRORS = {"syntax": EqlSyntaxError, "semantic": EqlSemanticError, "rejected": EqlError}


def _load_cases() -> list:
    params = []
    for path in sorted(HERE.glob("*.yaml")):
        suite = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in suite["cases"]:
            marks = []
            if "xfail" in case:
                # A known gap outside the engine; strict, so a fix shows up.
                marks.append(pytest.mark.xfail(reason=case["xfail"], strict=True))
            case_id = f"{path.stem}:{case['name']}"
            params.append(pytest.param(suite, case, id=case_id, marks=marks))
    return params


def _ids(response: dict) -> list:
    hits = response["hits"]
    if "events" in hits:
        return [event["_id"] for event in hits["events"]]
    return [
        ["-" if event.get("missing") else event["_id"] for event in sequence["events"]]
        for sequence in hits["sequences"]
    ]


@pytest.mark.parametrize(("suite", "case"), _load_cases())
def test_conformance(suite: dict, case: dict) -> None:
    options = {**suite.get("options", {}), **case.get("options", {})}
    options.setdefault("schema", "none")
    options.setdefault("size", 100)
    documents = case.get("documents", suite.get("documents", []))
    if "fields" in suite or "fields" in case:
        # Inferred types, overridden where the spec's mapping states otherwise.
        options["schema"] = {
            **infer_field_types(documents),
            **suite.get("fields", {}),
            **case.get("fields", {}),
        }
    if "error" in case:
        with pytest.raises(ERRORS[case["error"]]):
            search(case["query"], documents, **options)
        return
    response = search(case["query"], documents, **options)
    if "expected_one_of" in case:
        # Elasticsearch's spec accepts any of these (shard order decides).
        assert _ids(response) in case["expected_one_of"]
    else:
        assert _ids(response) == case["expected"]
    if "join_keys" in case:
        keys = [s["join_keys"] for s in response["hits"]["sequences"]]
        assert keys == case["join_keys"]
