"""Credentials never follow a redirect: real loopback servers, one redirecting to the other."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tap_sophos_users.auth import RetryPolicy, SophosAuthenticator
from tap_sophos_users.errors import AuthenticationError
from tap_sophos_users.hosts import HostPolicy
from tap_sophos_users.ratelimit import RateLimiter


class _Server:
    def __init__(self, location: str | None) -> None:
        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.hits.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if location:
                    self.send_response(307)
                    self.send_header("Location", location)
                else:
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def thief() -> Iterator[_Server]:
    server = _Server(location=None)
    yield server
    server.close()


def test_token_request_does_not_follow_a_redirect(thief: _Server) -> None:
    redirector = _Server(location=f"{thief.url}/steal")
    try:
        auth = SophosAuthenticator(
            client_id="id",
            client_secret="s3cret",
            auth_endpoint=f"{redirector.url}/api/v2/oauth2/token",
            hosts=HostPolicy(redirector.url),
            limiter=RateLimiter(0),
            retry=RetryPolicy(max_tries=1, timeout=5),
            user_agent="test",
        )
        with pytest.raises(AuthenticationError, match="HTTP 307"):
            auth.update_access_token()
        assert redirector.hits == ["/api/v2/oauth2/token"]
        assert thief.hits == []
    finally:
        redirector.close()
