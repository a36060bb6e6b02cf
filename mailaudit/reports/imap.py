"""Read report messages from an IMAP mailbox: read-only (EXAMINE, BODY.PEEK), capped, batched.

``imaps://user@host[:port]/FOLDER`` or ``imap://...`` (STARTTLS when offered; a plain-text
login only to a loopback address). The password is never part of the URL: the caller takes it
from an environment variable or a prompt. With ``move_to`` the folder is opened read-write and
each message whose reports were all read is moved there (MOVE, or COPY + UID EXPUNGE with
UIDPLUS; without either the messages are copied and left in place).

Blocking (stdlib :mod:`imaplib`); an async caller runs :func:`iter_imap` in a worker thread.
"""

from __future__ import annotations

import contextlib
import imaplib
import ipaddress
import re
import ssl
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from .extract import Document, InputError, Item, iter_message, one_line
from .limits import DEFAULT_LIMITS, Limits

BATCH = 50
FETCH_SIZE = re.compile(rb"UID (\d+)\D.*RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+)\D.*UID (\d+)")


class ImapUrlError(ValueError):
    """The ``--imap`` URL is not usable (bad usage: exit 2)."""


@dataclass(frozen=True, slots=True)
class ImapTarget:
    host: str
    port: int
    user: str
    folder: str
    tls: bool  # imaps: TLS from the first byte

    @property
    def label(self) -> str:
        """Where the messages came from, for ``errors[]`` and origins (never with a password)."""
        scheme = "imaps" if self.tls else "imap"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


def parse_imap_url(url: str) -> ImapTarget:
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ImapUrlError(f"not an imap:// or imaps:// URL: {url!r}")
    if parts.password is not None:
        raise ImapUrlError("put no password in the --imap URL; use the environment variable or the prompt")
    if not parts.username:
        raise ImapUrlError("the --imap URL needs a user name: imaps://USER@HOST/FOLDER")
    try:
        port = parts.port or (993 if parts.scheme == "imaps" else 143)
    except ValueError:
        raise ImapUrlError(f"bad port in {url!r}") from None
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return ImapTarget(parts.hostname, port, unquote(parts.username), folder, parts.scheme == "imaps")


@dataclass(frozen=True, slots=True)
class ImapOptions:
    timeout: float = 30.0
    move_to: str | None = None
    ssl_context: ssl.SSLContext | None = None


def iter_imap(target: ImapTarget, password: str, options: ImapOptions = ImapOptions(),
              limits: Limits = DEFAULT_LIMITS) -> Iterator[Item]:
    """Every report in the folder; a connection or protocol failure ends the walk with one error."""
    try:
        client = _connect(target, password, options)
    except (OSError, imaplib.IMAP4.error, ssl.SSLError, ImapUrlError) as exc:
        yield InputError(target.label, f"IMAP: {one_line(exc)}")
        return
    try:
        yield from _walk(client, target, options, limits)
    except (OSError, imaplib.IMAP4.error, imaplib.IMAP4.abort) as exc:
        yield InputError(target.label, f"IMAP: {one_line(exc)}")
    finally:
        _close(client)


def _connect(target: ImapTarget, password: str, options: ImapOptions) -> imaplib.IMAP4:
    context = options.ssl_context or ssl.create_default_context()
    if target.tls:
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(target.host, target.port, ssl_context=context,
                                                  timeout=options.timeout)
    else:
        client = imaplib.IMAP4(target.host, target.port, timeout=options.timeout)
        if "STARTTLS" in client.capabilities:
            client.starttls(context)
        elif not _is_loopback(target.host):
            client.shutdown()
            raise ImapUrlError("the server offers no STARTTLS: use imaps:// (no password in clear text)")
    client.login(target.user, password)
    kind, _ = client.select(_quote(target.folder), readonly=options.move_to is None)
    if kind != "OK":
        client.logout()
        raise imaplib.IMAP4.error(f"cannot open folder {target.folder!r}")
    return client


def _walk(client: imaplib.IMAP4, target: ImapTarget, options: ImapOptions, limits: Limits) -> Iterator[Item]:
    kind, data = client.uid("SEARCH", "ALL")
    uids = data[0].split() if kind == "OK" and data and data[0] else []
    for start in range(0, len(uids), BATCH):
        batch = uids[start:start + BATCH]
        sizes = _sizes(client, batch)
        done: list[bytes] = []
        for uid in batch:
            ok = yield from _one(client, target, uid, sizes.get(uid, 0), limits)
            if ok:
                done.append(uid)
        if options.move_to and done:
            _move(client, done, options.move_to)


def _one(
    client: imaplib.IMAP4, target: ImapTarget, uid: bytes, size: int, limits: Limits
) -> Generator[Item, None, bool]:
    """One message's reports; returns True when every report in it could be handed on."""
    origin = f"{target.label};UID={uid.decode()}"
    if size > limits.max_message:
        yield InputError(origin, f"message larger than {limits.max_message} bytes; skipped")
        return False
    kind, data = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
    raw = next((part[1] for part in data if isinstance(part, tuple)), None) if kind == "OK" else None
    if not isinstance(raw, bytes):
        yield InputError(origin, "IMAP: the server returned no message body")
        return False
    found, failed = False, False
    for item in iter_message(origin, raw, limits):
        found = found or isinstance(item, Document)
        failed = failed or isinstance(item, InputError)
        yield item
    return found and not failed


def _sizes(client: imaplib.IMAP4, batch: list[bytes]) -> dict[bytes, int]:
    kind, data = client.uid("FETCH", b",".join(batch).decode(), "(RFC822.SIZE)")
    sizes: dict[bytes, int] = {}
    for line in data if kind == "OK" else []:
        text = line[0] if isinstance(line, tuple) else line
        match = FETCH_SIZE.search(text) if isinstance(text, bytes) else None
        if match:
            uid, size = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
            sizes[uid] = int(size)
    return sizes


def _move(client: imaplib.IMAP4, uids: list[bytes], folder: str) -> None:
    uidset = b",".join(uids).decode()
    if "MOVE" in client.capabilities:
        client.uid("MOVE", uidset, _quote(folder))
        return
    kind, _ = client.uid("COPY", uidset, _quote(folder))
    if kind == "OK" and "UIDPLUS" in client.capabilities:
        client.uid("STORE", uidset, "+FLAGS.SILENT", r"(\Deleted)")
        client.uid("EXPUNGE", uidset)


def _close(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error, imaplib.IMAP4.abort):
        client.logout()


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


__all__ = ["ImapOptions", "ImapTarget", "ImapUrlError", "iter_imap", "parse_imap_url"]
