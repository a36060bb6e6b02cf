"""The policy file of an MTA-STS fix reaches every output format line by line, and in both languages."""

from __future__ import annotations

import json

import pytest

from mailaudit.render import RenderOptions, render
from tests.transportrig import Rig

POLICY = "version: STSv1\nmode: enforce\nmx: mx1.out.test\nmax_age: 604800\n"
WANTED = ("version: STSv1", "mx: mx1.out.test", "mx: mx2.out.test", "max_age: 604800")


@pytest.mark.parametrize("lang", ["en", "id"])
@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "junit", "json"])
def test_policy_file_in_every_format(rig: Rig, fmt: str, lang: str) -> None:
    rig.mx("out.test", "mx1.out.test", "mx2.out.test")
    rig.sts("out.test", POLICY)
    report = rig.audit("out.test", "mta_sts", "tls_rpt")
    assert [f.id for f in report.findings][:1] == ["mta_sts.mx.uncovered"]
    if lang == "id":
        from mailaudit.catalogue import Catalogue

        report = report.__class__(report.domain, tuple(
            c.__class__(c.id, c.status, tuple(Catalogue.load("id").localize(f) for f in c.findings), c.error, c.data,
                        c.notes) for c in report.checks), report.input, report.notes)
    text = render(fmt, [report], RenderOptions(lang=lang))
    if fmt == "json":
        summary = json.loads(text)["reports"][0]["findings"][0]["fix"]["summary"]
        assert "\n\nversion: STSv1\nmode: enforce\n" in summary
        return
    for line in WANTED:
        assert line in text, (fmt, line)
    assert "\\x0a" not in text
