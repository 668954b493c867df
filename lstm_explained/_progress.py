"""One policy for progress bars on long work (tracing many windows, exporting frames).

``progress=True`` always shows a tqdm bar, ``False`` never does, and ``"auto"`` shows it
when the work is big enough, on a terminal or in a notebook (tqdm hides it when output
goes to a log file), and never under pytest.
"""

from __future__ import annotations

import os
from typing import Any


def progress_bar(show: bool | str, total: int, desc: str, unit: str, big_enough: bool) -> Any:
    """A tqdm bar over ``total`` items, disabled where the policy above says so.

    Example
    -------
    >>> bar = progress_bar(False, 3, "work", "item", big_enough=True)
    >>> bar.disable
    True
    """
    from tqdm.auto import tqdm

    if show == "auto":
        quiet = not big_enough or "PYTEST_CURRENT_TEST" in os.environ
        return tqdm(total=total, desc=desc, unit=unit, disable=True if quiet else None)
    return tqdm(total=total, desc=desc, unit=unit, disable=not show)
