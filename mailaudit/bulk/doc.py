"""docs/bulk-senders.md, generated from ``requirements.toml`` (a test keeps the two in step):
``python -m mailaudit.bulk.doc > docs/bulk-senders.md``."""

from __future__ import annotations

from mailaudit.bulk.rules import Table, load

HOW = {
    "dns": "from DNS (every `check`)",
    "sending_ip": "from `--sending-ip` addresses (SPF result, forward-confirmed PTR)",
    "reports": "from DMARC aggregate reports (`mailaudit reports`) or a sample message (`mailaudit explain`)",
    "message": "from a sample message (`mailaudit explain message.eml`); not from DNS",
    "none": "not checkable from outside: the receiver's own tools (Postmaster Tools, SNDS) show it",
}
_HEAD = """# The big receivers' sender rules (`bulk` check)

Gmail and Yahoo (from February 2024; Gmail ramped up enforcement with temporary and permanent
rejections from November 2025) and Microsoft Outlook.com (from 5 May 2025, rejection with
`550 5.7.515`) set rules for mail to their personal mailboxes. The `bulk` check reports one
`bulk.requirement.unmet` finding per receiver whose rules the domain does not meet (subject: the
receiver; detail: the rules unmet and the reply the receiver gives). A rule that could not be
checked because a lookup failed is never counted as unmet: the finding says it could not tell.
Scope: **all** = every sender; **bulk** = about 5,000 or more messages a day to that receiver's
personal mailboxes. The rules do not apply to Google Workspace or Microsoft 365 business tenants.

This page is generated from `mailaudit/bulk/requirements.toml`.
"""


def render(table: Table) -> str:
    lines = [_HEAD, "## Receivers", ""]
    for receiver in table.receivers:
        sources = ", ".join(f"<{s}>" for s in receiver.sources)
        lines.append(f"- **{receiver.name}** (`{receiver.id}`), since {receiver.since}. Sources: {sources}")
    names = [r.id for r in table.receivers]
    lines += ["", "## Requirements", "",
              "| requirement | " + " | ".join(r.name for r in table.receivers) + " | how mailaudit checks it |",
              "|---|" + "---|" * len(names) + "---|"]
    for req in table.requirements:
        cells = []
        for rid in names:
            rule = next((r for r in req.rules if r.receiver == rid), None)
            cells.append(f"{rule.scope}: {rule.reply}" if rule else "-")
        lines.append(f"| `{req.id}`: {req.title} | " + " | ".join(cells) + f" | {HOW[req.checked]} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(load()), end="")
