"""Where hubql may POST: http(s) URLs whose host resolves only to public addresses, so a
webhook cannot make the server reach into its own network (metadata services, databases,
loopback). `HUBQL_WEBHOOK_ALLOW_PRIVATE_ADDRESSES` lifts that for tests and closed networks.
Checked when a webhook is saved and again before every delivery (DNS may change)."""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from app.errors import Invalid

MAX_URL_LENGTH = 2048
# A name that takes longer to resolve is refused: one request must not hold the others.
RESOLVE_SECONDS = 3.0


def _refused(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


async def check_url(url: str, *, allow_private: bool) -> str:
    """The URL, if hubql may POST to it; else Invalid (field `url`) saying why."""
    if len(url) > MAX_URL_LENGTH:
        raise Invalid(f"At most {MAX_URL_LENGTH} characters.", field="url")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise Invalid("An http or https URL with a host.", field="url")
    if parts.username or parts.password:
        raise Invalid("No credentials in the URL: the signature authenticates hubql.", field="url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise Invalid("The port is not a number from 1 to 65535.", field="url") from error
    try:
        async with asyncio.timeout(RESOLVE_SECONDS):
            found = await asyncio.get_running_loop().getaddrinfo(
                parts.hostname, port, type=socket.SOCK_STREAM
            )
    except (OSError, UnicodeError, TimeoutError) as error:
        raise Invalid(f"{parts.hostname!r} does not resolve.", field="url") from error
    addresses = {str(info[4][0]) for info in found}
    if not allow_private and any(_refused(address) for address in addresses):
        raise Invalid(
            f"{parts.hostname!r} resolves to a private, loopback or link-local address.",
            field="url",
        )
    return url
