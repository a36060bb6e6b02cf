"""The typed outcome of one DNS question: an answer, NXDOMAIN, NODATA or a failure."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import dns.name
import dns.rdata
import dns.rdatatype


class Outcome(enum.StrEnum):
    ANSWER = "answer"
    NXDOMAIN = "nxdomain"  # the name does not exist
    NODATA = "nodata"  # the name exists, without records of this type
    ERROR = "error"  # no usable answer: timeout, SERVFAIL, REFUSED, network error, not verifiable


@dataclass(frozen=True, slots=True)
class Answer:
    name: dns.name.Name
    rdtype: dns.rdatatype.RdataType
    outcome: Outcome
    rdatas: tuple[dns.rdata.Rdata, ...] = ()
    cnames: tuple[dns.name.Name, ...] = ()  # CNAME targets followed, in order
    error: str | None = None
    ttl: int | None = field(default=None, compare=False)  # the answer RRset's TTL as served (None: unknown)
    # the server set AA: it claims to be authoritative (the self-check tells an authoritative-only
    # test server, which may deny the root, from a recursive resolver that lies)
    authoritative: bool = field(default=False, compare=False)

    @property
    def ok(self) -> bool:
        """True unless the question failed (an absence is a valid answer)."""
        return self.outcome is not Outcome.ERROR

    @property
    def absent(self) -> bool:
        """NXDOMAIN or NODATA: a definite 'no such record'."""
        return self.outcome in (Outcome.NXDOMAIN, Outcome.NODATA)

    @property
    def type_text(self) -> str:
        return dns.rdatatype.to_text(self.rdtype)

    def txt(self) -> list[bytes]:
        """Each TXT (or SPF) record's character-strings joined, as raw bytes."""
        out: list[bytes] = []
        for rd in self.rdatas:
            strings = getattr(rd, "strings", None)
            if strings is not None:
                out.append(b"".join(strings))
        return out

    def texts(self) -> list[str]:
        """TXT records decoded as UTF-8 (undecodable bytes replaced)."""
        return [raw.decode("utf-8", errors="replace") for raw in self.txt()]

    def addresses(self) -> list[str]:
        """A/AAAA addresses in the answer."""
        return [str(getattr(rd, "address", "")) for rd in self.rdatas if hasattr(rd, "address")]

    def describe(self) -> str:
        """A short human text: 'example.com TXT: timeout'."""
        what = self.error if self.outcome is Outcome.ERROR else self.outcome.value
        return f"{self.name.to_text(omit_final_dot=True)} {self.type_text}: {what}"


def failure(name: dns.name.Name, rdtype: dns.rdatatype.RdataType, reason: str) -> Answer:
    return Answer(name, rdtype, Outcome.ERROR, error=reason)
