"""Python's allocations measured in tests (tracemalloc): the peak of a block, or peaks sampled
as it runs (every so many values read, from an import's `on_read`/`progress` callbacks)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager


class Traced:
    """What `traced()` measured: `peaks` sampled by `sample`, and `peak`, the peak of the
    whole block up to its end or `stop` (since the last `sample_apart`)."""

    def __init__(self) -> None:
        self.peaks: list[int] = []
        self.peak = 0

    def sample(self, *_: object) -> None:
        """Keep the peak so far (nothing once stopped); takes and ignores a callback's
        arguments."""
        if tracemalloc.is_tracing():
            self.peaks.append(tracemalloc.get_traced_memory()[1])

    def sample_apart(self, *_: object) -> None:
        """Keep the peak since the last sample: each sample a part of its own."""
        self.sample()
        tracemalloc.reset_peak()

    def stop(self) -> None:
        """Stop tracing (it slows every allocation), the block's peak kept."""
        if tracemalloc.is_tracing():
            self.peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()


@contextmanager
def traced() -> Iterator[Traced]:
    """Trace Python's allocations in the block (tracing stopped at its end)."""
    found = Traced()
    tracemalloc.start()
    try:
        yield found
    finally:
        found.stop()
