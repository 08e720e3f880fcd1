"""Read recorded logs as a stream of ECS documents.

Accepted inputs:

* ECS NDJSON, one document per line: bare ``_source`` documents, or search
  hits ``{"_index": ..., "_source": {...}}`` as Elasticsearch exports them.
* Windows events as JSON, one per line or in a JSON array: the
  ``{"Event": {"System": ..., "EventData": ...}}`` shape that EVTX
  converters write, or the flat shape (``EventID``, ``Image``,
  ``CommandLine``... at top level) of public datasets.
* Windows ``.evtx`` files, read with python-evtx.

Windows events are mapped to ECS by :mod:`dac.replay.windows`. Every reader
yields one document at a time, so memory does not grow with the file.
"""

from __future__ import annotations

import codecs
import heapq
import json
import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from dac.engine import field_getter, timestamp_error
from dac.errors import DacError
from dac.events.fields import get_path
from dac.replay.windows import WindowsRecord, to_ecs
from dac.testing.indexes import timestamp_millis

log = logging.getLogger(__name__)

# Key under which each document records the file and line it came from.
SOURCE_KEY = "_replay_source"

# A line longer than this is not a log record; reading on would only waste memory.
MAX_LINE_BYTES = 16 * 1024 * 1024
_CHUNK = 1024 * 1024
_LINE_PIECE = 64 * 1024
# Python's JSON decoder recurses once per level of nesting, so about 1,000
# levels (the default recursion limit) raise RecursionError.
TOO_DEEP = (
    "nesting too deep: the JSON decoder stops at about 1,000 levels "
    "of objects and arrays"
)
_EVENT_NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"


class ReplayInputError(DacError):
    """A replayed file is missing, unreadable or malformed; names the file and line."""

    def __init__(self, message: str, path: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


def iter_documents(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the ECS documents recorded in ``path``, each tagged with its source.

    Raises :class:`ReplayInputError` naming the file (and line) for a file
    that cannot be read or a record that is not valid.
    """
    path = Path(path)
    problem = input_path_error(path)
    if problem is not None:
        raise ReplayInputError(problem, str(path))
    if path.suffix.lower() == ".evtx":
        yield from _read_evtx(path)
        return
    try:
        with path.open("rb") as stream:
            first = _first_byte(stream)
            stream.seek(0)
            if first == b"[":
                yield from _read_json_array(stream, path)
            else:
                yield from _read_ndjson(stream, path)
    except OSError as exc:
        raise ReplayInputError(f"cannot read file: {exc.strerror}", str(path)) from exc


def input_path_error(path: Path) -> str | None:
    """Return why ``path`` cannot be read as a log file, or None when it can."""
    if path.is_file():
        return None
    if path.is_dir():
        return "is a directory; pass the log files in it"
    if path.exists():
        return "not a regular file; pass a log file"
    if path.is_symlink():
        return "broken symbolic link; its target does not exist"
    return "file not found"


def check_timestamps(
    documents: Iterable[dict[str, Any]], fields: Iterable[str]
) -> Iterator[dict[str, Any]]:
    """Pass ``documents`` through, rejecting a timestamp no date field can hold.

    Raises :class:`ReplayInputError` naming the document's file and line when
    a value of one of ``fields`` is infinite, NaN or outside a 64-bit count
    of milliseconds, since Elasticsearch rejects such a document.
    """
    getters = {name: field_getter(tuple(name.split("."))) for name in set(fields)}
    for document in documents:
        for name, getter in getters.items():
            for value in getter(document):
                problem = timestamp_error(value)
                if problem is not None:
                    raise ReplayInputError(
                        f"invalid {name} {json.dumps(value)}: {problem}",
                        str(document.get(SOURCE_KEY, "")),
                    )
        yield document


def merge_by_time(
    streams: Iterable[Iterator[dict[str, Any]]],
    timestamp_field: str = "@timestamp",
) -> Iterator[dict[str, Any]]:
    """Interleave document streams by ``timestamp_field``, reading each lazily.

    Each stream must already be in time order, as exports sorted by time
    are. Documents without a readable timestamp sort first.
    """

    def key(document: dict[str, Any]) -> float:
        millis = timestamp_millis(get_path(document, timestamp_field))
        return float("-inf") if millis is None else millis

    return heapq.merge(*streams, key=key)


def _first_byte(stream: Any) -> bytes:
    while True:
        chunk = stream.read(4096)
        if not chunk:
            return b""
        stripped = chunk.lstrip(b" \t\r\n\xef\xbb\xbf")
        if stripped:
            return stripped[:1]


def _read_ndjson(stream: Any, path: Path) -> Iterator[dict[str, Any]]:
    for number, raw in enumerate(_lines(stream, path), start=1):
        text = raw.strip()
        if not text:
            continue
        try:
            item = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ReplayInputError(
                f"invalid JSON: {exc}; each line must hold one JSON object",
                str(path),
                number,
            ) from exc
        except RecursionError as exc:
            raise ReplayInputError(TOO_DEEP, str(path), number) from exc
        yield _tagged(item, path, number)


def _lines(stream: Any, path: Path) -> Iterator[bytes]:
    """Yield the lines of ``stream``, rejecting one longer than MAX_LINE_BYTES.

    Lines are read in pieces of at most ``_LINE_PIECE`` bytes, so a file
    without newlines cannot make one read allocate the whole file.
    """
    number = 0
    while True:
        line = stream.readline(_LINE_PIECE)
        if not line:
            return
        number += 1
        if not line.endswith(b"\n"):
            pieces = [line]
            size = len(line)
            while True:
                piece = stream.readline(_LINE_PIECE)
                pieces.append(piece)
                size += len(piece)
                if size > MAX_LINE_BYTES:
                    raise ReplayInputError(
                        f"line is longer than {MAX_LINE_BYTES} bytes; is this NDJSON?",
                        str(path),
                        number,
                    )
                if not piece or piece.endswith(b"\n"):
                    break
            line = b"".join(pieces)
        yield line


def _read_json_array(stream: Any, path: Path) -> Iterator[dict[str, Any]]:
    """Decode a top-level JSON array one element at a time."""
    decoder = json.JSONDecoder()
    buffer = ""
    position = 0
    line = 1
    started = False
    index = 0
    # The incremental decoder keeps a character split across two chunks.
    utf8 = codecs.getincrementaldecoder("utf-8")()
    while True:
        chunk = stream.read(_CHUNK)
        try:
            buffer = buffer[position:] + utf8.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise ReplayInputError("invalid UTF-8", str(path), line) from exc
        position = 0
        at_end = not chunk
        while True:
            position = _skip_space(buffer, position)
            if position >= len(buffer):
                break
            char = buffer[position]
            if not started:
                if buffer.startswith("\ufeff", position):
                    position += 1
                    continue
                started = True
                position += 1  # the opening "["
                continue
            if char in ",":
                position += 1
                continue
            if char == "]":
                return
            try:
                item, end = decoder.raw_decode(buffer, position)
            except ValueError as exc:
                if at_end or len(buffer) - position > MAX_LINE_BYTES:
                    raise ReplayInputError(
                        f"invalid JSON in array element {index}: {exc}",
                        str(path),
                        line + buffer.count("\n", 0, position),
                    ) from exc
                break  # the element continues in the next chunk
            except RecursionError as exc:
                raise ReplayInputError(
                    TOO_DEEP, str(path), line + buffer.count("\n", 0, position)
                ) from exc
            element_line = line + buffer.count("\n", 0, position)
            yield _tagged(item, path, element_line)
            index += 1
            position = end
        line += buffer.count("\n", 0, position)
        if at_end:
            raise ReplayInputError("JSON array is not closed with ']'", str(path), line)


def _skip_space(buffer: str, position: int) -> int:
    while position < len(buffer) and buffer[position] in " \t\r\n":
        position += 1
    return position


def _tagged(item: Any, path: Path, line: int) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ReplayInputError(
            f"expected a JSON object, got {type(item).__name__}", str(path), line
        )
    try:
        document = normalize(item)
    except (TypeError, ValueError, AttributeError) as exc:
        raise ReplayInputError(f"invalid record: {exc}", str(path), line) from exc
    document[SOURCE_KEY] = f"{path}:{line}"
    return document


def normalize(item: dict[str, Any]) -> dict[str, Any]:
    """Turn one parsed record of any accepted shape into an ECS document."""
    source = item.get("_source")
    if isinstance(source, dict):
        document = dict(source)
        if isinstance(item.get("_index"), str):
            document["_index"] = item["_index"]
        return document
    event = item.get("Event")
    if isinstance(event, Mapping) and isinstance(event.get("System"), Mapping):
        return to_ecs(_structured_record(event))
    if "EventID" in item and not isinstance(item.get("event"), Mapping):
        return to_ecs(_flat_record(item))
    return dict(item)


def _attributes(value: Any) -> Any:
    """Unwrap ``{"#attributes": {...}}`` and ``{"#text": x}`` from EVTX converters."""
    if isinstance(value, Mapping):
        if "#attributes" in value and len(value) == 1:
            return dict(value["#attributes"])
        if "#text" in value:
            return value["#text"]
        merged = dict(value.get("#attributes") or {})
        # xmltodict writes attributes as "@Name" keys.
        merged.update(
            {k.removeprefix("@"): v for k, v in value.items() if k != "#attributes"}
        )
        return merged
    return value


def _structured_record(event: Mapping[str, Any]) -> WindowsRecord:
    system = {key: _attributes(value) for key, value in event["System"].items()}
    data = event.get("EventData") or {}
    if isinstance(data, Mapping) and "Data" in data and len(data) <= 2:
        data = _data_list(data["Data"])
    elif isinstance(data, Mapping):
        data = {k: _attributes(v) for k, v in data.items() if k != "#attributes"}
    else:
        data = {}
    return WindowsRecord(system, data)


def _data_list(items: Any) -> dict[str, Any]:
    """Read ``[{"@Name": "Image", "#text": "..."}]`` (xmltodict) and similar lists."""
    if isinstance(items, Mapping):
        items = [items]
    data: dict[str, Any] = {}
    for entry in items if isinstance(items, list) else []:
        if isinstance(entry, Mapping):
            name = entry.get("@Name", entry.get("Name"))
            value = entry.get("#text", entry.get("text", entry.get("Value")))
            if isinstance(name, str):
                data[name] = value
    return data


_FLAT_SYSTEM = {
    "EventID": "EventID",
    "Channel": "Channel",
    "Hostname": "Computer",
    "Computer": "Computer",
}


def _flat_record(item: Mapping[str, Any]) -> WindowsRecord:
    system: dict[str, Any] = {}
    for key, target in _FLAT_SYSTEM.items():
        if key in item and item[key] not in (None, ""):
            system.setdefault(target, item[key])
    provider = (
        item.get("SourceName") or item.get("ProviderName") or item.get("Provider")
    )
    if provider:
        system["Provider"] = {"Name": provider}
    if "Channel" not in system and isinstance(provider, str):
        if provider == "Microsoft-Windows-Sysmon":
            system["Channel"] = "Microsoft-Windows-Sysmon/Operational"
        elif provider == "Microsoft-Windows-Security-Auditing":
            system["Channel"] = "Security"
    # EventTime in NXLog-style exports is local time without a zone, so the
    # UTC fields come first.
    for key in ("TimeCreated", "@timestamp", "EventTime"):
        if isinstance(item.get(key), str):
            system["TimeCreated"] = {"SystemTime": item[key]}
            break
    user_id = item.get("UserID")
    if isinstance(user_id, str):
        system["Security"] = {"UserID": user_id}
    return WindowsRecord(system, dict(item))


def _read_evtx(path: Path) -> Iterator[dict[str, Any]]:
    try:
        from Evtx.Evtx import Evtx
    except ImportError as exc:
        raise ReplayInputError(
            "reading .evtx needs python-evtx; install the project's dependencies",
            str(path),
        ) from exc
    try:
        with Evtx(str(path)) as log_file:
            header = log_file.get_file_header()
            if not header.check_magic():
                raise ReplayInputError(
                    "not an EVTX file (no 'ElfFile' signature)", str(path)
                )
            for record in log_file.records():
                number = record.record_num()
                record_xml = record.xml()
                document = to_ecs(_xml_record(record_xml, path, number))
                document[SOURCE_KEY] = f"{path}#{number}"
                yield document
    except ReplayInputError:
        raise
    except OSError as exc:
        raise ReplayInputError(f"cannot read file: {exc.strerror}", str(path)) from exc
    except Exception as exc:  # noqa: BLE001 - python-evtx raises many types on bad input
        raise ReplayInputError(
            f"malformed EVTX file ({type(exc).__name__}: {exc})", str(path)
        ) from exc


def _xml_record(text: str, path: Path, number: int) -> WindowsRecord:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ReplayInputError(
            f"record {number} is not valid XML: {exc}", str(path)
        ) from exc
    system: dict[str, Any] = {}
    system_element = root.find(f"{_EVENT_NS}System")
    for child in system_element if system_element is not None else []:
        tag = child.tag.replace(_EVENT_NS, "")
        if child.attrib and not (child.text or "").strip():
            system[tag] = dict(child.attrib)
        else:
            system[tag] = (child.text or "").strip()
    data: dict[str, Any] = {}
    event_data = root.find(f"{_EVENT_NS}EventData")
    for index, child in enumerate(event_data if event_data is not None else []):
        name = child.attrib.get("Name") or f"param{index + 1}"
        data[name] = (child.text or "").strip()
    return WindowsRecord(system, data)
