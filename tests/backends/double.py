"""Loopback HTTP test doubles for the Elasticsearch and Kibana calls of the backends.

These are test doubles built from the documented request and response
shapes, not Elasticsearch or Kibana: they evaluate no query. Each runs an
HTTP server on 127.0.0.1 in a thread, records every request, and responds
to searches with responses the test scripts. What they enforce:

Elasticsearch double
- an ``Authorization`` header (Basic or ApiKey) on every request, else 401
  in Elasticsearch's error shape;
- ``PUT /_index_template/<name>`` bodies with ``index_patterns``,
  ``data_stream`` and ``template.mappings``;
- ``POST /_bulk``: ``Content-Type: application/x-ndjson``, a body ending in
  a newline, action/source line pairs, ``create`` actions only (data streams
  reject ``index``), an ``_id`` per action, and a target data stream covered
  by an installed template with ``data_stream`` (real Elasticsearch would
  fall back to its built-in ``logs`` template, which tests must not hit);
- ``POST /<targets>/_eql/search`` with a JSON body carrying ``query``,
  ``size`` and ``filter``, and ``allow_no_indices``/``ignore_unavailable``;
- ``DELETE /_data_stream/<names>``: 404 for a name it does not hold;
- concrete names (no ``*``) in ``DELETE /<indexes>``, as
  ``action.destructive_requires_name`` demands.

Kibana double
- ``kbn-xsrf`` on non-GET requests and ``elastic-api-version: 2023-10-31``;
- ``/s/<space>`` prefixes only for spaces created through
  ``POST /api/spaces/space`` (others are 404), and space deletion;
- rule create, read by ``id`` with a scripted ``execution_summary``,
  ``preview`` with a scripted response, and ``/api/status``.
"""

from __future__ import annotations

import fnmatch
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Recorded:
    """One request as the double received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class HttpError(Exception):
    def __init__(self, status: int, body: dict[str, Any]):
        super().__init__(status)
        self.status = status
        self.body = body


def es_error(status: int, kind: str, reason: str) -> HttpError:
    """Return an error in Elasticsearch's documented shape."""
    return HttpError(
        status,
        {
            "error": {
                "root_cause": [{"type": kind, "reason": reason}],
                "type": kind,
                "reason": reason,
            },
            "status": status,
        },
    )


class _Server:
    """Thread plumbing shared by both doubles."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                recorded = Recorded(
                    method=self.command,
                    path=unquote(parts.path),
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                with owner._lock:
                    owner.requests.append(recorded)
                    try:
                        status, body = owner.route(recorded)
                    except HttpError as exc:
                        status, body = exc.status, exc.body
                payload = b"" if status == 204 else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            # http.server dispatches on these method names.
            do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def route(self, request: Recorded) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def calls(self, method: str, suffix: str) -> list[Recorded]:
        """Return the requests with ``method`` whose path ends in ``suffix``."""
        return [
            r for r in self.requests if r.method == method and r.path.endswith(suffix)
        ]


@dataclass
class ElasticsearchDouble(_Server):
    """Elasticsearch double; see the module docstring for what it enforces.

    ``eql_response`` builds the ``_eql/search`` response from the ``_id`` list
    of the documents indexed so far. ``bulk_failures`` maps an ``_id`` to the
    error that its ``create`` item reports.
    """

    eql_response: Callable[[list[str]], dict[str, Any]] = lambda ids: {
        "is_partial": False,
        "is_running": False,
        "timed_out": False,
        "took": 1,
        "hits": {"total": {"value": 0, "relation": "eq"}, "events": []},
    }
    search_response: dict[str, Any] = field(default_factory=dict)
    bulk_failures: dict[str, dict[str, Any]] = field(default_factory=dict)
    resolved_indexes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        _Server.__init__(self)
        self.templates: dict[str, dict[str, Any]] = {}
        self.data_streams: dict[str, list[str]] = {}
        self.deleted_indexes: list[str] = []

    def route(self, request: Recorded) -> tuple[int, dict[str, Any]]:
        auth = request.headers.get("authorization", "")
        if not auth.startswith(("Basic ", "ApiKey ")):
            raise es_error(
                401, "security_exception", "missing authentication credentials"
            )
        path = request.path
        if request.method == "GET" and path == "/":
            return 200, {"name": "double", "version": {"number": "9.3.4"}}
        if request.method == "GET" and path == "/_cluster/health":
            return 200, {"cluster_name": "double", "status": "yellow"}
        if request.method == "PUT" and path.startswith("/_index_template/"):
            return self._put_template(path.rsplit("/", 1)[1], request.json())
        if request.method == "POST" and path == "/_bulk":
            return self._bulk(request)
        if request.method == "POST" and path.endswith("/_eql/search"):
            return self._eql(request)
        if request.method == "DELETE" and path.startswith("/_data_stream/"):
            return self._delete_streams(path.split("/", 2)[2].split(","))
        if request.method == "POST" and path.endswith("/_refresh"):
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        if request.method == "POST" and path.endswith("/_search"):
            return 200, self.search_response
        if request.method == "GET" and path.startswith("/_resolve/index/"):
            indices = [
                {"name": name, "attributes": ["hidden"]}
                for name in self.resolved_indexes
            ]
            return 200, {"indices": indices, "aliases": [], "data_streams": []}
        if request.method == "DELETE":
            names = path.strip("/").split(",")
            if any("*" in name for name in names):
                raise es_error(
                    400,
                    "illegal_argument_exception",
                    "Wildcard expressions or all indices are not allowed",
                )
            self.deleted_indexes.extend(names)
            return 200, {"acknowledged": True}
        raise es_error(
            400, "invalid_request", f"double has no route {request.method} {path}"
        )

    def _put_template(
        self, name: str, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        missing = [k for k in ("index_patterns", "data_stream") if k not in body]
        if missing or "mappings" not in body.get("template", {}):
            raise es_error(
                400, "x_content_parse_exception", f"template {name} lacks {missing}"
            )
        self.templates[name] = body
        return 200, {"acknowledged": True}

    def _bulk(self, request: Recorded) -> tuple[int, dict[str, Any]]:
        if request.headers.get("content-type") != "application/x-ndjson":
            raise es_error(406, "content_type", "bulk needs application/x-ndjson")
        text = request.body.decode()
        if not text.endswith("\n"):
            raise es_error(
                400,
                "illegal_argument_exception",
                "The bulk request must be terminated by a newline [\\n]",
            )
        lines = text[:-1].split("\n")
        if len(lines) % 2:
            raise es_error(400, "illegal_argument_exception", "action without source")
        items = []
        for action_line, source_line in zip(lines[::2], lines[1::2], strict=True):
            action = json.loads(action_line)
            json.loads(source_line)
            if list(action) != ["create"]:
                raise es_error(
                    400,
                    "illegal_argument_exception",
                    "only write ops with an op_type of create are allowed "
                    "in data streams",
                )
            meta = action["create"]
            stream, doc_id = meta["_index"], meta["_id"]
            if not self._covered(stream):
                raise es_error(
                    400, "double_rejects", f"no installed template covers {stream}"
                )
            failure = self.bulk_failures.get(doc_id)
            if failure:
                items.append(
                    {
                        "create": {
                            "_index": stream,
                            "_id": doc_id,
                            "status": 400,
                            "error": failure,
                        }
                    }
                )
                continue
            self.data_streams.setdefault(stream, []).append(doc_id)
            items.append(
                {
                    "create": {
                        "_index": f".ds-{stream}-2026.12.04-000001",
                        "_id": doc_id,
                        "_version": 1,
                        "result": "created",
                        "status": 201,
                    }
                }
            )
        errors = any(item["create"]["status"] >= 300 for item in items)
        return 200, {"took": 3, "errors": errors, "items": items}

    def _covered(self, stream: str) -> bool:
        return any(
            fnmatch.fnmatchcase(stream, pattern)
            for template in self.templates.values()
            for pattern in template["index_patterns"]
        )

    def _eql(self, request: Recorded) -> tuple[int, dict[str, Any]]:
        if request.headers.get("content-type") != "application/json":
            raise es_error(406, "content_type", "eql needs application/json")
        body = request.json()
        for key in ("query", "size", "filter"):
            if key not in body:
                raise es_error(400, "parsing_exception", f"missing {key}")
        for flag in ("allow_no_indices", "ignore_unavailable"):
            if request.query.get(flag) != ["true"]:
                raise es_error(400, "double_rejects", f"{flag}=true expected")
        ids = [doc_id for ids in self.data_streams.values() for doc_id in ids]
        return 200, self.eql_response(ids)

    def _delete_streams(self, names: list[str]) -> tuple[int, dict[str, Any]]:
        unknown = [name for name in names if name not in self.data_streams]
        if unknown:
            raise es_error(404, "index_not_found_exception", f"no such index {unknown}")
        for name in names:
            del self.data_streams[name]
        return 200, {"acknowledged": True}


@dataclass
class KibanaDouble(_Server):
    """Kibana double for spaces, rule create/read and preview.

    ``statuses`` is the list of ``execution_summary.last_execution`` values
    that successive reads of a created rule return (the last one repeats).
    ``preview_response`` is returned by ``POST .../rules/preview`` and
    ``status_level`` is the overall level ``GET /api/status`` reports.
    """

    statuses: list[dict[str, Any]] = field(default_factory=list)
    preview_response: dict[str, Any] = field(default_factory=dict)
    status_level: str = "available"

    def __post_init__(self) -> None:
        _Server.__init__(self)
        self.spaces: set[str] = {"default"}
        self.deleted_spaces: list[str] = []
        self.rules: dict[str, dict[str, Any]] = {}
        self._reads = 0

    def route(self, request: Recorded) -> tuple[int, dict[str, Any]]:
        if request.method != "GET" and "kbn-xsrf" not in request.headers:
            raise HttpError(
                400,
                {
                    "statusCode": 400,
                    "error": "Bad Request",
                    "message": "Request must contain a kbn-xsrf header.",
                },
            )
        version = request.headers.get("elastic-api-version")
        if version not in (None, "2023-10-31"):
            raise HttpError(
                400,
                {
                    "statusCode": 400,
                    "error": "Bad Request",
                    "message": f'No version "{version}" available',
                },
            )
        space, path = "default", request.path
        if path.startswith("/s/"):
            _, _, space, rest = path.split("/", 3)
            path = "/" + rest
            if space not in self.spaces:
                raise HttpError(
                    404,
                    {"statusCode": 404, "error": "Not Found", "message": "Not Found"},
                )
        if request.method == "GET" and path == "/api/status":
            return 200, {"status": {"overall": {"level": self.status_level}}}
        if request.method == "POST" and path == "/api/spaces/space":
            body = request.json()
            self.spaces.add(body["id"])
            return 200, body
        if request.method == "DELETE" and path.startswith("/api/spaces/space/"):
            name = path.rsplit("/", 1)[1]
            self.spaces.discard(name)
            self.deleted_spaces.append(name)
            return 204, {}
        if request.method == "POST" and path == "/api/detection_engine/rules":
            rule = {**request.json(), "id": str(uuid.uuid4()), "revision": 0}
            self.rules[rule["id"]] = rule
            return 200, rule
        if request.method == "GET" and path == "/api/detection_engine/rules":
            rule = self.rules[request.query["id"][0]]
            status = self.statuses[min(self._reads, len(self.statuses) - 1)]
            self._reads += 1
            return 200, {**rule, "execution_summary": {"last_execution": status}}
        if request.method == "POST" and path == "/api/detection_engine/rules/preview":
            return 200, self.preview_response
        raise HttpError(
            404,
            {
                "statusCode": 404,
                "error": "Not Found",
                "message": f"no route {request.method} {path}",
            },
        )
