"""Replay recorded logs through rules: ECS NDJSON, Windows JSON and .evtx files.

:func:`iter_documents` streams a file as ECS documents (Windows events are
mapped the way Elastic's Windows integrations map them), and :func:`replay`
runs many rules over that stream in one pass.
"""

from dac.replay.routing import assign_index, index_name_error
from dac.replay.runner import ReplayAlert, ReplayResult, replay
from dac.replay.sources import (
    ReplayInputError,
    check_timestamps,
    input_path_error,
    iter_documents,
    merge_by_time,
    normalize,
)

__all__ = [
    "ReplayAlert",
    "ReplayInputError",
    "ReplayResult",
    "assign_index",
    "check_timestamps",
    "index_name_error",
    "input_path_error",
    "iter_documents",
    "merge_by_time",
    "normalize",
    "replay",
]
