"""A loopback HTTP server whose error body quotes the request's credentials back.

Some proxies and misconfigured servers repeat the ``Authorization`` header in
an error body. Clients must mask it before the text reaches an exception or
a log, and this server lets a test check that.
"""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _EchoHandler(BaseHTTPRequestHandler):
    server: EchoServer

    def _reply(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        header = self.headers.get("Authorization", "")
        token = header.partition(" ")[2]
        try:
            decoded = base64.b64decode(token, validate=True).decode("utf-8")
        except ValueError:
            decoded = ""
        message = f"got auth {header}; token {token}; decoded {decoded}"
        if self.server.shape == "elasticsearch":
            document: dict[str, Any] = {
                "error": {"type": "security_exception", "reason": message},
                "status": self.server.status,
            }
        else:
            document = {
                "statusCode": self.server.status,
                "error": "echo",
                "message": message,
            }
        body = json.dumps(document).encode("utf-8")
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        self._reply()

    def do_POST(self) -> None:  # noqa: N802
        self._reply()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class EchoServer(ThreadingHTTPServer):
    """Reply ``status`` to every request, with the credentials in the message.

    ``shape`` is ``kibana`` (``{"statusCode", "error", "message"}``) or
    ``elasticsearch`` (``{"error": {"type", "reason"}, "status"}``). Use as
    a context manager; ``url`` is the server's base URL on 127.0.0.1.
    """

    daemon_threads = True

    def __init__(self, status: int = 400, shape: str = "kibana"):
        super().__init__(("127.0.0.1", 0), _EchoHandler)
        self.status = status
        self.shape = shape
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Return the base URL, ``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> EchoServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
