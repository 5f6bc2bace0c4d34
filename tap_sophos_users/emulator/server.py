"""HTTP plumbing: one threaded loopback server per host (global, and each data region).

Speed matters (the tap's benchmarks must measure the tap): HTTP/1.1 keep-alive, a single
write per response with an explicit Content-Length, TCP_NODELAY on every accepted socket
(without it Nagle plus delayed ACKs add ~40 ms per response), and an accept loop that
stops at once instead of polling.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tap_sophos_users.emulator.app import Request, Response, SophosApp
from tap_sophos_users.emulator.errors import api_error

logger = logging.getLogger(__name__)

_PHRASES = {s.value: s.phrase for s in HTTPStatus}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: EmulatorHTTPServer

    def setup(self) -> None:
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().setup()
        self.server.track(self.request, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.request, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the emulator keeps its own request log."""

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._write(Response(400, api_error(400, "Bad Content-Length")))
            return
        body = self.rfile.read(length) if length else b""
        path, _, raw_query = self.path.partition("?")
        query = dict(parse_qsl(raw_query, keep_blank_values=True)) if raw_query else {}
        request = Request(
            method=self.command,
            path=path,
            query=query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            host=self.server.host_port,
            region=self.server.region,
        )
        try:
            response = self.server.app.handle(request)
        except Exception:  # a bug in the emulator must not hang the client
            logger.exception("emulator failed on %s %s", self.command, path)
            response = Response(500, api_error(500, "emulator internal error"))
        self._write(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _write(self, response: Response) -> None:
        lines = [
            f"HTTP/1.1 {response.status} {_PHRASES.get(response.status, 'Error')}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
        ]
        lines.extend(f"{name}: {value}" for name, value in response.headers)
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + response.body)


class EmulatorHTTPServer(ThreadingHTTPServer):
    """One bound host. ``region`` is ``None`` for the global host."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, app: SophosApp, region: str | None) -> None:
        super().__init__((host, port), _Handler)
        self.app = app
        self.region = region
        bound_host, bound_port = self.server_address[:2]
        self.host_port = f"{bound_host!s}:{bound_port}"
        self.url = f"http://{self.host_port}"
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        self._closing = False
        self._thread: threading.Thread | None = None

    def track(self, conn: socket.socket, *, add: bool) -> None:
        """Remember open connections so that :meth:`close` can end keep-alive threads."""
        with self._conn_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet on the resets and broken pipes that clients and :meth:`close` cause."""
        logger.debug("connection error from %s", client_address, exc_info=True)

    def _accept_loop(self) -> None:
        while not self._closing:
            try:
                conn, address = self.socket.accept()
            except OSError:
                return
            if self._closing:
                conn.close()
                return
            self.process_request(conn, address)

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._accept_loop, name=f"emulator-{self.region or 'global'}", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop accepting, drop open connections and release the port."""
        self._closing = True
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.server_close()
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            _shutdown(conn)
        if self._thread is not None:
            self._thread.join(timeout=2)


def _shutdown(conn: socket.socket) -> None:
    """End a keep-alive connection so that its handler thread returns."""
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)
