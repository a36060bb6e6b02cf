import pytest

from mailaudit.net.targets import refusal


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.9.9.9", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.1.1", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("100.64.0.1", "shared"),
    ],
)
def test_internal_addresses_refused_unless_allowed(address: str, reason: str) -> None:
    assert refusal(address, allow_private=False) == reason
    assert refusal(address, allow_private=True) is None


@pytest.mark.parametrize(
    ("address", "reason"),
    [("0.0.0.0", "unspecified"), ("::", "unspecified"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
     ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"), ("not an address", "invalid"), ("", "invalid")],
)
def test_never_a_server(address: str, reason: str) -> None:
    assert refusal(address, allow_private=False) == reason
    assert refusal(address, allow_private=True) == reason


@pytest.mark.parametrize("address", ["8.8.8.8", "203.0.114.1", "2001:4860:4860::8888", "2a00:1450::1"])
def test_public_addresses_allowed(address: str) -> None:
    assert refusal(address, allow_private=False) is None
