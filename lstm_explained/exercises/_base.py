"""What every exercise is made of: the :class:`Result` a check returns, the registry
that the tutorial modules (:mod:`.cell`, :mod:`.sine`, :mod:`.sp500`) fill with
``@_register`` (the solver) and ``@_judge`` (the checker), and the small helpers they share."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lstm_explained._stats import column_correlations
from lstm_explained.errors import DataError

#: Result statuses.
CORRECT, WRONG, UNANSWERED = "correct", "wrong", "unanswered"

_MARKS = {CORRECT: "✓", WRONG: "✗", UNANSWERED: "…"}
_EMPHASIS = re.compile(r"\*([^*\s][^*]*)\*")  # *word* in a hint: emphasis
_COLOURS = {CORRECT: "#009E73", WRONG: "#D55E00", UNANSWERED: "#999999"}


@dataclass(frozen=True)
class Result:
    """The verdict on one answer: ``correct`` and a ``message`` (a hint when wrong).

    Truthy when correct. Shown as a coloured ✓ / ✗ line in a notebook, as text elsewhere.
    """

    exercise: str
    status: str
    message: str

    @property
    def correct(self) -> bool:
        """True when the answer is right."""
        return self.status == CORRECT

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        plain = _EMPHASIS.sub(r"\1", self.message)  # *kept* -> kept
        return f"{_MARKS[self.status]} {self.exercise}: {plain}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        message = _EMPHASIS.sub(r"<em>\1</em>", html.escape(self.message))
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 10px;margin:4px 0">'
            f'<b style="color:{colour}">{_MARKS[self.status]} {html.escape(self.exercise)}</b>'
            f" {message}</div>"
        )


@dataclass(frozen=True)
class Exercise:
    """One exercise: its id, title, question, and how to solve and judge it.

    ``kind`` is :data:`CONCEPT` for an exercise that asks for a prediction or a design
    choice (what will the gate do, which bias, which gate to shut) and :data:`COMPUTE` for
    one that asks to compute or read off a value.
    """

    id: str
    title: str
    question: str
    needs: tuple[str, ...]
    solve: Callable[..., Any]
    judge: Callable[..., Result]
    kind: str = "compute"


_REGISTRY: dict[str, Exercise] = {}

#: Exercise kinds: a prediction or design choice, or a computation.
CONCEPT, COMPUTE = "concept", "compute"


def _register(
    id: str, title: str, question: str, needs: tuple[str, ...], kind: str = COMPUTE,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a solver; the judge with the same id is attached by :func:`_judge`."""
    if kind not in (CONCEPT, COMPUTE):
        raise ValueError(f"kind must be {CONCEPT!r} or {COMPUTE!r}; got {kind!r}")

    def deco(solve: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTRY[id] = Exercise(id, title, question, needs, solve, judge=_no_judge, kind=kind)
        return solve

    return deco


def _judge(id: str) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    def deco(judge: Callable[..., Result]) -> Callable[..., Result]:
        ex = _REGISTRY[id]
        _REGISTRY[id] = Exercise(ex.id, ex.title, ex.question, ex.needs, ex.solve, judge,
                                 ex.kind)
        return judge

    return deco


def _no_judge(*args: Any, **kwargs: Any) -> Result:  # pragma: no cover - replaced below
    raise RuntimeError("this exercise has no checker yet (register one with @_judge)")


# -- helpers -------------------------------------------------------------------------------
def _ok(id: str, message: str) -> Result:
    return Result(id, CORRECT, "Right: " + message)


def _wrong(id: str, hint: str) -> Result:
    return Result(id, WRONG, "Not yet: " + hint)


def _number(answer: Any) -> np.ndarray | None:
    """The answer as a float array, or None when it is not numeric."""
    try:
        a = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return a


def _close(a: np.ndarray | None, b: Any, atol: float, rtol: float = 0.0) -> bool:
    if a is None:
        return False
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape and a.size != 1 and b.size != 1:
        return False
    try:
        return bool(np.all(np.isfinite(a)) and np.allclose(a, b, atol=atol, rtol=rtol))
    except ValueError:
        return False


def _fmt(x: Any) -> str:
    a = np.asarray(x, dtype=np.float64)
    if a.size == 1:
        return f"{float(a):.4g}"
    return np.array2string(a, precision=4, threshold=8)


def _layer(trace: Any, layer: str | None) -> Any:
    """A LayerTrace from a LayerTrace or a Trace (its first layer when ``layer`` is None)."""
    if hasattr(trace, "hidden") and hasattr(trace, "forget"):
        return trace
    if isinstance(trace, Mapping):
        if not trace:
            raise DataError("the trace holds no layers.")
        key = next(iter(trace)) if layer is None else layer
        if key not in trace:
            raise DataError(f"no layer {key!r} in the trace; it has {list(trace)}.")
        return trace[key]
    raise DataError(
        f"trace must be an lstm_explained Trace or LayerTrace, not {type(trace).__name__}."
    )


def _int_answer(id: str, answer: Any, n: int, what: str) -> tuple[int | None, Result | None]:
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, np.integer)):
        a = _number(answer)
        if a is None or a.size != 1 or float(a) != int(a):
            return None, _wrong(id, f"answer with one whole number: the index of the {what}.")
        answer = int(a)
    answer = int(answer)
    if not 0 <= answer < n:
        return None, _wrong(id, f"the {what} is an index from 0 to {n - 1}; got {answer}.")
    return answer, None


_corr = column_correlations  # the package's one Pearson helper (lstm_explained._stats)


def _logit(p: float) -> float:
    """The bias b with σ(b) = p: what a gate's bias must be for the gate to sit at p."""
    return float(np.log(p / (1.0 - p)))


