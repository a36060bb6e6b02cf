"""Pure SMTP reply handling (RFC 5321 4.2, RFC 3463 enhanced status codes, EHLO keywords).

No I/O: the session feeds lines in, these functions say what they mean. A hostile server may
send anything, so every limit is explicit and a malformed line is a typed problem, not a crash.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_LINE = 2048  # RFC 5321 says 512 octets per reply line; be lenient but bounded
MAX_LINES = 100  # lines in one multi-line reply (EHLO answers have ~10-20)


class ReplyError(ValueError):
    """A reply line that is not ``NNN[ -]text``, or a reply that breaks the limits."""


@dataclass(frozen=True, slots=True)
class ReplyLine:
    code: int
    final: bool
    text: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One complete (possibly multi-line) SMTP reply."""

    code: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(line for line in self.lines if line)

    @property
    def kind(self) -> int:
        """The first digit: 2 success, 3 intermediate, 4 transient failure, 5 permanent failure."""
        return self.code // 100

    @property
    def enhanced(self) -> str | None:
        """The RFC 3463 enhanced status code (``5.7.51``) at the start of the first line, if any."""
        return enhanced_code(self.lines[0] if self.lines else "", self.kind)

    def transcript(self) -> str:
        """The reply as it came, one line per line, for evidence."""
        body = self.lines or ("",)
        out = [f"{self.code}-{line}" for line in body[:-1]]
        out.append(f"{self.code} {body[-1]}".rstrip())
        return "\n".join(out)


def parse_line(raw: bytes) -> ReplyLine:
    """``250-SIZE 1000`` -> (250, not final, "SIZE 1000"). Raises ReplyError."""
    if len(raw) > MAX_LINE:
        raise ReplyError("reply line too long")
    line = raw.rstrip(b"\r\n").decode("utf-8", errors="replace")
    if len(line) < 3 or not line[:3].isdigit() or not line[:3].isascii():
        raise ReplyError("not an SMTP reply line")
    code = int(line[:3])
    if not 200 <= code <= 599:
        raise ReplyError("reply code out of range")
    sep = line[3:4]
    if sep not in ("", " ", "-"):
        raise ReplyError("bad separator after reply code")
    return ReplyLine(code, sep != "-", line[4:])


def assemble(lines: list[ReplyLine]) -> Reply:
    """Join the lines of one reply; every line must carry the same code (RFC 5321 4.2.1)."""
    if not lines:
        raise ReplyError("empty reply")
    code = lines[0].code
    if any(line.code != code for line in lines):
        raise ReplyError("reply lines disagree on the code")
    return Reply(code, tuple(line.text for line in lines))


def enhanced_code(text: str, kind: int) -> str | None:
    """RFC 3463 ``class.subject.detail`` at the start of ``text`` when its class matches the reply."""
    head = text.split(" ", 1)[0]
    parts = head.split(".")
    if len(parts) != 3 or not all(p.isdigit() and p.isascii() and 1 <= len(p) <= 3 for p in parts):
        return None
    if int(parts[0]) != kind:
        return None
    return head


@dataclass(frozen=True, slots=True)
class Extensions:
    """What an EHLO reply advertises: keywords upper-cased, with their parameters."""

    greeting: str
    keywords: tuple[tuple[str, str], ...]

    def has(self, keyword: str) -> bool:
        return any(k == keyword.upper() for k, _ in self.keywords)

    @property
    def masked_starttls(self) -> bool:
        """A keyword like ``XXXXXXXA``: a middlebox that hides STARTTLS by overwriting it."""
        return any(len(k) == 8 and set(k[:-1]) == {"X"} for k, _ in self.keywords)


def parse_ehlo(reply: Reply) -> Extensions:
    """The first line greets; each further line is ``KEYWORD [params]`` (RFC 5321 4.1.1.1)."""
    greeting = reply.lines[0] if reply.lines else ""
    keywords = []
    for line in reply.lines[1:]:
        keyword, _, params = line.strip().partition(" ")
        if keyword:
            keywords.append((keyword.upper(), params.strip()))
    return Extensions(greeting, tuple(keywords))
