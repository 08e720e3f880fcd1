"""Write small but real Windows ``.evtx`` files for tests.

Windows stores an event log as a 4 KiB file header followed by 64 KiB
chunks. Each chunk contains records whose body is "binary XML": a template
of tokens (elements, attributes, substitution slots) plus the substitution
values of the record. This writer emits that layout with one resident
template per record and UTF-16 string substitutions. Offsets and token
layouts are the ones python-evtx 0.8's reader parses (``Evtx/Evtx.py`` and
``Evtx/Nodes.py``). It writes only what the tests need: one chunk, string
values, no shared templates or string tables.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

FILE_HEADER_SIZE = 0x1000
CHUNK_SIZE = 0x10000
CHUNK_HEADER_SIZE = 0x200
WSTRING = 0x01

# Binary XML tokens.
END_OF_STREAM = 0x00
OPEN_START_ELEMENT = 0x01
OPEN_START_ELEMENT_WITH_ATTRIBUTES = 0x41
CLOSE_START_ELEMENT = 0x02
CLOSE_EMPTY_ELEMENT = 0x03
CLOSE_ELEMENT = 0x04
ATTRIBUTE = 0x06
TEMPLATE_INSTANCE = 0x0C
NORMAL_SUBSTITUTION = 0x0D
STREAM_START = 0x0F


def _filetime(moment: datetime) -> int:
    return int((moment.timestamp() + 11_644_473_600) * 10_000_000)


class _Template:
    """Builds the token stream of one template; values become substitutions."""

    def __init__(self, base: int):
        self.base = base  # chunk-relative offset of the first token byte
        self.data = bytearray()
        self.values: list[str] = []

    def _name(self, text: str) -> bytes:
        encoded = text.encode("utf-16-le")
        return struct.pack("<IHH", 0, 0, len(text)) + encoded + b"\x00\x00"

    def _here(self) -> int:
        return self.base + len(self.data)

    def _substitution(self, value: str) -> None:
        self.data += struct.pack("<BHB", NORMAL_SUBSTITUTION, len(self.values), WSTRING)
        self.values.append(value)

    def element(
        self,
        tag: str,
        attributes: Mapping[str, str] | None = None,
        text: str | None = None,
        children: Sequence[tuple] = (),
    ) -> None:
        start = self._here()
        token = OPEN_START_ELEMENT_WITH_ATTRIBUTES if attributes else OPEN_START_ELEMENT
        header = 15 if attributes else 11
        self.data += struct.pack("<BHII", token, 0xFFFF, 0, start + header)
        if attributes:
            self.data += struct.pack("<I", 0)  # attribute list size, unused by readers
        self.data += self._name(tag)
        for name, value in (attributes or {}).items():
            self.data += struct.pack("<BI", ATTRIBUTE, self._here() + 5)
            self.data += self._name(name)
            self._substitution(value)
        if text is None and not children:
            self.data += bytes([CLOSE_EMPTY_ELEMENT])
            return
        self.data += bytes([CLOSE_START_ELEMENT])
        if text is not None:
            self._substitution(text)
        for child in children:
            self.element(*child)
        self.data += bytes([CLOSE_ELEMENT])


def _record_body(record_offset: int, number: int, system: dict, data: dict) -> bytes:
    """Binary XML of one record: stream start, template instance, template, values."""
    body = bytearray(struct.pack("<BBH", STREAM_START, 1, 1))
    instance_offset = record_offset + 0x18 + len(body)
    template_offset = instance_offset + 10
    template = _Template(template_offset + 0x18)
    template.data += struct.pack("<BBH", STREAM_START, 1, 1)
    system_children = [
        ("Provider", {"Name": system["provider"]}),
        ("EventID", None, system["event_id"]),
        ("TimeCreated", {"SystemTime": system["time"]}),
        ("EventRecordID", None, str(number)),
        ("Channel", None, system["channel"]),
        ("Computer", None, system["computer"]),
    ]
    if system.get("user_id"):
        system_children.append(("Security", {"UserID": system["user_id"]}))
    data_children = [("Data", {"Name": name}, value) for name, value in data.items()]
    template.element(
        "Event",
        {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
        None,
        [
            ("System", None, None, system_children),
            ("EventData", None, None, data_children),
        ],
    )
    template.data += bytes([END_OF_STREAM])

    template_id = number
    guid = struct.pack("<I", template_id) + bytes(12)
    body += struct.pack("<BBII", TEMPLATE_INSTANCE, 1, template_id, template_offset)
    body += struct.pack("<I", 0) + guid + struct.pack("<I", len(template.data))
    body += template.data
    encoded = [value.encode("utf-16-le") for value in template.values]
    body += struct.pack("<I", len(encoded))
    for value in encoded:
        body += struct.pack("<HBB", len(value), WSTRING, 0)
    for value in encoded:
        body += value
    return bytes(body)


def write_evtx(path: Path, events: Sequence[tuple[dict, dict]], when: datetime) -> Path:
    """Write ``events`` as (system, event data) pairs into one chunk at ``path``.

    ``system`` contains provider, event_id, time (ISO 8601), channel, computer
    and optionally user_id; ``data`` maps each ``Data Name`` to its text.
    """
    records = bytearray()
    offsets = []
    for number, (system, data) in enumerate(events, start=1):
        record_offset = CHUNK_HEADER_SIZE + len(records)
        offsets.append(record_offset)
        body = _record_body(record_offset, number, system, data)
        size = 0x18 + len(body) + 4
        records += struct.pack("<IIQQ", 0x2A2A, size, number, _filetime(when))
        records += body + struct.pack("<I", size)
    if CHUNK_HEADER_SIZE + len(records) > CHUNK_SIZE:
        raise ValueError("too many events for one chunk")

    count = len(events)
    header = bytearray(CHUNK_HEADER_SIZE)
    struct.pack_into(
        "<8sQQQQIIII",
        header,
        0,
        b"ElfChnk\x00",
        1,
        count,
        1,
        count,
        0x80,
        offsets[-1] if offsets else CHUNK_HEADER_SIZE,
        CHUNK_HEADER_SIZE + len(records),
        zlib.crc32(records),
    )
    checksum = zlib.crc32(bytes(header[:0x78]) + bytes(header[0x80:]))
    struct.pack_into("<I", header, 0x7C, checksum)
    chunk = bytes(header) + bytes(records)
    chunk += bytes(CHUNK_SIZE - len(chunk))

    file_header = bytearray(FILE_HEADER_SIZE)
    struct.pack_into(
        "<8sQQQIHHHH",
        file_header,
        0,
        b"ElfFile\x00",
        0,
        0,
        count + 1,
        0x80,
        1,
        3,
        FILE_HEADER_SIZE,
        1,
    )
    struct.pack_into("<I", file_header, 0x7C, zlib.crc32(bytes(file_header[:0x78])))
    path.write_bytes(bytes(file_header) + chunk)
    return path
