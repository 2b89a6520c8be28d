"""Run a coroutine on a fresh event loop in its own thread.

The browser tests keep Playwright's event loop running in the main thread for the whole session, so
``asyncio.run`` there fails with "cannot be called from a running event loop"; a worker thread has none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def run_async[T](make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(make())`` on a thread of its own, whatever loop the calling thread has."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()
