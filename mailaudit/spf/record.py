"""SPF records (RFC 7208): a pure parser giving typed terms, with errors that name the term.

``parse_record("v=spf1 a mx -all")`` returns an ``SpfRecord`` of ``Mechanism`` and ``Modifier``
terms; anything outside the grammar of RFC 7208 section 12 raises ``SpfSyntaxError`` naming
the offending term. Domain-specs and explanation strings are parsed into ``MacroString``s of
literal text and ``Macro`` items (section 7); expanding them needs DNS and lives elsewhere.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from dataclasses import dataclass

from mailaudit.errors import RecordSyntaxError

VERSION = "v=spf1"
DNS_MECHANISMS = frozenset({"include", "a", "mx", "ptr", "exists"})
MECHANISMS = frozenset({"all", "ip4", "ip6"}) | DNS_MECHANISMS
MACRO_LETTERS = frozenset("slodiphv")
EXP_ONLY_LETTERS = frozenset("crt")
DELIMITERS = frozenset(".-+,/_=")
MAX_DIGITS = 128  # a transformer keeps at most this many parts (more is the same as all)

_MODIFIER = re.compile(r"([A-Za-z][A-Za-z0-9._-]*)=")
_CIDR4 = re.compile(r"0|[1-9][0-9]?")
_CIDR6 = re.compile(r"0|[1-9][0-9]{0,2}")
_DUAL_CIDR = re.compile(r"(.*?)(?:/(0|[1-9][0-9]*))?(?://(0|[1-9][0-9]*))?", re.DOTALL)
_TOPLABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
_QNUM = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IP4 = re.compile(rf"{_QNUM}(?:\.{_QNUM}){{3}}")
_IP6_CHARS = re.compile(r"[0-9A-Fa-f:.]+")


class Qualifier(enum.StrEnum):
    PASS = "+"
    FAIL = "-"
    SOFTFAIL = "~"
    NEUTRAL = "?"


class SpfSyntaxError(RecordSyntaxError):
    """The record is not valid RFC 7208 syntax; ``term`` is the offending term ('' if none)."""

    def __init__(self, message: str, term: str = "", position: int = -1) -> None:
        where = f"term {position + 1} {_show(term)}: " if term and position >= 0 else ""
        super().__init__(where + message)
        self.reason = message
        self.term = term
        self.position = position


def _show(text: str, limit: int = 60) -> str:
    shown = text if len(text) <= limit else text[:limit] + "..."
    return repr(shown).strip("'") if shown.isprintable() else repr(shown)


@dataclass(frozen=True, slots=True)
class Macro:
    """One ``%{...}`` item: letter (lower case), digits, reverse flag, delimiters, URL-escape."""

    letter: str
    digits: int | None = None
    reverse: bool = False
    delimiters: str = ""
    escape: bool = False  # an upper-case letter: URL-escape the expansion

    @property
    def text(self) -> str:
        letter = self.letter.upper() if self.escape else self.letter
        digits = "" if self.digits is None else str(self.digits)
        return "%{" + letter + digits + ("r" if self.reverse else "") + self.delimiters + "}"


Piece = str | Macro


@dataclass(frozen=True, slots=True)
class MacroString:
    """A macro-string: literal text and macros, in order; ``text`` is the source."""

    text: str
    pieces: tuple[Piece, ...] = ()
    ends_with_expand: bool = False  # ends in a macro-expand (``%{..}``, ``%%``, ``%_``, ``%-``)

    @property
    def has_macros(self) -> bool:
        return any(isinstance(p, Macro) for p in self.pieces)

    @property
    def literal(self) -> str:
        """The text with escapes resolved (meaningful when ``has_macros`` is False)."""
        return "".join(p for p in self.pieces if isinstance(p, str))

    @property
    def letters(self) -> frozenset[str]:
        return frozenset(p.letter for p in self.pieces if isinstance(p, Macro))


@dataclass(frozen=True, slots=True)
class Mechanism:
    qualifier: Qualifier
    kind: str  # all include a mx ptr ip4 ip6 exists
    text: str  # the term as written
    domain: MacroString | None = None
    cidr4: int | None = None
    cidr6: int | None = None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None

    @property
    def queries_dns(self) -> bool:
        """One of the terms that count against the limit of 10 DNS lookups."""
        return self.kind in DNS_MECHANISMS


@dataclass(frozen=True, slots=True)
class Modifier:
    name: str  # lower case
    value: MacroString
    text: str

    @property
    def queries_dns(self) -> bool:
        return self.name == "redirect"


Term = Mechanism | Modifier


@dataclass(frozen=True, slots=True)
class SpfRecord:
    text: str
    terms: tuple[Term, ...]

    @property
    def mechanisms(self) -> tuple[Mechanism, ...]:
        return tuple(t for t in self.terms if isinstance(t, Mechanism))

    @property
    def redirect(self) -> Modifier | None:
        return self._modifier("redirect")

    @property
    def exp(self) -> Modifier | None:
        return self._modifier("exp")

    @property
    def all(self) -> Mechanism | None:
        """The first ``all`` mechanism (terms after it are never evaluated)."""
        return next((m for m in self.mechanisms if m.kind == "all"), None)

    @property
    def dns_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.queries_dns)

    def _modifier(self, name: str) -> Modifier | None:
        return next((t for t in self.terms if isinstance(t, Modifier) and t.name == name), None)

    def rebuilt(self, terms: tuple[str, ...]) -> str:
        """A record text with these term texts (for fixes): ``v=spf1 t1 t2 ...``."""
        return " ".join((VERSION, *terms))

    @property
    def term_texts(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.terms)


def is_spf_record(text: str) -> bool:
    """Does this TXT string claim to be an SPF record (``v=spf1`` then a space or the end)?"""
    head = text[: len(VERSION) + 1].lower()
    return head == VERSION or head == VERSION + " "


def parse_record(text: str) -> SpfRecord:
    """Parse a whole record; raises SpfSyntaxError naming the first offending term."""
    if not is_spf_record(text):
        raise SpfSyntaxError(f"the record must start with {VERSION!r} followed by a space or the end")
    terms: list[Term] = []
    seen: set[str] = set()
    for position, raw in enumerate(t for t in text[len(VERSION):].split(" ") if t):
        try:
            term = parse_term(raw)
        except SpfSyntaxError as err:
            raise SpfSyntaxError(err.reason, raw, position) from None
        if isinstance(term, Modifier) and term.name in ("redirect", "exp"):
            if term.name in seen:
                raise SpfSyntaxError(f"{term.name}= appears more than once", raw, position)
            seen.add(term.name)
        terms.append(term)
    return SpfRecord(text, tuple(terms))


def parse_term(text: str) -> Term:
    if not text.isascii():
        raise SpfSyntaxError("non-ASCII characters (SPF records are 7-bit ASCII)")
    bad = next((c for c in text if not 0x21 <= ord(c) <= 0x7E), None)
    if bad is not None:
        raise SpfSyntaxError(f"control character {bad!r} (terms are separated by spaces only)")
    modifier = _MODIFIER.match(text)
    if modifier:
        return _modifier(modifier.group(1).lower(), text[modifier.end():], text)
    qualifier = Qualifier.PASS
    body = text
    if text and text[0] in "+-~?":
        qualifier, body = Qualifier(text[0]), text[1:]
    split = re.search(r"[:/]", body)
    name = (body[: split.start()] if split else body).lower()
    rest = body[split.start():] if split else ""
    if "=" in name:
        raise SpfSyntaxError("not a valid modifier: a name starts with a letter and is followed by '='")
    if name not in MECHANISMS:
        raise SpfSyntaxError(f"unknown mechanism {name!r}" if name else "empty mechanism name")
    return _mechanism(qualifier, name, rest, text)


def _modifier(name: str, value: str, text: str) -> Modifier:
    if name in ("redirect", "exp"):
        if not value:
            raise SpfSyntaxError(f"{name}= needs a domain")
        return Modifier(name, parse_domain_spec(value), text)
    return Modifier(name, parse_macro_string(value), text)


def _mechanism(qualifier: Qualifier, kind: str, rest: str, text: str) -> Mechanism:
    if kind == "all":
        if rest:
            raise SpfSyntaxError("'all' takes no argument")
        return Mechanism(qualifier, kind, text)
    if kind in ("ip4", "ip6"):
        return Mechanism(qualifier, kind, text, network=_network(kind, rest))
    if kind in ("include", "exists"):
        if not rest.startswith(":"):
            raise SpfSyntaxError(f"'{kind}' needs ':' and a domain")
        return Mechanism(qualifier, kind, text, domain=parse_domain_spec(rest[1:]))
    if kind == "ptr":
        if rest and not rest.startswith(":"):
            raise SpfSyntaxError("'ptr' takes no CIDR length")
        domain = parse_domain_spec(rest[1:]) if rest else None
        return Mechanism(qualifier, kind, text, domain=domain)
    return _a_or_mx(qualifier, kind, rest, text)


def _a_or_mx(qualifier: Qualifier, kind: str, rest: str, text: str) -> Mechanism:
    match = _DUAL_CIDR.fullmatch(rest)
    assert match is not None  # the pattern matches every string
    head, cidr4, cidr6 = match.group(1), match.group(2), match.group(3)
    if head and not head.startswith(":"):
        raise SpfSyntaxError(f"bad CIDR length {rest!r} (expected /N for IPv4 and //N for IPv6)")
    domain = parse_domain_spec(head[1:]) if head else None
    v4 = _cidr(cidr4, 32) if cidr4 is not None else None
    v6 = _cidr(cidr6, 128) if cidr6 is not None else None
    return Mechanism(qualifier, kind, text, domain=domain, cidr4=v4, cidr6=v6)


def _cidr(digits: str, top: int) -> int:
    pattern = _CIDR4 if top == 32 else _CIDR6
    if not pattern.fullmatch(digits) or int(digits) > top:
        raise SpfSyntaxError(f"CIDR length /{digits} is not between 0 and {top} (no leading zeros)")
    return int(digits)


def _network(kind: str, rest: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if not rest.startswith(":") or len(rest) == 1:
        raise SpfSyntaxError(f"'{kind}' needs ':' and an address")
    address, slash, length = rest[1:].partition("/")
    if kind == "ip4":
        if not _IP4.fullmatch(address):
            raise SpfSyntaxError(f"{address!r} is not a dotted-quad IPv4 address")
        prefix = _cidr(length, 32) if slash else 32
        return ipaddress.IPv4Network(f"{address}/{prefix}", strict=False)
    if not _IP6_CHARS.fullmatch(address):
        raise SpfSyntaxError(f"{address!r} is not an IPv6 address")
    try:
        ip6 = ipaddress.IPv6Address(address)
    except ValueError:
        raise SpfSyntaxError(f"{address!r} is not an IPv6 address") from None
    prefix = _cidr(length, 128) if slash else 128
    return ipaddress.IPv6Network(f"{ip6}/{prefix}", strict=False)


def parse_domain_spec(text: str) -> MacroString:
    """A domain-spec: a macro-string ending in a macro-expand or in '.' toplabel ['.']."""
    spec = parse_macro_string(text)
    if spec.ends_with_expand:
        return spec
    tail = spec.pieces[-1] if spec.pieces and isinstance(spec.pieces[-1], str) else ""
    tail = tail[:-1] if tail.endswith(".") else tail
    label = tail.rpartition(".")[2]
    if "." not in tail or not _TOPLABEL.fullmatch(label) or label.isdigit():
        raise SpfSyntaxError(
            f"invalid domain {text!r}: it must end in a macro or a dot and a top label"
            " (letters, digits and inner dashes, not all digits)"
        )
    return spec


def parse_macro_string(text: str, *, explanation: bool = False) -> MacroString:
    """A macro-string (or, with ``explanation``, an explain-string that may hold spaces and
    the c, r and t macros)."""
    pieces: list[Piece] = []
    literal: list[str] = []
    ends_with_expand = False
    i = 0
    while i < len(text):
        char = text[i]
        if char != "%":
            if not (0x21 <= ord(char) <= 0x7E or (explanation and char == " ")):
                raise SpfSyntaxError(f"character {char!r} is not allowed here")
            literal.append(char)
            i += 1
            ends_with_expand = False
            continue
        following = text[i + 1] if i + 1 < len(text) else ""
        if following in ("%", "_", "-"):
            literal.append({"%": "%", "_": " ", "-": "%20"}[following])
            i += 2
        elif following == "{":
            close = text.find("}", i)
            if close < 0:
                raise SpfSyntaxError(f"unterminated macro in {text!r}")
            if literal:
                pieces.append("".join(literal))
                literal = []
            pieces.append(_macro(text[i + 2: close], explanation))
            i = close + 1
        else:
            raise SpfSyntaxError(f"'%' must be followed by '{{', '%', '_' or '-' in {text!r}")
        ends_with_expand = True
    if literal:
        pieces.append("".join(literal))
    return MacroString(text, tuple(pieces), ends_with_expand)


def _macro(body: str, explanation: bool) -> Macro:
    if not body:
        raise SpfSyntaxError("empty macro '%{}'")
    letter = body[0].lower()
    allowed = MACRO_LETTERS | EXP_ONLY_LETTERS if explanation else MACRO_LETTERS
    if letter not in allowed:
        where = "only in exp= explanation text" if letter in EXP_ONLY_LETTERS else "not a macro letter"
        raise SpfSyntaxError(f"macro letter {body[0]!r} is {where}")
    digits_match = re.match(r"[0-9]*", body[1:])
    digits_text = digits_match.group(0) if digits_match else ""
    rest = body[1 + len(digits_text):]
    digits: int | None = None
    if digits_text:
        digits = min(int(digits_text[:6]), MAX_DIGITS) if len(digits_text) <= 6 else MAX_DIGITS
        if digits_text.strip("0") == "":
            raise SpfSyntaxError("a macro's digit transformer must not be zero")
    reverse = rest[:1] in ("r", "R")
    delimiters = rest[1:] if reverse else rest
    bad = next((c for c in delimiters if c not in DELIMITERS), None)
    if bad is not None:
        raise SpfSyntaxError(f"{bad!r} is not a macro delimiter (one of . - + , / _ =)")
    return Macro(letter, digits, reverse, delimiters, escape=body[0].isupper())


# -- edited copies of a record, for fixes people can paste -------------------------------------


def replace_all(record: SpfRecord, new_all: str) -> str:
    """The record with its first ``all`` term replaced (or ``new_all`` appended if none)."""
    texts = list(record.term_texts)
    index = next((i for i, t in enumerate(record.terms) if isinstance(t, Mechanism) and t.kind == "all"), None)
    if index is None:
        texts.append(new_all)
    else:
        texts[index] = new_all
    return record.rebuilt(tuple(texts))


def without_term(record: SpfRecord, text: str) -> str:
    """The record without the (first) term written ``text``."""
    texts = list(record.term_texts)
    if text in texts:
        texts.remove(text)
    return record.rebuilt(tuple(texts))


def with_term(record: SpfRecord, text: str) -> str:
    """The record with ``text`` added before its first ``all`` (or at the end of its mechanisms)."""
    texts = list(record.term_texts)
    index = next((i for i, t in enumerate(record.terms) if isinstance(t, Mechanism) and t.kind == "all"), None)
    if index is None:
        index = max((i + 1 for i, t in enumerate(record.terms) if isinstance(t, Mechanism)), default=0)
    texts.insert(index, text)
    return record.rebuilt(tuple(texts))


def all_moved_last(record: SpfRecord) -> str:
    """The record with its first ``all`` moved after every other mechanism."""
    first = record.all
    if first is None:
        return record.text
    texts = [t.text for t in record.terms if t is not first]
    last = max((i + 1 for i, t in enumerate(t for t in record.terms if t is not first)
                if isinstance(t, Mechanism)), default=0)
    texts.insert(last, first.text)
    return record.rebuilt(tuple(texts))


def redirect_as_include(record: SpfRecord, new_all: str) -> str:
    """The record with ``redirect=X`` turned into ``include:X`` followed by ``new_all``: the
    same lookups, with the ``all`` under the record owner's control."""
    redirect = record.redirect
    if redirect is None:
        return replace_all(record, new_all)
    mechanisms = [t.text for t in record.terms if isinstance(t, Mechanism)]
    modifiers = [t.text for t in record.terms if isinstance(t, Modifier) and t is not redirect]
    return record.rebuilt((*mechanisms, f"include:{redirect.value.text}", new_all, *modifiers))
