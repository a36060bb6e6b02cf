"""The pure SPF parser: typed terms and errors that name the offending term."""

from __future__ import annotations

import ipaddress

import pytest

from mailaudit.spf.record import (
    Macro,
    Mechanism,
    Modifier,
    Qualifier,
    SpfSyntaxError,
    is_spf_record,
    parse_domain_spec,
    parse_macro_string,
    parse_record,
)


def test_typed_terms():
    record = parse_record("v=spf1 ip4:192.0.2.0/24 -a:mail.example.com/28//64 ~mx ?ptr include:x.example "
                         "exists:%{i}.bl.example ip6:2001:db8::/32 redirect=r.example exp=e.example foo=bar -all")
    kinds = [t.kind if isinstance(t, Mechanism) else t.name for t in record.terms]
    assert kinds == ["ip4", "a", "mx", "ptr", "include", "exists", "ip6", "redirect", "exp", "foo", "all"]
    ip4, a, mx, ptr = record.terms[:4]
    assert ip4.network == ipaddress.ip_network("192.0.2.0/24")
    assert (a.qualifier, a.cidr4, a.cidr6, a.domain.literal) == (Qualifier.FAIL, 28, 64, "mail.example.com")
    assert mx.qualifier is Qualifier.SOFTFAIL and mx.domain is None
    assert ptr.qualifier is Qualifier.NEUTRAL
    assert record.redirect.value.literal == "r.example" and record.exp.value.literal == "e.example"
    assert record.all.qualifier is Qualifier.FAIL
    assert [t.text for t in record.dns_terms] == ["-a:mail.example.com/28//64", "~mx", "?ptr",
                                                  "include:x.example", "exists:%{i}.bl.example", "redirect=r.example"]


def test_case_insensitive_and_spaces():
    record = parse_record("V=SpF1   IP4:192.0.2.1   -ALL ")
    assert [t.text for t in record.terms] == ["IP4:192.0.2.1", "-ALL"]
    assert record.all is not None
    assert is_spf_record("v=spf1") and not is_spf_record("v=spf10") and not is_spf_record("spf2.0/pra")


@pytest.mark.parametrize(
    ("record", "term"),
    [
        ("v=spf1 ip4:1.2.3.4:8080 -all", "ip4:1.2.3.4:8080"),
        ("v=spf1 ip4:1.2.3 -all", "ip4:1.2.3"),
        ("v=spf1 ip4:1.2.3.4/33", "ip4:1.2.3.4/33"),
        ("v=spf1 ip4:1.2.3.4/032", "ip4:1.2.3.4/032"),
        ("v=spf1 ip6:2001:db8::/129", "ip6:2001:db8::/129"),
        ("v=spf1 a:example.com:8080", "a:example.com:8080"),
        ("v=spf1 a:111.222.33.44", "a:111.222.33.44"),
        ("v=spf1 a:museum", "a:museum"),
        ("v=spf1 include:", "include:"),
        ("v=spf1 include:x.example/24", "include:x.example/24"),
        ("v=spf1 -all.", "-all."),
        ("v=spf1 all:x", "all:x"),
        ("v=spf1 ptr/0", "ptr/0"),
        ("v=spf1 moo", "moo"),
        ("v=spf1 1up=foo", "1up=foo"),
        ("v=spf1 =all", "=all"),
        ("v=spf1 foo=%x", "foo=%x"),
        ("v=spf1 exists:%{a}.example.com", "exists:%{a}.example.com"),
        ("v=spf1 exists:%{r}.example.com", "exists:%{r}.example.com"),
        ("v=spf1 exists:%{d0}.example.com", "exists:%{d0}.example.com"),
        ("v=spf1 a:ctrl.example.com\rptr", "a:ctrl.example.com\rptr"),
        ("v=spf1 a:caf\u00e9.example.com", "a:caf\u00e9.example.com"),
        ("v=spf1 redirect=a.example redirect=b.example", "redirect=b.example"),
        ("v=spf1 exp= -all", "exp="),
    ],
)
def test_errors_name_the_term(record, term):
    with pytest.raises(SpfSyntaxError) as caught:
        parse_record(record)
    assert caught.value.term == term
    assert repr(term).strip("'")[:20] in str(caught.value) or term[:10] in str(caught.value)


def test_domain_spec_grammar():
    assert parse_domain_spec("foo.example.xn--zckzah").literal == "foo.example.xn--zckzah"
    assert parse_domain_spec("foo:bar/baz.example.com").literal == "foo:bar/baz.example.com"
    assert parse_domain_spec("%{d}").ends_with_expand
    assert parse_domain_spec("example.com.").literal == "example.com."
    for bad in ("foo-bar", "example.-com", "abc.123", "museum.", ""):
        with pytest.raises(SpfSyntaxError):
            parse_domain_spec(bad)


def test_macro_items():
    spec = parse_macro_string("%{ir}.%{L2r-+}.%%%_%-x")
    assert spec.pieces == (
        Macro("i", None, True, ""), ".", Macro("l", 2, True, "-+", escape=True), ".% %20x",
    )
    assert parse_macro_string("%{c} %{t}", explanation=True).letters == {"c", "t"}
    with pytest.raises(SpfSyntaxError):
        parse_macro_string("%{c}")


def test_hostile_sizes_parse_quickly():
    huge = "v=spf1 " + " ".join(f"ip4:10.{i // 256 % 256}.{i % 256}.0/24" for i in range(6000)) + " -all"
    assert len(huge) > 100_000
    record = parse_record(huge)
    assert len(record.terms) == 6001
    digits = parse_macro_string("%{d" + "9" * 5000 + "}")
    assert isinstance(digits.pieces[0], Macro) and digits.pieces[0].digits == 128
    assert isinstance(record.terms[0], Mechanism) and not isinstance(record.terms[0], Modifier)
