"""Live DNS through dnspython's asyncresolver (EDNS 1232, TCP on truncation): the alternative
transport (``Resolver(transport="dnspython")``); ``docs/performance.md`` says why it is not the
default."""

from __future__ import annotations

from collections.abc import Sequence

import dns.asyncquery
import dns.asyncresolver
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver

from mailaudit.dnscore.answer import Answer, Outcome, failure
from mailaudit.dnscore.chain import follow, name_key
from mailaudit.dnscore.nameservers import address_of, parse_nameserver
from mailaudit.dnssec.model import Fetched, fetch_failure, fetched_from_message
from mailaudit.errors import InputError


class LiveSource:
    """Live DNS through dnspython's asyncresolver (EDNS 1232, TCP on truncation)."""

    def __init__(
        self, nameservers: Sequence[str] | None, port: int, timeout: float, retries: int
    ) -> None:
        try:
            res = dns.asyncresolver.Resolver(configure=not nameservers)
        except dns.exception.DNSException as err:
            raise InputError(f"no system resolver configuration: {err}") from None
        if nameservers:
            servers: list[str | dns.nameserver.Nameserver] = []
            for text in nameservers:
                host, ns_port = parse_nameserver(text, port)
                servers.append(dns.nameserver.Do53Nameserver(address_of(host, text), ns_port))
            res.nameservers = servers
        elif port != 53:
            res.port = port
        res.timeout = timeout
        res.lifetime = timeout * (retries + 1)
        res.use_edns(0, 0, 1232)
        res.cache = None
        self._res = res

    async def aclose(self) -> None:
        """dnspython opens a socket per question and closes it itself: nothing to close."""

    async def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer:
        try:
            ans = await self._res.resolve(name, rdtype, raise_on_no_answer=False, search=False)
        except dns.resolver.NXDOMAIN as err:
            return Answer(name, rdtype, Outcome.NXDOMAIN, cnames=_chain_of(err.canonical_name, name))
        except dns.resolver.LifetimeTimeout:
            return failure(name, rdtype, "timeout")
        except dns.resolver.NoNameservers as err:
            return failure(name, rdtype, _no_nameservers_reason(err))
        except dns.resolver.YXDOMAIN:
            return failure(name, rdtype, "YXDOMAIN")
        except dns.exception.DNSException as err:
            return failure(name, rdtype, " ".join(str(err).split()) or type(err).__name__)
        records = {(name_key(rrset.name), int(rrset.rdtype)): list(rrset) for rrset in ans.response.answer}
        chain = follow(records, name, rdtype)
        if chain.problem is not None:  # the same walker as the lean transport: a loop is a failure
            return Answer(name, rdtype, Outcome.ERROR, cnames=chain.cnames, error=chain.problem)
        cnames = tuple(rrset[0].target for rrset in ans.chaining_result.cnames)
        if ans.rrset is None:
            return Answer(name, rdtype, Outcome.NODATA, cnames=cnames)
        return Answer(name, rdtype, Outcome.ANSWER, tuple(ans.rrset), cnames, ttl=ans.rrset.ttl)


    async def lookup_signed(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Fetched:
        """One DO+CD query, each nameserver in turn until one answers (UDP, TCP on truncation)."""
        query = dns.message.make_query(name, rdtype, want_dnssec=True, payload=1232)
        query.flags |= dns.flags.CD
        problems: list[str] = []
        for server in self._res.nameservers:
            if isinstance(server, str):  # the system's configuration gives addresses
                address, port = server, self._res.port
            elif isinstance(server, dns.nameserver.Do53Nameserver):
                address, port = server.address, server.port
            else:
                continue
            try:
                response, _ = await dns.asyncquery.udp_with_fallback(query, address, self._res.timeout, port)
            except dns.exception.Timeout:
                problems.append("timeout")
                continue
            except (OSError, dns.exception.DNSException) as err:
                problems.append(" ".join(str(err).split()) or type(err).__name__)
                continue
            fetched = fetched_from_message(name, rdtype, response)
            if fetched.error is None:
                return fetched
            problems.append(fetched.error)
        return fetch_failure(name, rdtype, "/".join(sorted(set(problems))) or "no nameserver answered")


def _chain_of(canonical: dns.name.Name, name: dns.name.Name) -> tuple[dns.name.Name, ...]:
    return () if canonical == name else (canonical,)


def _no_nameservers_reason(err: dns.resolver.NoNameservers) -> str:
    reasons: list[str] = []
    for entry in err.kwargs.get("errors", []):
        problem = entry[3] if len(entry) > 3 else None
        if isinstance(problem, str):
            reasons.append(problem)  # an rcode: SERVFAIL, REFUSED, ...
        elif isinstance(problem, ConnectionRefusedError):
            reasons.append("connection refused")
        elif isinstance(problem, Exception):
            reasons.append(" ".join(str(problem).split()) or type(problem).__name__)
    unique = sorted(set(reasons))
    return "/".join(unique) if unique else "no nameserver answered"
