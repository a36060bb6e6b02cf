"""Property tests of the self-verification rules (issue 11): zones generated from realistic
building blocks (sending providers, a forgotten listed host, SPF ``all`` terms, ``ptr`` and
``-ip4:`` terms, DMARC records good, missing, invalid, in testing mode or published as a
look-alike, a stray apex DMARC record, weak, testing and version-less DKIM keys, subdomains
under a parent's record, sending addresses, SPF records at the lookup limit, stray records at
``_dmarc``). For every zone the plan must pass its own
verification at every stage, and never touch a record outside the audited domain.

The sending addresses have forward-confirmed reverse DNS in the zones, so every audit can
complete offline (a check that cannot complete after a stage fails verification: "could not
tell" is never taken as "fixed"). Zones are served by the project's zone-file source
(``--zone``/``--offline``), so each example costs no sockets. Profiles: ``ci`` (the default here) runs 200 zones; set
``HYPOTHESIS_PROFILE=thorough`` for 2000.
"""

from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass

import dns.zone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mailaudit.catalogue import Catalogue
from mailaudit.dnscore.resolver import Resolver, run_sync
from mailaudit.dnscore.zonefile import ZoneSet
from mailaudit.engine import Auditor
from mailaudit.fixplan.plan import STAND_IN_KEY
from mailaudit.fixplan.verify import verified_plan
from mailaudit.options import AuditOptions

settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "zones" / "batikmurni.example.zone"
STRONG = STAND_IN_KEY.split("p=", 1)[1]  # a 2048-bit RSA key (made-up numbers)
WEAK = next(t.split("p=", 1)[1] for t in Resolver(zones=[EXAMPLE], offline=True).query_sync(
    "default._domainkey.batikmurni.example", "TXT").texts())  # the example's 1024-bit key


def _txt(value: str) -> str:
    return " ".join(f'"{value[i:i + 200]}"' for i in range(0, len(value), 200))


FIXED = {
    "test.": "@ SOA ns.test. h.test. 1 3600 600 86400 60\n",
    "relay.test.": ("@ SOA ns.test. h.test. 1 3600 600 86400 60\n"
                    "mx A 198.51.100.25\n"
                    "out7 A 198.51.100.7\n"
                    "out200 A 198.51.100.200\n"
                    "spf TXT \"v=spf1 ip4:198.51.100.0/26 -all\"\n"),
    "google.com.": ("@ SOA ns.test. h.test. 1 3600 600 86400 60\n"
                    "smtp A 192.0.2.200\n"
                    "_spf TXT \"v=spf1 ip4:192.0.2.192/26 ~all\"\n"),
    "100.51.198.in-addr.arpa.": ("@ SOA ns.test. h.test. 1 3600 600 86400 60\n"
                                 "7 PTR out7.relay.test.\n"
                                 "200 PTR out200.relay.test.\n"),
    "zen.spamhaus.org.": ("@ SOA ns.test. h.test. 1 3600 600 86400 60\n"
                          "66.113.0.203 A 127.0.0.4\n"
                          "2.0.0.127 A 127.0.0.2\n"),
}


@dataclass(frozen=True)
class Case:
    provider: str
    old_host: str
    spf: tuple[str, ...] | None
    dmarc: str | None
    apex_dmarc: bool
    dkim: str
    sending_ip: str | None
    subdomain: bool
    limits: bool = False  # ten more a: terms: the SPF record at the lookup limit
    stray: bool = False  # an SPF record and a note at _dmarc

    def zone(self) -> str:
        lines = ["@ SOA ns.test. h.test. 1 3600 600 86400 60"]
        owners = ["@", "sub"] if self.subdomain else ["@"]
        for at in owners:
            lines += self._mail(at)
        if self.dmarc is not None:
            lines.append(f"_dmarc TXT {_txt(self.dmarc)}")
        if self.apex_dmarc:
            lines.append('@ TXT "v=DMARC1; p=none"')
        if self.stray:
            lines += ['_dmarc TXT "v=spf1 -all"', '_dmarc TXT "verification=abc"']
        lines += [f"h{i} A 192.0.2.{100 + i}" for i in range(10)] if self.limits else []
        return "\n".join(lines) + "\n"

    def _mail(self, at: str) -> list[str]:
        suffix = "" if at == "@" else f".{at}"
        lines = []
        if self.provider == "google":
            lines.append(f"{at} MX 1 smtp.google.com.")
        elif self.provider == "relay":
            lines.append(f"{at} MX 10 mx.relay.test.")
        else:
            lines += [f"{at} MX 10 mail{suffix}", f"mail{suffix} A 192.0.2.25"]
        if self.old_host != "no":
            lines.append(f"old{suffix} A 203.0.113.66")
            if self.old_host == "mx":
                lines.append(f"{at} MX 30 old{suffix}")
        if self.spf is not None:
            terms = [*self.spf[:1], *(f"a:h{i}.d.test" for i in range(10) if self.limits), *self.spf[1:]]
            lines.append(f"{at} TXT {_txt(' '.join(terms))}")
        key = {"weak": f"v=DKIM1; k=rsa; p={WEAK}", "testing": f"v=DKIM1; k=rsa; t=y; p={STRONG}",
               "nov": f"k=rsa; t=y; p={STRONG}", "google": f"v=DKIM1; k=rsa; p={STRONG}"}.get(self.dkim)
        if key is not None:
            selector = "google" if self.dkim == "google" else "default"
            lines.append(f"{selector}._domainkey{suffix} TXT {_txt(key)}")
        return lines

    @property
    def domain(self) -> str:
        return "sub.d.test" if self.subdomain else "d.test"


ALLS = ("+all", "~all", "?all", "-all", "")
DMARCS = (None, "v=DMARC1; p=none", "v=DMARC1; p=none; rua=mailto:r@d.test",
          "v=DMARC1; p=quarantine; rua=mailto:r@d.test", "v=DMARC1; p=reject; rua=mailto:r@d.test",
          "v=DMARC1; p=reject; t=y; rua=mailto:r@d.test", "v=DMARC1; p=none; fo=9; rua=mailto:r@d.test",
          "v=dmarc1; p=reject", "v=DMARC1; p=reject; sp=bogus; rua=mailto:r@d.test",
          "v=DMARC1; p=reject; sp=none; rua=mailto:r@d.test", "v=DMARC1; adkim=s")


@st.composite
def cases(draw: st.DrawFn) -> Case:
    provider = draw(st.sampled_from(("none", "google", "relay")))
    old = draw(st.sampled_from(("no", "spf", "mx")))
    spf: tuple[str, ...] | None = None
    if draw(st.booleans()) or old != "no":
        terms = ["v=spf1"]
        terms += ["include:spf.relay.test"] if provider == "relay" and draw(st.booleans()) else []
        terms += ["a:old.d.test"] if old != "no" else []
        terms += ["-ip4:198.51.100.128/25"] if draw(st.booleans()) else []
        terms += ["mx"] if draw(st.booleans()) else []
        terms += ["ptr"] if draw(st.booleans()) else []
        terms += [a for a in [draw(st.sampled_from(ALLS))] if a]
        spf = tuple(terms)
    return Case(provider, old, spf, draw(st.sampled_from(DMARCS)), draw(st.booleans()),
                draw(st.sampled_from(("none", "weak", "testing", "nov", "google"))),
                draw(st.sampled_from((None, "198.51.100.7", "198.51.100.200"))), draw(st.booleans()),
                draw(st.booleans()), draw(st.booleans()))


def _zones(case: Case) -> ZoneSet:
    texts = {**FIXED, "d.test.": case.zone()}
    return ZoneSet(dns.zone.from_text(text, origin=origin, relativize=False, check_origin=False)
                   for origin, text in texts.items())


def _inside(name: str, domain: str) -> bool:
    owner = name.lower().rstrip(".")
    return owner == domain or owner.endswith("." + domain)


# regressions the properties found: each was a plan that failed its own verification
FOUND = (
    Case("none", "no", None, None, False, "none", "198.51.100.7", False),  # no SPF, a sending address
    Case("none", "no", ("v=spf1", "+all"), None, False, "none", "198.51.100.7", False),  # +all passed it
    Case("none", "no", ("v=spf1", "ptr", "+all"), None, False, "none", "198.51.100.7", False, limits=True),
    Case("none", "no", ("v=spf1", "~all"), None, False, "google", None, False, limits=True),  # include over 10
    Case("none", "no", ("v=spf1", "+all"), None, False, "google", None, True, limits=True),
    Case("none", "no", None, "v=DMARC1; p=none; fo=9; rua=mailto:r@d.test", False, "none", None, False),
    Case("none", "no", None, None, True, "none", None, False),  # stray apex record, no _dmarc
    Case("google", "no", None, "v=DMARC1; p=quarantine; rua=mailto:r@d.test", False, "none", None, False),
)


def _with_examples(test):  # type: ignore[no-untyped-def]
    for case in FOUND:
        test = example(case)(test)
    return test


@settings(settings.get_profile(PROFILE))
@_with_examples
@given(cases())
def test_every_plan_passes_its_own_verification(case: Case) -> None:
    resolver = Resolver(zones=_zones(case), offline=True)
    ips = (case.sending_ip,) if case.sending_ip else ()
    auditor = Auditor(resolver, AuditOptions(fail_on=None, sending_ips=ips), Catalogue.load())
    result = run_sync(lambda: verified_plan(auditor, case.domain))
    failed = [(s.name, s.problems) for s in result.stages if not s.ok]
    assert not failed, (case, failed)
    for step in result.plan.steps:
        for record in (*step.publish, *step.remove):
            assert _inside(record.name, case.domain), (case, record)
    if result.plan.steps:
        assert result.plan.verified == result.stages[-1].name
