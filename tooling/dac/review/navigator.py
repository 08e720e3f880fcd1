"""Write coverage as an ATT&CK Navigator layer.

The layer follows layer format 4.5 (the format of ATT&CK Navigator 5.x,
described in mitre-attack/attack-navigator ``layers/spec/v4.5/layerformat.md``).
Each covered technique and sub-technique is one entry under its tactic: its
score is the number of rules mapped to it and its comment names them.
"""

from __future__ import annotations

from typing import Any

from dac.review.coverage import Coverage

LAYER_FORMAT_VERSION = "4.5"
NAVIGATOR_VERSION = "5.2.0"
# ATT&CK release assumed when the bundled table does not name its own.
DEFAULT_ATTACK_VERSION = "18"

# Light blue at score 0 to deep blue at the highest score in the layer.
GRADIENT_COLORS = ["#deebf7", "#3182bd", "#08306b"]


def navigator_layer(
    coverage: Coverage, name: str = "dac rule coverage"
) -> dict[str, Any]:
    """Build the layer document (a JSON-ready dict) for ``coverage``."""
    entries: list[dict[str, Any]] = []
    parents_with_subs = {
        technique.parent for _, technique in coverage.covered() if technique.parent
    }
    for tactic, technique in coverage.covered():
        entry: dict[str, Any] = {
            "techniqueID": technique.id,
            "tactic": tactic.shortname,
            "score": technique.score,
            "comment": "Rules: " + "; ".join(sorted(technique.rules)),
            "enabled": True,
        }
        if technique.parent is None and technique.id in parents_with_subs:
            entry["showSubtechniques"] = True
        entries.append(entry)
    max_score = max((entry["score"] for entry in entries), default=1)
    return {
        "name": name,
        "versions": {
            "attack": coverage.attack_version or DEFAULT_ATTACK_VERSION,
            "navigator": NAVIGATOR_VERSION,
            "layer": LAYER_FORMAT_VERSION,
        },
        "domain": "enterprise-attack",
        "description": (
            f"{len(coverage.covered_ids())} techniques and sub-techniques covered; "
            "score = number of rules"
        ),
        "sorting": 3,
        "layout": {
            "layout": "side",
            "showID": True,
            "showName": True,
            "expandedSubtechniques": "annotated",
        },
        "hideDisabled": False,
        "techniques": entries,
        "gradient": {
            "colors": GRADIENT_COLORS,
            "minValue": 0,
            "maxValue": max(max_score, 1),
        },
        "legendItems": [],
        "metadata": [{"name": "generator", "value": "dac coverage"}],
        "showTacticRowBackground": False,
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
        "selectVisibleTechniques": False,
    }
