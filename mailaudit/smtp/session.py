"""One SMTP client session over asyncio streams, with bounded waits and a transcript.

Every wait has its own timeout (``Timeouts``); every trouble becomes ``ProbeFailed`` carrying a
typed ``Failure``. The transcript keeps what was said (capped), for evidence.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass

from .outcomes import Failure, FailureKind, ProbeFailed
from .replies import MAX_LINE, MAX_LINES, Reply, ReplyError, ReplyLine, assemble, parse_line

MAX_TRANSCRIPT = 60  # lines kept for evidence


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds. ``session`` bounds one whole probe of one address, whatever the server does."""

    connect: float = 5.0
    banner: float = 15.0  # postscreen-style greeters wait before the banner
    command: float = 10.0
    session: float = 30.0

    @classmethod
    def scaled(cls, base: float) -> Timeouts:
        """From one number (``--smtp-timeout``): connect = t, banner = 3t, command = 2t, session = 6t."""
        return cls(connect=base, banner=3 * base, command=2 * base, session=6 * base)


class Session:
    """A connected client. Use ``Session.open``; always ``await close()``."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeouts: Timeouts) -> None:
        self._reader = reader
        self._writer = writer
        self._timeouts = timeouts
        self.transcript: list[str] = []
        self.heard = False  # a complete reply was read: the server is there

    @classmethod
    async def open(cls, address: str, port: int, timeouts: Timeouts) -> Session:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(address, port, limit=MAX_LINE * 2), timeouts.connect
            )
        except TimeoutError:
            raise ProbeFailed(
                Failure(FailureKind.TIMEOUT, f"no TCP connection within {timeouts.connect:g} s")
            ) from None
        except ConnectionRefusedError:
            raise ProbeFailed(Failure(FailureKind.REFUSED, "connection refused")) from None
        except OSError as exc:
            raise ProbeFailed(Failure(FailureKind.UNREACHABLE, exc.strerror or type(exc).__name__)) from None
        return cls(reader, writer, timeouts)

    def _note(self, line: str) -> None:
        if len(self.transcript) < MAX_TRANSCRIPT:
            self.transcript.append(line[:300])

    async def _line(self, timeout: float) -> ReplyLine:
        try:
            raw = await asyncio.wait_for(self._reader.readline(), timeout)
        except TimeoutError:
            raise ProbeFailed(Failure(FailureKind.TARPIT, f"no reply within {timeout:g} s")) from None
        except (ValueError, asyncio.LimitOverrunError):
            raise ProbeFailed(Failure(FailureKind.PROTOCOL, "reply line too long")) from None
        except (ConnectionError, OSError) as exc:
            raise ProbeFailed(Failure(FailureKind.DROPPED, exc.strerror or type(exc).__name__)) from None
        if not raw:
            raise ProbeFailed(Failure(FailureKind.DROPPED, "the server closed the connection"))
        try:
            return parse_line(raw)
        except ReplyError as exc:
            raise ProbeFailed(Failure(FailureKind.PROTOCOL, str(exc))) from None

    async def reply(self, timeout: float | None = None) -> Reply:
        """Read one complete reply; a 421 anywhere ends the session as UNAVAILABLE."""
        wait = self._timeouts.command if timeout is None else timeout
        lines = [await self._line(wait)]
        while not lines[-1].final:
            if len(lines) >= MAX_LINES:
                raise ProbeFailed(Failure(FailureKind.PROTOCOL, "reply with too many lines"))
            lines.append(await self._line(wait))
        try:
            reply = assemble(lines)
        except ReplyError as exc:
            raise ProbeFailed(Failure(FailureKind.PROTOCOL, str(exc))) from None
        self.heard = True
        for line in reply.transcript().splitlines():
            self._note("S: " + line)
        if reply.code == 421:
            raise ProbeFailed(Failure(FailureKind.UNAVAILABLE, reply.text[:200], reply))
        return reply

    async def command(self, line: str) -> Reply:
        self._note("C: " + line)
        try:
            self._writer.write(line.encode("ascii") + b"\r\n")
            await asyncio.wait_for(self._writer.drain(), self._timeouts.command)
        except TimeoutError:
            raise ProbeFailed(Failure(FailureKind.TARPIT, "the server stopped reading")) from None
        except (ConnectionError, OSError) as exc:
            raise ProbeFailed(Failure(FailureKind.DROPPED, exc.strerror or type(exc).__name__)) from None
        return await self.reply()

    async def starttls(self, context: ssl.SSLContext, server_hostname: str | None) -> ssl.SSLObject:
        """Upgrade after a 220 to STARTTLS. Raises ``ssl.SSLError``/``OSError`` on handshake trouble."""
        await asyncio.wait_for(self._writer.start_tls(context, server_hostname=server_hostname), self._timeouts.command)
        self._note("-- TLS handshake completed")
        obj = self._writer.get_extra_info("ssl_object")
        if not isinstance(obj, ssl.SSLObject):
            raise ssl.SSLError("no TLS object after the handshake")
        return obj

    def abort(self) -> None:
        """Drop the connection at once (after a cancelled session); harmless when already closed."""
        transport = self._writer.transport
        if not transport.is_closing():
            transport.abort()

    async def close(self, quit_first: bool = True) -> None:
        """QUIT politely (best effort, short wait), then close the socket."""
        if quit_first and not self._writer.is_closing():
            try:
                self._note("C: QUIT")
                self._writer.write(b"QUIT\r\n")
                await asyncio.wait_for(self._writer.drain(), 1.0)
                await asyncio.wait_for(self._reader.readline(), min(2.0, self._timeouts.command))
            except (TimeoutError, ConnectionError, OSError, ValueError):
                pass
        self._writer.close()
        with contextlib.suppress(TimeoutError, ConnectionError, OSError, ssl.SSLError):
            await asyncio.wait_for(self._writer.wait_closed(), 1.0)
