"""Error bodies in the two shapes Sophos uses.

API hosts answer with the standard error object (§6); the token host answers with
``{errorCode, message, trackingId}`` (§2). The tap must decide on the status code alone,
so these bodies only need to look right, not to be byte-identical to Sophos.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import orjson

from tap_sophos_users.emulator.data import iso_ms

ERROR_WORDS: dict[int, str] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


def error_word(status: int) -> str:
    """The ``error`` word for a status (project assumption beyond 401/403)."""
    return ERROR_WORDS.get(status, "Error")


def api_error(status: int, message: str) -> bytes:
    """The standard error object of the global and regional API hosts."""
    return orjson.dumps(
        {
            "error": error_word(status),
            "message": message,
            "correlationId": str(uuid.uuid4()),
            "requestId": str(uuid.uuid4()),
            "createdAt": iso_ms(datetime.now(timezone.utc)),
        }
    )


def token_error(error_code: str, message: str) -> bytes:
    """The token endpoint's own error shape."""
    return orjson.dumps(
        {"errorCode": error_code, "message": message, "trackingId": str(uuid.uuid4())}
    )


HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>proxy</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
