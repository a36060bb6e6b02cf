"""Hostile DNS data (script tags, event handlers, terminal escapes) is inert in every output format,
audited from a real DNS server."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from mailaudit.cli import main_group
from mailaudit.render import FORMATS

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def output(server, *args: str) -> str:
    result = CliRunner().invoke(main_group, [*args, "--nameserver", server.address, "--timeout", "0.5",
                                             "--no-dnsbl"], standalone_mode=False)
    assert result.exception is None, result.output
    return result.output


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_inert(dns_server, fmt):
    text = output(dns_server("render"), "check", "hostile.render.test", "--format", fmt, "--fail-on", "info")
    assert not CONTROL.search(text.replace("\n", "").replace("\t", "")), fmt
    assert "onerror" in text or "onerror" in json.dumps(text)  # the data is reported, not dropped
    if fmt == "html":
        assert "<script" not in text and "<img" not in text
    elif fmt == "markdown":
        outside_code = re.sub(r"(?ms)^( *)(`{3,})[a-z]*\n.*?^\1\2$", "", text)
        assert "<script" not in outside_code and "<img" not in outside_code
    elif fmt == "junit":
        root = ET.fromstring(text.encode())
        assert root.findall(".//script") == [] and "<script" not in text
    elif fmt == "json":
        assert json.loads(text)["reports"][0]["domain"] == "hostile.render.test"
    elif fmt == "jsonl":
        assert json.loads(text.splitlines()[0])["domain"] == "hostile.render.test"


@pytest.mark.parametrize("fmt", ["text", "zone", "json"])
def test_fix_plan_is_inert(dns_server, fmt):
    text = output(dns_server("render"), "fix", "hostile.render.test", "--format", fmt)
    assert not CONTROL.search(text.replace("\n", "")), fmt
    if fmt == "zone":
        records = [line for line in text.splitlines() if line and not line.startswith(";")]
        assert all(line.split()[0].endswith("hostile.render.test.") for line in records), records
