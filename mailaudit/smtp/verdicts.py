"""Three verdicts from one handshake: opportunistic TLS, MTA-STS, DANE.

* opportunistic: STARTTLS offered and a TLS session was set up (any certificate will do);
* MTA-STS (RFC 8461 4.1): the MX host matches a policy ``mx`` pattern and the certificate is
  PKIX-valid, unexpired and names the MX host;
* DANE (RFC 7672): the TLSA records match the presented chain (``dane_match``).

``host_data`` gives the contract's ``smtp.hosts[]`` element.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from .certs import CertificateFacts, Trust, examine, name_matches
from .dane_match import DaneResult, Tlsa, match
from .outcomes import Failure, TlsProbe


@dataclass(frozen=True, slots=True)
class HostVerdict:
    host: str | None
    address: str
    failure: Failure | None  # could not test: no verdict at all
    starttls: bool | None
    tls_version: str | None
    tls_error: str | None
    certificate: CertificateFacts | None
    dane: DaneResult | None  # None: no TLSA records for this host (or no TLS to match)
    masked_starttls: bool = False

    @property
    def opportunistic_ok(self) -> bool:
        return self.starttls is True and self.tls_version is not None

    def mta_sts_ok(self, patterns: Sequence[str]) -> bool:
        if self.host is None or self.certificate is None or not self.opportunistic_ok:
            return False
        return any(name_matches(p, self.host) for p in patterns) and self.certificate.valid


def judge(
    probe: TlsProbe,
    trust: Trust,
    now: datetime.datetime,
    tlsa: Sequence[Tlsa] = (),
) -> HostVerdict:
    tls = probe.tls
    certificate = examine(tls.chain, probe.host, trust, now) if tls is not None else None
    dane: DaneResult | None = None
    if tlsa and tls is not None and probe.host is not None:
        dane = match(tlsa, tls.chain, probe.host, now)
    elif tlsa and probe.reached:
        dane = DaneResult.INVALID  # TLSA published but no TLS to match: DANE senders will not deliver
    return HostVerdict(
        host=probe.host,
        address=probe.address,
        failure=probe.failure,
        starttls=probe.starttls,
        tls_version=tls.version if tls is not None else None,
        tls_error=probe.tls_error,
        certificate=certificate,
        dane=dane,
        masked_starttls=probe.masked_starttls,
    )


def host_data(verdict: HostVerdict) -> dict[str, object]:
    """One ``smtp.hosts[]`` element of the contract."""
    cert = verdict.certificate
    dane = verdict.dane.value if verdict.dane in (DaneResult.VALID, DaneResult.INVALID) else None
    return {
        "host": verdict.host,
        "address": verdict.address,
        "starttls": verdict.starttls,  # null when the address could not be tested
        "error": verdict.failure.describe() if verdict.failure is not None else None,
        "tls_version": verdict.tls_version,
        "certificate": None
        if cert is None
        else {
            "valid": cert.valid,
            "names": list(cert.names),
            "not_after": cert.not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "dane": dane,
    }
