"""A future awaited by many: one DNS question's answer, shared by every check that asks it.

Awaiting a plain future from a task that gets cancelled cancels the future itself, so every
other waiter would see the cancellation (``asyncio.shield`` avoids that at the cost of a future
and two callbacks per await). ``Shared`` refuses ``cancel`` instead: a cancelled waiter stops
waiting when the result comes (within the DNS timeout), the others are not disturbed. Facts
(``context.py``) keep ``shield``: they may wait on many questions, and a stopped batch must not
wait for all of them.
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

T = TypeVar("T")


class Shared(asyncio.Future[T]):
    """See the module doc. ``abandon`` ends it without a result (its producer died with the loop)."""

    def cancel(self, msg: object = None) -> bool:
        return False

    def abandon(self, error: BaseException | None) -> None:
        if self.done():
            return
        if error is None:
            asyncio.Future.cancel(self)
        else:
            self.set_exception(error)
