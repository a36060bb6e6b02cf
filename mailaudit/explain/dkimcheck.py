"""DKIM verification of a raw message with dkimpy, against keys fetched beforehand.

dkimpy asks for each key through its ``dnsfunc``; here that function only reads a mapping the
caller filled (through mailaudit's resolver, so ``--zone``/``--offline`` apply and no question is
asked twice). A name the caller could not resolve is a ``temperror``, never a missing key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .limits import DEFAULT_LIMITS

MAX_SIGNED_FIELDS = 64  # h= names; dkimpy's header matching is quadratic in them


@dataclass(frozen=True, slots=True)
class Signature:
    """One DKIM-Signature field as written: who signed (``d=``), with which selector (``s=``)."""

    index: int
    domain: str
    selector: str
    algorithm: str
    headers: tuple[str, ...]

    @property
    def key_name(self) -> str:
        """The DNS name of the key, with a trailing dot."""
        return f"{self.selector}._domainkey.{self.domain}."


@dataclass(frozen=True, slots=True)
class Verification:
    """``result``: pass, fail, neutral (unreadable signature), permerror (no usable key), temperror."""

    signature: Signature
    result: str
    reason: str  # body_hash, signature, no_key, bad_key, key_lookup, malformed, too_many, ""


def signatures(headers: tuple[tuple[str, str], ...],
               limit: int = DEFAULT_LIMITS.max_signatures) -> tuple[Signature, ...]:
    """The DKIM-Signature fields among ``headers`` (lower-case names, unfolded values), in order."""
    out: list[Signature] = []
    index = 0
    for name, value in headers:
        if name != "dkim-signature":
            continue
        tags = _tags(value)
        out.append(Signature(index, tags.get("d", "").lower().rstrip("."), tags.get("s", "").lower(),
                             tags.get("a", "").lower(),
                             tuple(h.strip().lower() for h in tags.get("h", "").split(":") if h.strip())))
        index += 1
        if len(out) >= limit:
            break
    return tuple(out)


def _tags(value: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for item in value.split(";"):
        key, eq, val = item.partition("=")
        if eq and key.strip() and key.strip() not in tags:
            tags[key.strip()] = "".join(val.split())
    return tags


def verify(raw: bytes, signature: Signature, keys: Mapping[str, bytes | Exception | None]) -> Verification:
    """Verify one signature of ``raw``; ``keys`` maps key names to TXT bytes, None (no record) or an error."""
    answer = keys.get(signature.key_name.lower())
    if isinstance(answer, Exception):
        return Verification(signature, "temperror", "key_lookup")
    if not signature.domain or not signature.selector or len(signature.headers) > MAX_SIGNED_FIELDS:
        return Verification(signature, "neutral", "malformed")
    if answer is None:
        return Verification(signature, "permerror", "no_key")

    def dnsfunc(name: bytes | str, timeout: float = 5) -> bytes | None:
        key = (name.decode("ascii", "replace") if isinstance(name, bytes) else name).lower()
        found = keys.get(key if key.endswith(".") else key + ".")
        if isinstance(found, Exception):
            raise _dkimpy().DnsTimeoutError(str(found))
        return found

    return _run(raw, signature, dnsfunc)


def _run(raw: bytes, signature: Signature, dnsfunc: object) -> Verification:
    dkim = _dkimpy()
    try:
        checker = dkim.DKIM(raw, minkey=1024)  # dkimpy's own 'dkimpy' logger, silent by default
        ok = checker.verify(idx=signature.index, dnsfunc=dnsfunc)
    except dkim.ValidationError as err:
        reason = "body_hash" if "body hash" in str(err) else "signature"
        return Verification(signature, "fail", reason)
    except dkim.KeyFormatError:
        return Verification(signature, "permerror", "bad_key")
    except dkim.DKIMException:
        return Verification(signature, "neutral", "malformed")
    except (ValueError, TypeError, IndexError, KeyError, UnicodeError):  # dkimpy on hostile input
        return Verification(signature, "neutral", "malformed")
    if ok:
        return Verification(signature, "pass", "")
    key = getattr(checker, "pk", None)
    return Verification(signature, "fail" if key is not None else "permerror",
                        "signature" if key is not None else "bad_key")


ARC_FIELDS = ("arc-seal", "arc-message-signature")


def _dkimpy() -> Any:
    """dkimpy, imported when a message is verified: it loads dnspython's resolver and its
    DNS-over-HTTPS stack (0.1 s), which no other command needs."""
    import dkim

    return dkim


def arc_key_names(headers: tuple[tuple[str, str], ...], limit: int = 2 * DEFAULT_LIMITS.max_signatures
                  ) -> tuple[str, ...]:
    """The key names (``s._domainkey.d.``) the ARC-Seal and ARC-Message-Signature fields name."""
    names: list[str] = []
    for name, value in headers:
        if name in ARC_FIELDS and len(names) < limit:
            tags = _tags(value)
            d, s = tags.get("d", "").lower().rstrip("."), tags.get("s", "").lower()
            if d and s and f"{s}._domainkey.{d}." not in names:
                names.append(f"{s}._domainkey.{d}.")
    return tuple(names)


def verify_arc(raw: bytes, keys: Mapping[str, bytes | Exception | None]) -> str:
    """The ARC chain validation now (RFC 8617): ``pass``, ``fail``, ``none``, or ``temperror``."""
    failed: list[str] = []
    dkim = _dkimpy()

    def dnsfunc(name: bytes | str, timeout: float = 5) -> bytes | None:
        key = (name.decode("ascii", "replace") if isinstance(name, bytes) else name).lower()
        found = keys.get(key if key.endswith(".") else key + ".")
        if isinstance(found, Exception):
            failed.append(key)
            raise dkim.DnsTimeoutError(str(found))
        return found

    try:
        cv, _, _ = dkim.arc_verify(raw, dnsfunc=dnsfunc)
    except (dkim.DKIMException, ValueError, TypeError, IndexError, KeyError, UnicodeError):
        return "fail"
    result = cv.decode("ascii", "replace").lower() if isinstance(cv, bytes) else str(cv).lower()
    return "temperror" if failed and result != "pass" else result
