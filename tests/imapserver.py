"""A small IMAP4rev1 server for tests, on loopback, with fault injection and command counting.

Enough of RFC 3501 (+ MOVE, UIDPLUS's UID EXPUNGE) for a client that reads a folder:
CAPABILITY, LOGIN, SELECT/EXAMINE, UID SEARCH, UID FETCH (UID, FLAGS, RFC822.SIZE, BODY[],
BODY.PEEK[]), UID COPY/MOVE/STORE/EXPUNGE, NOOP, CLOSE, LOGOUT. Faults: refuse the login,
drop the connection after N commands, never answer one command, drop capabilities.
"""

from __future__ import annotations

import re
import socket
import socketserver
import ssl
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\([^)]*\))|(\S+)')


@dataclass
class Mail:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Faults:
    refuse_login: bool = False
    drop_after: int | None = None  # close the connection after this many commands
    hang_on: str | None = None  # never answer this command (e.g. "FETCH")
    capabilities: tuple[str, ...] = ("IMAP4rev1", "MOVE", "UIDPLUS")


class ImapServer:
    """``with ImapServer(users={"u": "p"}) as server:`` -> ``server.port``; ``server.commands`` counts."""

    def __init__(self, users: dict[str, str], faults: Faults | None = None,
                 tls: ssl.SSLContext | None = None) -> None:
        """``tls``: a server context for implicit TLS (imaps) from the first byte."""
        self.users = users
        self.faults = faults or Faults()
        self.folders: dict[str, list[Mail]] = {"INBOX": []}
        self.next_uid = 1
        self.commands: Counter[str] = Counter()
        self.log: list[str] = []
        self.lock = threading.Lock()
        self._server = _TlsServer(("127.0.0.1", 0), _handler(self), tls)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def deliver(self, raw: bytes, folder: str = "INBOX") -> int:
        with self.lock:
            uid = self.next_uid
            self.next_uid += 1
            self.folders.setdefault(folder, []).append(Mail(uid, raw))
            return uid

    def __enter__(self) -> ImapServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class _TlsServer(socketserver.ThreadingTCPServer):
    def __init__(self, address: tuple[str, int], handler: type[socketserver.StreamRequestHandler],
                 tls: ssl.SSLContext | None) -> None:
        super().__init__(address, handler)
        self.tls = tls

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self.tls is None:
            return sock, address
        sock.settimeout(5)
        return self.tls.wrap_socket(sock, server_side=True), address

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (or refused the certificate) is not a test failure."""


def _handler(server: ImapServer) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            Session(server, self).run()

    return Handler


class Session:
    def __init__(self, server: ImapServer, handler: socketserver.StreamRequestHandler) -> None:
        self.server = server
        self.rfile = handler.rfile
        self.wfile = handler.wfile
        self.user: str | None = None
        self.folder: str | None = None
        self.readonly = True
        self.seen = 0

    def send(self, data: bytes | str) -> None:
        self.wfile.write(data.encode() if isinstance(data, str) else data)

    def run(self) -> None:
        self.send("* OK [CAPABILITY " + " ".join(self.server.faults.capabilities) + "] test IMAP ready\r\n")
        while line := self.rfile.readline(65536):
            tag, _, rest = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "UID":
                sub, _, args = args.partition(" ")
                command = "UID " + sub.upper()
            with self.server.lock:
                self.server.commands[command] += 1
                self.server.log.append(command)
            self.seen += 1
            faults = self.server.faults
            if faults.drop_after is not None and self.seen > faults.drop_after:
                return
            if faults.hang_on and faults.hang_on in command:
                continue
            if not self.dispatch(tag, command, [m.group(1) or m.group(2) or m.group(3) for m in TOKEN.finditer(args)]):
                return

    def dispatch(self, tag: str, command: str, args: list[str]) -> bool:
        handler = {
            "CAPABILITY": self.capability, "NOOP": self.ok, "LOGIN": self.login, "SELECT": self.select,
            "EXAMINE": self.select, "UID SEARCH": self.search, "UID FETCH": self.fetch, "UID COPY": self.copy,
            "UID MOVE": self.move, "UID STORE": self.store, "UID EXPUNGE": self.expunge, "CLOSE": self.ok,
        }.get(command)
        if command == "LOGOUT":
            self.send(f"* BYE\r\n{tag} OK LOGOUT done\r\n")
            return False
        if handler is None:
            self.send(f"{tag} BAD unknown command\r\n")
        elif command not in ("CAPABILITY", "NOOP", "LOGIN") and self.user is None:
            self.send(f"{tag} NO login first\r\n")
        else:
            handler(tag, command, args)
        return True

    def ok(self, tag: str, command: str, args: list[str]) -> None:
        self.send(f"{tag} OK {command} done\r\n")

    def capability(self, tag: str, command: str, args: list[str]) -> None:
        self.send("* CAPABILITY " + " ".join(self.server.faults.capabilities) + f"\r\n{tag} OK done\r\n")

    def login(self, tag: str, command: str, args: list[str]) -> None:
        if len(args) == 2 and not self.server.faults.refuse_login and self.server.users.get(args[0]) == args[1]:
            self.user = args[0]
            self.send(f"{tag} OK LOGIN completed\r\n")
        else:
            self.send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials\r\n")

    def select(self, tag: str, command: str, args: list[str]) -> None:
        name = args[0] if args else ""
        if name not in self.server.folders:
            self.send(f"{tag} NO no such folder\r\n")
            return
        self.folder, self.readonly = name, command == "EXAMINE"
        mails = self.server.folders[name]
        mode = "READ-ONLY" if self.readonly else "READ-WRITE"
        self.send(f"* {len(mails)} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1] ok\r\n{tag} OK [{mode}] done\r\n")

    def mails(self, uidset: str) -> list[tuple[int, Mail]]:
        wanted: set[int] = set()
        for piece in uidset.split(","):
            low, _, high = piece.partition(":")
            top = 2**31 if high == "*" else int(high or low)
            wanted.update(range(int(low), min(top, self.server.next_uid) + 1))
        return [(i + 1, m) for i, m in enumerate(self.server.folders.get(self.folder or "", [])) if m.uid in wanted]

    def search(self, tag: str, command: str, args: list[str]) -> None:
        uids = " ".join(str(m.uid) for m in self.server.folders.get(self.folder or "", []))
        self.send(f"* SEARCH {uids}\r\n{tag} OK SEARCH done\r\n".replace("SEARCH \r\n", "SEARCH\r\n"))

    def fetch(self, tag: str, command: str, args: list[str]) -> None:
        items = args[1].upper() if len(args) > 1 else ""
        for seq, mail in self.mails(args[0]):
            parts = [f"UID {mail.uid}"]
            if "RFC822.SIZE" in items:
                parts.append(f"RFC822.SIZE {len(mail.raw)}")
            if "FLAGS" in items:
                parts.append("FLAGS (" + " ".join(sorted(mail.flags)) + ")")
            if "BODY" in items:
                if "PEEK" not in items and not self.readonly:
                    mail.flags.add("\\Seen")
                self.send(f"* {seq} FETCH (" + " ".join(parts) + f" BODY[] {{{len(mail.raw)}}}\r\n")
                self.send(mail.raw + b")\r\n")
            else:
                self.send(f"* {seq} FETCH (" + " ".join(parts) + ")\r\n")
        self.send(f"{tag} OK FETCH done\r\n")

    def _writable(self, tag: str) -> bool:
        if self.readonly:
            self.send(f"{tag} NO [READ-ONLY] folder is read-only\r\n")
        return not self.readonly

    def copy(self, tag: str, command: str, args: list[str]) -> None:
        for _, mail in self.mails(args[0]):
            self.server.deliver(mail.raw, args[1])
        self.send(f"{tag} OK COPY done\r\n")

    def move(self, tag: str, command: str, args: list[str]) -> None:
        if not self._writable(tag):
            return
        moved = self.mails(args[0])
        for _, mail in moved:
            self.server.deliver(mail.raw, args[1])
        self._drop({m.uid for _, m in moved})
        self.send(f"{tag} OK MOVE done\r\n")

    def store(self, tag: str, command: str, args: list[str]) -> None:
        if self._writable(tag):
            for _, mail in self.mails(args[0]):
                mail.flags.update(args[2].strip("()").split())
            self.send(f"{tag} OK STORE done\r\n")

    def expunge(self, tag: str, command: str, args: list[str]) -> None:
        if self._writable(tag):
            self._drop({m.uid for _, m in self.mails(args[0]) if "\\Deleted" in m.flags})
            self.send(f"{tag} OK EXPUNGE done\r\n")

    def _drop(self, uids: set[int]) -> None:
        folder = self.server.folders[self.folder or ""]
        for index in sorted((i for i, m in enumerate(folder) if m.uid in uids), reverse=True):
            self.send(f"* {index + 1} EXPUNGE\r\n")
            del folder[index]
