"""Exercises for the tutorials, with checkers that compute the right answer themselves.

Tutorials end with a few exercises: a cell with ``answer = None`` and a call to :func:`check`,
then the solution, folded away: a code cell that computes the answer and makes the same
check (collapsed in JupyterLab, a closed toggle on the course site; see
``tutorials/README.md``). A student computes an answer and hands it
to :func:`check` together with the *context* it was computed from (gate values, weights, a
trace, windows, forecasts). The checker works out the right answer from that same context,
never from a stored number, so the exercises stay true when a model is retrained. A wrong
answer gets a hint, and the most common mistakes (Keras' i, f, c, o weight order, forgetting
the forget gate, de-normalising with the wrong window's p0, ...) are recognised and named.

This module uses numpy only: it imports neither TensorFlow nor Keras, so it loads in a
process that never pays for them.

Exercises
---------
======================== ==============================================================
``"01.cell_state"``      C_t = f_t * C_{t-1} + i_t * C~_t for given gate values
``"01.hidden_state"``    h_t = o_t * tanh(C_t)
``"01.forget_block"``    the forget gate's block W_f of a Keras kernel (order i, f, c, o)
``"01.open_words"``      before the cell runs: the words at which a gate is open (or shut)
``"01.belt_sign"``       before the cell runs: the belt's sign after a word
``"01.guard_gate"``      which gate must stay shut so a second name keeps off the subject's belt
``"01.input_bias"``      the input-gate bias that writes < 1 % at a non-subject name
``"02.slope_unit"``      the unit whose last hidden state tracks the input's slope
``"02.persistence_mse"`` the persistence baseline's mean squared error
``"02.untrained_units"`` predict: do an untrained copy's units track the value too?
``"02.ar_order"``        design: the smallest AR order that continues a sine exactly
``"02.most_moved"``      predict: which gate's weights training moved most
``"03.denormalise_run"`` one step of a fed-back run, back in prices
``"03.lag"``             the lag at which the forecast's moves best echo the truth's
``"03.saturation"``      the fraction of a gate's values that are saturated (Karpathy et al.)
``"03.lag_from_forget"`` predict the forecast's lag (days) from the mean forget gate
``"03.forget_bias"``     design: the forget bias that keeps a share of the belt for n steps
``"04.control"``         which claims about the trained model survive its untrained copy
``"04.clamp_fall"``      which gate to shut so the fall is not written; the forecast's move
``"04.busiest_window"``  predict the window whose last step changes the belt most around the fall
``"04.forget_zero"``     predict the adding model's error with its memory unit's forget gate at 0
``"05.forget_half"``     the constant forget gate that keeps half the belt over n steps
``"05.gradient_orders"`` which trained model's gradient n steps back is larger, by how much
``"06.ignore_second"``   which gate to shut, from when, so the adding model drops one value
``"06.forget_clamp"``    what the answer follows with the memory unit's forget gate 0 from a step on
``"07.coupled_same"``    predict: does coupling f = 1 - i change the gender cell's belt?
``"07.peephole_forget"`` predict: where a forget-gate peephole makes the gender cell forget most
``"07.gru_update"``      predict: is Keras' GRU update gate low or high where the adding GRU writes
======================== ==============================================================

Example
-------
>>> import lstm_explained.exercises as ex
>>> r = ex.check("01.cell_state", 0.5 * 2.0 + 1.0 * 0.25,
...              forget=0.5, input=1.0, candidate=0.25, previous=2.0)
>>> r.correct, str(r)
(True, '✓ 01.cell_state: Right: C_t = f_t·C_{t-1} + i_t·C̃_t = 1.25.')
>>> r = ex.check("01.cell_state", 0.25, forget=0.5, input=1.0, candidate=0.25, previous=2.0)
>>> r.correct
False
>>> print(r.message)  # doctest: +ELLIPSIS
Not yet: You wrote the new part but dropped the old belt: ...
"""


from __future__ import annotations

from typing import Any

from lstm_explained.errors import DataError
from lstm_explained.exercises import (  # noqa: F401 - each registers its exercises
    adding,
    cell,
    sine,
    sp500,
    tour,
    variants,
    words,
)
from lstm_explained.exercises._base import (
    _REGISTRY,
    COMPUTE,
    CONCEPT,
    CORRECT,
    UNANSWERED,
    WRONG,
    Exercise,
    Result,
)
from lstm_explained.exercises.sine import unit_correlations
from lstm_explained.exercises.sp500 import lag_correlations


# -- the public API ---------------------------------------------------------------------------
def exercises(kind: str | None = None) -> list[str]:
    """The ids of every exercise, in tutorial order (within a tutorial, as registered).

    Parameters
    ----------
    kind : str or None
        ``"concept"`` for the exercises that ask for a prediction or a design choice,
        ``"compute"`` for those that ask to compute or read off a value; all when None.

    Example
    -------
    >>> exercises()[:2]
    ['01.cell_state', '01.hidden_state']
    >>> exercises(kind="concept")[:2]
    ['01.open_words', '01.belt_sign']
    """
    if kind not in (None, CONCEPT, COMPUTE):
        raise DataError(f"kind must be {CONCEPT!r}, {COMPUTE!r} or None; got {kind!r}.")
    ids = sorted(_REGISTRY, key=lambda id: id.split(".")[0])
    return [i for i in ids if kind is None or _REGISTRY[i].kind == kind]


def _get(exercise: str) -> Exercise:
    try:
        return _REGISTRY[exercise]
    except KeyError:
        raise DataError(
            f"no exercise {exercise!r}; the exercises are {', '.join(_REGISTRY)}."
        ) from None


def question(exercise: str) -> str:
    """The question of an exercise, with what :func:`check` needs to know.

    Example
    -------
    >>> print(question("01.hidden_state"))  # doctest: +ELLIPSIS
    What the cell shows: Given o_t and ... (check needs: output, cell)
    """
    ex = _get(exercise)
    return f"{ex.title}: {ex.question} (check needs: {', '.join(ex.needs)})"


def _context(ex: Exercise, context: dict[str, Any]) -> None:
    missing = [k for k in ex.needs if k not in context]
    if missing:
        raise DataError(
            f"exercise {ex.id!r} needs {', '.join(ex.needs)} to check an answer; "
            f"missing: {', '.join(missing)}."
        )


_JUDGE_ONLY = {"tolerance", "rtol", "atol", "tie"}


def solution(exercise: str, **context: Any) -> Any:
    """The right answer, computed from ``context`` (for instructors and tests).

    Example
    -------
    >>> float(solution("01.hidden_state", output=1.0, cell=0.0))
    0.0
    """
    ex = _get(exercise)
    _context(ex, context)
    return ex.solve(**{k: v for k, v in context.items() if k not in _JUDGE_ONLY})


def check(exercise: str, answer: Any, **context: Any) -> Result:
    """Check an answer to an exercise against the right answer computed from ``context``.

    Parameters
    ----------
    exercise : str
        The exercise id, e.g. ``"01.cell_state"`` (see :func:`exercises`).
    answer : any
        The student's answer; ``None`` or ``...`` means "not answered yet".
    **context
        What the answer was computed from (see :func:`question`), plus optional
        tolerances (``tolerance``, ``rtol``, ``atol``).

    Returns
    -------
    Result
        Truthy when right; its message is a hint when wrong.

    Raises
    ------
    DataError
        For an unknown exercise or missing context.
    """
    ex = _get(exercise)
    _context(ex, context)
    if answer is None or answer is Ellipsis:
        return Result(ex.id, UNANSWERED, f"no answer yet. {ex.title}: {ex.question}")
    right = solution(exercise, **context)
    return ex.judge(answer, right, **context)


__all__ = [
    "COMPUTE",
    "CONCEPT",
    "CORRECT",
    "UNANSWERED",
    "WRONG",
    "Exercise",
    "Result",
    "check",
    "exercises",
    "lag_correlations",
    "question",
    "solution",
    "unit_correlations",
]
