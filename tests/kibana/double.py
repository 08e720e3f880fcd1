"""An in-process Kibana test double for the detection-engine rules API.

This is a test double built from Kibana's documented behaviour (public API
version 2023-10-31), not Kibana. It runs an HTTP server on 127.0.0.1 in a
thread and enforces what the toolkit relies on:

- ``kbn-xsrf`` on every non-GET request, ``elastic-api-version`` equal to
  ``2023-10-31`` when present, and an ``Authorization`` header it accepts;
- spaces (``/s/<space>`` prefix; an unknown space is 404);
- rules CRUD with 409 on a duplicate rule_id, 404, 400 in both error shapes
  (the platform shape and a security-solution ``message`` list);
- ``_find`` paging (``page * per_page`` may not pass 10,000);
- ``_bulk_action`` with at most 100 ids, HTTP 500 on partial failure, and
  429 beyond the concurrency limit;
- ``_import`` (multipart, ``.ndjson`` only, per-rule errors inside a 200),
  ``_export`` (ndjson with a details line last) and ``preview``.

Faults are injected with :meth:`KibanaDouble.add_fault`: a status (with an
optional ``Retry-After``), a delay longer than the client's timeout, or a
dropped connection, applied before or after the request takes effect.
"""

from __future__ import annotations

import base64
import copy
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kibana import double_store as store
from kibana.double_routes import dispatch
from kibana.double_store import ApiError, platform_error, siem_error

API_VERSION = "2023-10-31"


@dataclass
class Fault:
    """One injected failure, matched on method and path suffix.

    ``kind`` is ``status`` (respond with ``status`` and ``retry_after``),
    ``delay`` (sleep ``seconds`` then respond normally), ``drop`` (close
    the connection without a response) or ``html`` (respond with ``status``
    and an HTML page, as a proxy in front of Kibana might). ``when`` is ``before`` (the
    request has no effect) or ``after`` (the change is stored, then the
    fault happens). ``times`` counts how many requests it hits.
    """

    method: str
    path: str
    kind: str = "status"
    status: int = 503
    retry_after: str | None = None
    seconds: float = 0.0
    when: str = "before"
    times: int = 1
    body_contains: str | None = None


@dataclass
class RecordedRequest:
    """A request the double received (without the Authorization header)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = field(repr=False)


class KibanaDouble:
    """The double's state and server; use as a context manager or start/stop."""

    def __init__(
        self,
        api_keys: tuple[str, ...] = ("test-api-key",),
        users: dict[str, str] | None = None,
        spaces: tuple[str, ...] = ("default",),
        bulk_concurrency: int = 5,
    ):
        self.api_keys = set(api_keys)
        self.users = dict(users or {})
        self.spaces: dict[str, dict[str, dict[str, Any]]] = {s: {} for s in spaces}
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self.bulk_slots = threading.BoundedSemaphore(bulk_concurrency)
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> KibanaDouble:
        """Start serving on an ephemeral port of 127.0.0.1."""
        handler = type("Handler", (_Handler,), {"double": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the server and wait for its thread."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> KibanaDouble:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Return the base URL, ``http://127.0.0.1:<port>``."""
        assert self._server is not None, "start() the double first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- helpers for tests ------------------------------------------------------

    def add_fault(self, **kwargs: Any) -> Fault:
        """Queue a :class:`Fault` and return it."""
        fault = Fault(**kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    def rules(self, space: str = "default") -> dict[str, dict[str, Any]]:
        """Return a deep copy of the rules in ``space`` keyed by rule_id."""
        with self.lock:
            return copy.deepcopy(self.spaces[space])

    def edit_in_ui(self, rule_id: str, space: str = "default", **changes: Any) -> None:
        """Change a stored rule the way a user editing it in Kibana would."""
        with self.lock:
            old = self.spaces[space][rule_id]
            self.spaces[space][rule_id] = store.patch(old, changes, "ui-user")

    def seed(self, body: dict[str, Any], space: str = "default") -> dict[str, Any]:
        """Store a rule directly, as if someone created it outside the toolkit."""
        with self.lock:
            rule = store.materialize(body, "someone-else")
            self.spaces[space][rule["rule_id"]] = rule
            return copy.deepcopy(rule)

    def take_fault(self, method: str, path: str, body: bytes) -> Fault | None:
        """Return and consume the first fault matching this request."""
        with self.lock:
            for fault in self.faults:
                if fault.times <= 0 or fault.method != method:
                    continue
                if not path.endswith(fault.path):
                    continue
                if fault.body_contains and fault.body_contains.encode() not in body:
                    continue
                fault.times -= 1
                return fault
        return None

    # -- authentication ---------------------------------------------------------

    def authenticate(self, header: str | None) -> str:
        """Return the user name for an Authorization header or raise 401."""
        if header:
            scheme, _, token = header.partition(" ")
            if scheme == "ApiKey" and token in self.api_keys:
                return "api-key-user"
            if scheme == "Basic":
                try:
                    user, _, password = base64.b64decode(token).decode().partition(":")
                except (ValueError, UnicodeDecodeError):
                    user, password = "", None
                if user in self.users and self.users[user] == password:
                    return user
        raise platform_error(
            401, "Unauthorized", "[security_exception]: unable to authenticate user"
        )


class _Handler(BaseHTTPRequestHandler):
    double: KibanaDouble
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        """Disable Nagle's algorithm so small responses are not delayed ~40 ms."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Keep the test output quiet."""

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._handle("PUT")

    def do_PATCH(self) -> None:  # noqa: N802
        self._handle("PATCH")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        double = self.double
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {
            k.lower(): v
            for k, v in self.headers.items()
            if k.lower() != "authorization"
        }
        query = parse_qs(parts.query, keep_blank_values=True)
        with double.lock:
            double.requests.append(
                RecordedRequest(method, parts.path, query, headers, body)
            )
        fault = double.take_fault(method, parts.path, body)
        if fault and fault.when == "before" and self._apply_fault(fault):
            return
        try:
            status, payload, content_type = _route(
                double, self, method, parts.path, query, body
            )
        except ApiError as exc:
            status, payload, content_type = exc.status, exc.body, "application/json"
        if fault and fault.when == "after" and self._apply_fault(fault):
            return
        self._send(status, payload, content_type)

    def _apply_fault(self, fault: Fault) -> bool:
        """Apply a fault; return True when no normal response must follow."""
        if fault.kind == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return True
        if fault.kind == "delay":
            time.sleep(fault.seconds)
            return False
        if fault.kind == "html":
            self._send(fault.status, "<html>proxy error page</html>", "text/html")
            return True
        extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        body = {
            "statusCode": fault.status,
            "error": "Injected",
            "message": "injected fault",
        }
        self._send(fault.status, body, "application/json", extra)
        return True

    def _send(
        self,
        status: int,
        payload: Any,
        content_type: str,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        data = (
            payload.encode()
            if isinstance(payload, str)
            else json.dumps(payload).encode()
        )
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (extra_headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


def _route(
    double: KibanaDouble,
    handler: _Handler,
    method: str,
    path: str,
    query: dict[str, list[str]],
    body: bytes,
) -> tuple[int, Any, str]:
    """Check headers, auth and space, then dispatch to the endpoint."""
    version = handler.headers.get("elastic-api-version")
    if method not in ("GET", "HEAD") and handler.headers.get("kbn-xsrf") is None:
        raise platform_error(
            400, "Bad Request", "Request must contain a kbn-xsrf header."
        )
    user = double.authenticate(handler.headers.get("Authorization"))
    space = "default"
    if path.startswith("/s/"):
        _, _, rest = path.partition("/s/")
        space, _, tail = rest.partition("/")
        path = "/" + tail
    if space not in double.spaces:
        raise platform_error(404, "Not Found", "Not Found")
    if version is not None and version != API_VERSION:
        raise platform_error(
            400,
            "Bad Request",
            f'No version "{version}" available for [{method.lower()}] [{path}]. '
            f"Available versions are: [{API_VERSION}]",
        )
    return dispatch(double, space, user, method, path, query, body, handler.headers)


__all__ = ["Fault", "KibanaDouble", "RecordedRequest", "siem_error"]
