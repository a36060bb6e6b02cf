"""Writing the command's output. Every write error (a full disk, a file-size limit, a closed
descriptor, a reader that went away) becomes an ``OSError`` that ``cli.main`` turns into one
line and exit 2: no traceback, and never a silently cut file with exit 0 or 1."""

from __future__ import annotations

import errno
import io
import os
import sys


def emit(text: str) -> None:
    """Write ``text`` to standard output completely, or raise OSError."""
    stream = sys.stdout
    if stream is None:  # started with descriptor 1 closed
        raise OSError(errno.EBADF, "standard output is closed")
    try:
        fd = stream.fileno()
    except (io.UnsupportedOperation, AttributeError, ValueError):  # an in-memory stream (tests, embedding)
        stream.write(text)
        stream.flush()
        return
    stream.flush()
    data = memoryview(text.encode("utf-8", errors="backslashreplace"))
    while data:
        written = os.write(fd, data)  # a short write then EFBIG/ENOSPC raises, as it must
        if written <= 0:
            raise OSError(errno.EIO, "the output could not be written")
        data = data[written:]
