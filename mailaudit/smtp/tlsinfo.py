"""What a finished TLS handshake tells: version, cipher, and the certificate chain as presented.

The handshake itself verifies nothing (``probe_context``): opportunistic senders deliver over a
bad certificate too, so the probe must see the chain either way and judge it afterwards
(``certs.examine``), once, from one handshake.

The chain: Python 3.13 has ``SSLObject.get_unverified_chain()``; 3.10-3.12 have the same call on
the private ``_sslobj``. When neither exists only the leaf (``getpeercert(binary_form=True)``)
is available, and DANE-TA or chain checks see a chain of one.
"""

from __future__ import annotations

import contextlib
import ssl
from typing import Any

from .outcomes import TlsSession

_ENCODING_DER = 2  # _ssl.ENCODING_DER, the argument of _ssl.Certificate.public_bytes


def probe_context() -> ssl.SSLContext:
    """A client context that accepts any certificate and any protocol version the library allows,
    so that an old or broken server can still be described rather than missed."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    with contextlib.suppress(ssl.SSLError):  # a library without security levels keeps its defaults
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


def _as_der(item: Any) -> bytes | None:
    if isinstance(item, bytes):
        return item
    public_bytes = getattr(item, "public_bytes", None)
    if public_bytes is None:
        return None
    data = public_bytes(_ENCODING_DER)
    return data if isinstance(data, bytes) else None


def presented_chain(obj: ssl.SSLObject) -> tuple[bytes, ...]:
    """DER certificates, leaf first, as the server sent them."""
    for target in (obj, getattr(obj, "_sslobj", None)):
        method = getattr(target, "get_unverified_chain", None)
        if method is None:
            continue
        try:
            items = method() or []
        except (ssl.SSLError, ValueError):
            continue
        chain = tuple(der for der in (_as_der(item) for item in items) if der)
        if chain:
            return chain
    leaf = obj.getpeercert(binary_form=True)
    return (leaf,) if leaf else ()


def describe(obj: ssl.SSLObject) -> TlsSession:
    cipher = obj.cipher()
    return TlsSession(
        version=obj.version() or "unknown",
        cipher=cipher[0] if cipher else "unknown",
        chain=presented_chain(obj),
    )
