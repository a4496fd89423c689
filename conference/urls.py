"""The site's own address as printed in QR codes and shown in links that leave the site.

Where it comes from, first found wins: the setting PUBLIC_URL (CONFERENCE_PUBLIC_URL), the address
an administrator stored on the site page (the `site_settings` table), the address the caller
names (where a kiosk was opened), the host of the request being answered.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from conference.dates import UTCDateTime, utcnow
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db

PUBLIC_URL_KEY = "public_url"
MAX_PUBLIC_URL_LENGTH = 200
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
ALL_INTERFACES = {"0.0.0.0", "::", ""}  # noqa: S104 (names, compared with --host)


class SiteSetting(db.Model):
    """A setting of the whole site an administrator changes in the app, by name."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


@dataclass(frozen=True)
class PublicAddress:
    """The address QR codes get now, where it came from (`environment`, `setting` or
    `request`), and whether phones on the venue network could open it."""

    url: str
    source: str

    @property
    def loopback(self) -> bool:
        return is_loopback(self.url)


def stored_public_url() -> str | None:
    setting = db.session.get(SiteSetting, PUBLIC_URL_KEY)
    return setting.value if setting is not None and setting.value else None


def public_address(host_url: str | None = None) -> PublicAddress | None:
    """The public address and its source; None outside a request when nothing is set."""
    configured = current_app.config["CONFERENCE"].get("PUBLIC_URL")
    if configured:
        return PublicAddress(configured.rstrip("/"), "environment")
    stored = stored_public_url()
    if stored:
        return PublicAddress(stored, "setting")
    base = host_url or (request.host_url if has_request_context() else None)
    return PublicAddress(base.rstrip("/"), "request") if base else None


def public_base_url(host_url: str | None = None) -> str:
    """PUBLIC_URL if set, else the stored address, else `host_url`, else the request's host."""
    address = public_address(host_url)
    if address is None:
        raise Conflict(_("Set PUBLIC_URL: badges need the address delegates will open."),
                       code="public_url_missing")
    return address.url


def is_loopback(url: str) -> bool:
    """True for an address only this computer opens (127.0.0.1, ::1, localhost, 0.0.0.0)."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"public_url": message})


def check_public_url(value: str) -> str:
    """The address as stored ("https://host[:port]"), or ValidationFailed saying what is wrong;
    "" clears it."""
    value = value.strip()
    if not value:
        return ""
    if any(ord(char) < 32 or ord(char) == 127 or char.isspace() for char in value):
        raise _refuse(_("The address may not hold spaces or control characters."))
    if len(value) > MAX_PUBLIC_URL_LENGTH:
        raise _refuse(_("The address is too long (at most %(n)d characters).",
                        n=MAX_PUBLIC_URL_LENGTH))
    try:
        parts = urlsplit(value)
        port = parts.port
        host = parts.hostname or ""
    except ValueError:
        raise _refuse(_("The host or port is not valid. Write it like "
                        "https://daihoi.example.vn or http://192.168.1.20:5000.")) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise _refuse(_("Start the address with http:// or https://, e.g. "
                        "https://daihoi.example.vn."))
    if parts.username is not None or parts.password is not None:
        raise _refuse(_("The address may not hold a user name or password."))
    if parts.path not in ("", "/") or parts.query or parts.fragment or value.endswith(("?", "#")):
        raise _refuse(_("Give only the scheme, host and port, with nothing after them (no "
                        "path, ? or #): the app adds the pages' paths itself."))
    if not host or not _valid_host(host):
        raise _refuse(_("The host or port is not valid. Write it like "
                        "https://daihoi.example.vn or http://192.168.1.20:5000."))
    netloc = f"[{host}]" if ":" in host else host.encode("idna").decode("ascii")
    return f"{parts.scheme.lower()}://{netloc}{f':{port}' if port else ''}"


def _valid_host(host: str) -> bool:
    """An IP address, or a domain name of labels of letters, digits and hyphens."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    return all(0 < len(label) <= 63 and label.replace("-", "").isalnum()
               and label.isascii() and not label.startswith("-") and not label.endswith("-")
               for label in labels)


def store_public_url(value: str) -> str:
    """Keep `value` (checked) as the public address in the current transaction."""
    value = check_public_url(value)
    setting = db.session.get(SiteSetting, PUBLIC_URL_KEY)
    if setting is None:
        setting = SiteSetting(key=PUBLIC_URL_KEY)
        db.session.add(setting)
    setting.value = value
    return value


def lan_addresses() -> list[str]:
    """This computer's IPv4 addresses on its networks (no loopback, no link-local), sorted."""
    found: set[str] = set()
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(info[4][0]))
    # The address of the interface the default route leaves by; connecting a UDP socket only
    # chooses the route, it sends nothing (192.0.2.1 is a documentation address).
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))
        found.add(probe.getsockname()[0])
    usable = [ipaddress.ip_address(address) for address in found]
    return [str(address) for address in sorted(usable) if not (
        address.is_loopback or address.is_link_local or address.is_unspecified)]


def serving_lines(host: str, port: int) -> list[str]:
    """What `python app.py` prints on start about the addresses phones can open."""
    if host in ALL_INTERFACES:
        addresses = lan_addresses()
        if not addresses:
            return ["No network address found: connect this computer to the venue network."]
        return [f"Open http://{address}:{port} on the venue network." for address in addresses]
    if is_loopback(f"http://{host}"):
        return ["Only this computer can open it: start with --host 0.0.0.0 to serve phones "
                "and screens on the venue network."]
    return []
