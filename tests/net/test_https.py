"""The HTTPS client against the real test server on 127.0.0.5 (test CA made at test time)."""

from __future__ import annotations

import asyncio
import time

import pytest

from mailaudit.net.https import FetchRules, HttpsFetcher, HttpsSettings, Outcome, media_type
from tests.httpsserver import HttpsServer

HOST = "mta-sts.example.com"
PATH = "/.well-known/mta-sts.txt"
TEXT = FetchRules(frozenset({"text/plain"}), max_bytes=65536, timeout=3.0)


def fetcher(server: HttpsServer, *, allow: bool = True, ca: bool = True) -> HttpsFetcher:
    return HttpsFetcher(HttpsSettings(ca_file=str(server.ca.ca_file) if ca else None, allow_private=allow,
                                      port=server.port))


def run(server: HttpsServer, host: str = HOST, rules: FetchRules = TEXT, **kw: bool) -> object:
    return asyncio.run(fetcher(server, **kw).fetch(host, [server.address], PATH, rules))


def test_valid_fetch_has_body_type_and_certificate(https_server: HttpsServer) -> None:
    https_server.site(HOST, days=20)
    https_server.serve(HOST, PATH, "version: STSv1\n", content_type="text/plain; charset=utf-8")
    result = run(https_server)
    assert result.outcome is Outcome.OK and result.status == 200
    assert result.body == b"version: STSv1\n"
    assert result.address == "127.0.0.5"
    assert result.certificate is not None and result.certificate.names == (HOST,)
    assert result.certificate.issuer == "mailaudit test CA"
    assert https_server.requests[(HOST, PATH)] == 1
    assert https_server.handshakes(HOST) == 1  # SNI carried the name, not the address


@pytest.mark.parametrize(("kind", "detail"), [("expired", "expired"), ("wrong_name", "name_mismatch")])
def test_bad_certificates(https_server: HttpsServer, kind: str, detail: str) -> None:
    https_server.site(HOST, kind)
    https_server.serve(HOST, PATH, "version: STSv1\n")
    result = run(https_server)
    assert (result.outcome, result.detail) == (Outcome.CERTIFICATE, detail)
    assert https_server.requests[(HOST, PATH)] == 0


def test_untrusted_without_ca_file(https_server: HttpsServer) -> None:
    https_server.site(HOST)
    result = run(https_server, ca=False)
    assert (result.outcome, result.detail) == (Outcome.CERTIFICATE, "untrusted")


def test_redirect_not_followed(https_server: HttpsServer) -> None:
    https_server.site(HOST)
    https_server.redirect(HOST, PATH, "https://www.example.com/mta-sts.txt")
    result = run(https_server)
    assert (result.outcome, result.status, result.location) == (
        Outcome.REDIRECT, 301, "https://www.example.com/mta-sts.txt")
    assert sum(https_server.requests.values()) == 1


def test_404(https_server: HttpsServer) -> None:
    https_server.site(HOST)
    result = run(https_server)
    assert (result.outcome, result.status, result.detail) == (Outcome.HTTP_STATUS, 404, "404")


@pytest.mark.parametrize("content_type", ["text/html", None, "text/plainx", "application/octet-stream"])
def test_media_type_exact(https_server: HttpsServer, content_type: str | None) -> None:
    https_server.site(HOST)
    https_server.serve(HOST, PATH, "version: STSv1\n", content_type=content_type)
    result = run(https_server)
    assert result.outcome is Outcome.MEDIA_TYPE and result.body == b"version: STSv1\n"
    assert result.content_type == content_type


def test_huge_body_is_capped_while_streaming(https_server: HttpsServer) -> None:
    https_server.site(HOST)
    https_server.huge(HOST, PATH, 512 * 1024 * 1024)
    started = time.monotonic()
    result = run(https_server)
    assert result.outcome is Outcome.TOO_LARGE and result.body == b""
    assert time.monotonic() - started < 3


def test_declared_length_over_cap(https_server: HttpsServer) -> None:
    https_server.site(HOST)
    https_server.serve(HOST, PATH, b"x" * 70000)
    result = run(https_server)
    assert (result.outcome, result.detail) == (Outcome.TOO_LARGE, "70000")


def test_bom_is_delivered_as_bytes(https_server: HttpsServer) -> None:
    https_server.site(HOST)
    https_server.serve(HOST, PATH, b"\xef\xbb\xbfversion: STSv1\n")
    result = run(https_server)
    assert result.outcome is Outcome.OK and result.body.startswith(b"\xef\xbb\xbf")


def test_host_that_never_answers_times_out(https_server: HttpsServer) -> None:
    https_server.site(HOST)
    https_server.hang(HOST)
    rules = FetchRules(frozenset({"text/plain"}), 65536, timeout=0.6)
    started = time.monotonic()
    result = run(https_server, rules=rules)
    assert result.outcome is Outcome.TIMEOUT and result.contacted
    assert time.monotonic() - started < 3


def test_refused_port_is_connect_failed(https_server: HttpsServer) -> None:
    fetch = HttpsFetcher(HttpsSettings(allow_private=True, port=1))
    result = asyncio.run(fetch.fetch(HOST, ["127.0.0.5"], PATH, TEXT))
    assert result.outcome is Outcome.CONNECT_FAILED


def test_no_connection_to_loopback_without_allow(https_server: HttpsServer) -> None:
    https_server.site(HOST)
    https_server.serve(HOST, PATH, "version: STSv1\n")
    result = run(https_server, allow=False)
    assert (result.outcome, result.detail, result.contacted) == (Outcome.REFUSED_TARGET, "loopback", False)
    assert https_server.connections == 0


def test_next_address_after_refused_one(https_server: HttpsServer) -> None:
    https_server.site(HOST)
    https_server.serve(HOST, PATH, "version: STSv1\n")
    fetch = fetcher(https_server)
    result = asyncio.run(fetch.fetch(HOST, ["0.0.0.0", https_server.address], PATH, TEXT))
    assert result.ok and result.address == https_server.address


def test_no_address() -> None:
    result = asyncio.run(HttpsFetcher().fetch(HOST, [], PATH, TEXT))
    assert result.outcome is Outcome.NO_ADDRESS and not result.contacted


def test_each_host_fetched_once_per_run_even_concurrently(https_server: HttpsServer) -> None:
    https_server.site(HOST)
    https_server.serve(HOST, PATH, "version: STSv1\n")
    fetch = fetcher(https_server)

    async def many() -> list[object]:
        return list(await asyncio.gather(*(fetch.fetch(HOST, [https_server.address], PATH, TEXT) for _ in range(8))))

    results = asyncio.run(many())
    assert all(r.ok for r in results)
    assert https_server.requests[(HOST, PATH)] == 1 and https_server.connections == 1
    assert fetch.fetched == 1


def test_two_names_on_one_address_get_their_own_handshake(https_server: HttpsServer) -> None:
    other = "mta-sts.example.org"
    https_server.site(HOST)
    https_server.site(other, "expired")
    https_server.serve(HOST, PATH, "a")
    https_server.serve(other, PATH, "b")
    fetch = fetcher(https_server)

    async def both() -> tuple[object, object]:
        first = await fetch.fetch(HOST, [https_server.address], PATH, TEXT)
        return first, await fetch.fetch(other, [https_server.address], PATH, TEXT)

    first, second = asyncio.run(both())
    assert first.ok and second.outcome is Outcome.CERTIFICATE
    assert https_server.connections == 2


def test_media_type_helper() -> None:
    assert media_type("Text/Plain; charset=UTF-8") == "text/plain"
    assert media_type("") is None and media_type(None) is None


def test_addresses_tried_are_bounded(https_server: HttpsServer) -> None:
    https_server.site(HOST)
    https_server.serve(HOST, PATH, "version: STSv1\n")
    addresses = ["127.0.0.2", "127.0.0.3", "127.0.0.4", https_server.address]  # the first three refuse
    result = asyncio.run(fetcher(https_server).fetch(HOST, addresses, PATH, TEXT))
    assert result.outcome is Outcome.CONNECT_FAILED and result.address == "127.0.0.4"
    assert https_server.connections == 0
