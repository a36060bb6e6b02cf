"""The two conversations the tool holds with a mail server. Neither ever sends DATA.

TLS probe:  banner, EHLO, STARTTLS (when offered), TLS handshake, EHLO again, QUIT.
RCPT probe: banner, EHLO, MAIL FROM:<>, RCPT TO:<postmaster@DOMAIN>, QUIT.

Both return a typed result; nothing here raises for network trouble. The whole conversation is
bounded by ``Timeouts.session``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ssl
from dataclasses import dataclass

from .outcomes import Failure, FailureKind, ProbeFailed, RcptProbe, TlsProbe, TlsSession
from .replies import Extensions, Reply, parse_ehlo
from .session import Session, Timeouts
from .tlsinfo import describe, probe_context


@dataclass(frozen=True, slots=True)
class Endpoint:
    address: str
    port: int
    host: str | None  # the MX host name when known (SNI, certificate name)


async def _greet(session: Session, ehlo_name: str, timeouts: Timeouts) -> tuple[Reply, Extensions]:
    banner = await session.reply(timeouts.banner)
    if banner.code != 220:
        kind = FailureKind.REJECTED if banner.kind == 5 else FailureKind.PROTOCOL
        raise ProbeFailed(Failure(kind, f"banner {banner.code} {banner.text[:200]}", banner))
    ehlo = await session.command(f"EHLO {ehlo_name}")
    if ehlo.code != 250:
        kind = FailureKind.REJECTED if ehlo.kind == 5 else FailureKind.PROTOCOL
        raise ProbeFailed(Failure(kind, f"EHLO answered {ehlo.code} {ehlo.text[:200]}", ehlo))
    return banner, parse_ehlo(ehlo)


async def _upgrade(session: Session, endpoint: Endpoint, ehlo_name: str) -> tuple[TlsSession | None, str | None]:
    """STARTTLS and the handshake. A refusal or failed handshake is a fact about the server."""
    answer = await session.command("STARTTLS")
    if answer.code != 220:
        return None, f"STARTTLS answered {answer.code} {answer.text[:200]}"
    try:
        obj = await session.starttls(probe_context(), endpoint.host)
    except TimeoutError:
        return None, "the TLS handshake did not finish in time"
    except (ssl.SSLError, ConnectionError, OSError) as exc:
        return None, f"TLS handshake failed: {str(exc)[:200]}"
    facts = describe(obj)
    with contextlib.suppress(ProbeFailed):  # RFC 3207: the session starts again; what TLS showed is kept
        await session.command(f"EHLO {ehlo_name}")
    return facts, None


async def _tls_conversation(endpoint: Endpoint, ehlo_name: str, timeouts: Timeouts) -> TlsProbe:
    session = await Session.open(endpoint.address, endpoint.port, timeouts)
    try:
        return await _tls_talk(session, endpoint, ehlo_name, timeouts)
    finally:
        session.abort()


async def _tls_talk(session: Session, endpoint: Endpoint, ehlo_name: str, timeouts: Timeouts) -> TlsProbe:
    try:
        banner, extensions = await _greet(session, ehlo_name, timeouts)
        offered = extensions.has("STARTTLS")
        tls: TlsSession | None = None
        error: str | None = None
        if offered:
            tls, error = await _upgrade(session, endpoint, ehlo_name)
    except ProbeFailed as failed:
        await session.close(quit_first=_may_quit(failed.failure.kind))
        failure = _marked(failed.failure, session)
        return TlsProbe(endpoint.address, endpoint.host, failure, transcript=tuple(session.transcript))
    await session.close(quit_first=error is None or tls is not None)
    return TlsProbe(
        endpoint.address,
        endpoint.host,
        banner=banner,
        starttls=offered,
        masked_starttls=extensions.masked_starttls and not offered,
        tls=tls,
        tls_error=error,
        transcript=tuple(session.transcript),
    )


async def probe_tls(endpoint: Endpoint, ehlo_name: str, timeouts: Timeouts) -> TlsProbe:
    try:
        async with asyncio.timeout(timeouts.session):
            return await _tls_conversation(endpoint, ehlo_name, timeouts)
    except ProbeFailed as failed:
        return TlsProbe(endpoint.address, endpoint.host, failed.failure)
    except TimeoutError:
        failure = Failure(FailureKind.TARPIT, f"the session took longer than {timeouts.session:g} s")
        return TlsProbe(endpoint.address, endpoint.host, failure)


async def _rcpt_conversation(endpoint: Endpoint, domain: str, ehlo_name: str, timeouts: Timeouts) -> RcptProbe:
    session = await Session.open(endpoint.address, endpoint.port, timeouts)
    try:
        return await _rcpt_talk(session, endpoint, domain, ehlo_name, timeouts)
    finally:
        session.abort()


async def _rcpt_talk(
    session: Session, endpoint: Endpoint, domain: str, ehlo_name: str, timeouts: Timeouts
) -> RcptProbe:
    rcpt: Reply | None = None
    try:
        banner, _ = await _greet(session, ehlo_name, timeouts)
        mail = await session.command("MAIL FROM:<>")
        if mail.kind == 2:
            rcpt = await session.command(f"RCPT TO:<postmaster@{domain}>")
    except ProbeFailed as failed:
        await session.close(quit_first=_may_quit(failed.failure.kind))
        failure = _marked(failed.failure, session)
        return RcptProbe(endpoint.address, endpoint.host, domain, failure, transcript=tuple(session.transcript))
    await session.close()
    return RcptProbe(
        endpoint.address,
        endpoint.host,
        domain,
        banner=banner,
        mail=mail,
        rcpt=rcpt,
        transcript=tuple(session.transcript),
    )


async def probe_rcpt(endpoint: Endpoint, domain: str, ehlo_name: str, timeouts: Timeouts) -> RcptProbe:
    """Would this server take mail for ``domain``? ``domain`` must be an A-label name."""
    if not _safe_domain(domain):
        failure = Failure(FailureKind.PROTOCOL, "the domain cannot be written in an SMTP command")
        return RcptProbe(endpoint.address, endpoint.host, domain, failure)
    try:
        async with asyncio.timeout(timeouts.session):
            return await _rcpt_conversation(endpoint, domain, ehlo_name, timeouts)
    except ProbeFailed as failed:
        return RcptProbe(endpoint.address, endpoint.host, domain, failed.failure)
    except TimeoutError:
        failure = Failure(FailureKind.TARPIT, f"the session took longer than {timeouts.session:g} s")
        return RcptProbe(endpoint.address, endpoint.host, domain, failure)


def _safe_domain(domain: str) -> bool:
    """Only LDH labels and dots: nothing that could smuggle a second command into the line."""
    return 0 < len(domain) <= 253 and all(c.isascii() and (c.isalnum() or c in "-._") for c in domain)


def _may_quit(kind: FailureKind) -> bool:
    """Say QUIT only to a server that is still talking sensibly."""
    return kind not in (FailureKind.DROPPED, FailureKind.TARPIT, FailureKind.PROTOCOL)


def _marked(failure: Failure, session: Session) -> Failure:
    """The failure, noting whether the server had spoken first (then port 25 evidently works)."""
    return dataclasses.replace(failure, heard=True) if session.heard else failure
