"""Progress reporting for long imports and generators, without tying services to a terminal.

Services take a :data:`ProgressFactory` and call it once per stage; management commands pass
:func:`terminal_progress`, tests and ``setup_demo`` the silent default.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Protocol

from tqdm import tqdm


class Progress(Protocol):
    def update(self, n: int = 1) -> object: ...

    def close(self) -> None: ...


ProgressFactory = Callable[[str, int], Progress]  # (stage description, total units)


class _SilentProgress:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def silent_progress(description: str, total: int) -> Progress:
    return _SilentProgress()


def terminal_progress(*, enabled: bool = True) -> ProgressFactory:
    """tqdm bars on stderr, so stdout keeps only the report; off when stderr is not a terminal."""
    show = enabled and sys.stderr.isatty()

    def make(description: str, total: int) -> Progress:
        return tqdm(
            desc=description, total=total, file=sys.stderr, disable=not show, unit_scale=True, leave=True
        )

    return make
