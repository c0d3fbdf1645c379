"""The Dask worker plugin that warms every worker (a module of its own: it imports distributed,
which only a Dask run needs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


class Warm(WorkerPlugin):
    """Runs ``warm`` (load the readers and the tokenizer, Arrow's allocator, pandas kept out)
    on every worker: those there when the run starts, and those that join later or that
    their nanny restarts after a death (``Client.run`` would reach only the first)."""

    name = "nianbao-warm"

    def __init__(self, warm: Callable[[], None]):
        self.warm = warm

    def setup(self, worker: Any) -> None:
        self.warm()
