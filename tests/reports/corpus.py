"""Builds report containers (gzip, zip, e-mail, mbox, Maildir) and hostile files from the plain corpus in data/."""

from __future__ import annotations

import gzip
import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

DATA = Path(__file__).parent / "data"


def raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def zipped(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def message(attachment: bytes, filename: str, ctype: str = "application/octet-stream",
            subject: str = "Report Domain: example.com Submitter: amazonses.com") -> bytes:
    """A report e-mail as a receiver sends it (Amazon SES: octet-stream, a .xml.gz name)."""
    msg = EmailMessage()
    msg["From"] = "reports@receiver.example"
    msg["To"] = "dmarc@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{filename}@receiver.example>"
    msg.set_content("This is an aggregate report.")
    maintype, subtype = ctype.split("/")
    msg.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def mbox(*messages: bytes) -> bytes:
    out = []
    for m in messages:
        body = b"\n".join(b">" + line if line.startswith(b"From ") else line for line in m.split(b"\n"))
        out.append(b"From reports@receiver.example Sun Nov  1 00:00:00 2026\n" + body.rstrip(b"\n") + b"\n\n")
    return b"".join(out)


def maildir(root: Path, *messages: bytes) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for i, m in enumerate(messages):
        (root / ("new" if i % 2 else "cur") / f"1793491200.{i}.host:2,S").write_bytes(m)
    return root


def zero_bomb(megabytes: int) -> bytes:
    """A ``megabytes`` MiB report of empty elements as gzip (~1000:1): one member, repeated."""
    member = gzip.compress(b"<a/>" * (256 * 1024), mtime=0)
    return gzip.compress(b"<feedback>", mtime=0) + member * megabytes


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<feedback><report_metadata><org_name>&lol3;</org_name></report_metadata></feedback>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE feedback [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<feedback><report_metadata><org_name>&xxe;</org_name></report_metadata></feedback>"""


def deep_xml(levels: int) -> bytes:
    return b"<feedback>" + b"<a>" * levels + b"</a>" * levels + b"</feedback>"


def aggregate(org: str, report_id: str, domain: str, rows: list[tuple[str, int, str, str]],
              begin: int = 1793491200, p: str = "none", pct: int = 100) -> bytes:
    """A minimal aggregate report: rows are (ip, count, dkim aligned result, spf aligned result)."""
    records = "".join(
        f"<record><row><source_ip>{ip}</source_ip><count>{n}</count><policy_evaluated><disposition>none"
        f"</disposition><dkim>{dk}</dkim><spf>{sp}</spf></policy_evaluated></row><identifiers>"
        f"<header_from>{domain}</header_from></identifiers><auth_results>"
        + (f"<dkim><domain>{domain}</domain><result>pass</result></dkim>" if dk == "pass" else "")
        + f"<spf><domain>{domain}</domain><result>{sp}</result></spf></auth_results></record>"
        for ip, n, dk, sp in rows
    )
    return (
        f'<?xml version="1.0"?><feedback><report_metadata><org_name>{org}</org_name><report_id>{report_id}'
        f"</report_id><date_range><begin>{begin}</begin><end>{begin + 86399}</end></date_range></report_metadata>"
        f"<policy_published><domain>{domain}</domain><p>{p}</p><pct>{pct}</pct></policy_published>{records}</feedback>"
    ).encode()
