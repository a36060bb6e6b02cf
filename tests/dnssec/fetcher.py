"""A small direct fetcher for the validator's tests: one DO query to one server, TCP on truncation.

(The audit uses the project's resolver; this exists so the validator's tests do not depend on it.)
"""

from __future__ import annotations

import dns.asyncquery
import dns.exception
import dns.message
import dns.name
import dns.rdatatype

from mailaudit.dnssec.model import Fetched, fetch_failure, fetched_from_message


class DirectFetch:
    def __init__(self, host: str, port: int, timeout: float = 1.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    async def __call__(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Fetched:
        query = dns.message.make_query(name, rdtype, want_dnssec=True, payload=1232)
        try:
            response, _ = await dns.asyncquery.udp_with_fallback(query, self.host, self.timeout, self.port)
        except dns.exception.Timeout:
            return fetch_failure(name, rdtype, "timeout")
        except (OSError, dns.exception.DNSException) as err:
            return fetch_failure(name, rdtype, type(err).__name__)
        return fetched_from_message(name, rdtype, response)
