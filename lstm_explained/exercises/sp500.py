"""Exercises of tutorial 03: a fed-back run back in prices; the lag, measured and predicted
from the forget gate; saturated gates; a forget bias that remembers."""

from __future__ import annotations

from typing import Any

import numpy as np

from lstm_explained.activations import get_activation
from lstm_explained.errors import DataError
from lstm_explained.exercises._base import (
    CONCEPT,
    Result,
    _close,
    _corr,
    _int_answer,
    _judge,
    _layer,
    _logit,
    _number,
    _ok,
    _register,
    _wrong,
)


# -- 03: the S&P 500 --------------------------------------------------------------------------
@_register(
    "03.denormalise_run",
    "A fed-back forecast, back in prices",
    "Multi-sequence run number run started from test window run·prediction_len. Turn its "
    "normalised prediction at `step` back into an index level.",
    ("windows", "predictions", "run", "step"),
)
def _solve_denormalise_run(*, windows: Any, predictions: Any, run: int, step: int,
                           prediction_len: int | None = None) -> float:
    pred = np.asarray(predictions, dtype=np.float64)
    if pred.ndim != 2:
        raise DataError(f"predictions must be (runs, prediction_len); got {pred.shape}.")
    length = pred.shape[1] if prediction_len is None else int(prediction_len)
    p0 = np.asarray(windows.p0_test, dtype=np.float64)
    return float(p0[run * length] * (pred[run, step] + 1.0))


@_judge("03.denormalise_run")
def _judge_denormalise_run(answer: Any, right: float, *, windows: Any, predictions: Any,
                           run: int, step: int, prediction_len: int | None = None,
                           rtol: float = 1e-4) -> Result:
    id = "03.denormalise_run"
    pred = np.asarray(predictions, dtype=np.float64)
    length = pred.shape[1] if prediction_len is None else int(prediction_len)
    p0 = np.asarray(windows.p0_test, dtype=np.float64)
    n = pred[run, step]
    a = _number(answer)
    if a is None or a.size != 1:
        return _wrong(id, "answer with one number, an index level.")
    if _close(a, right, 1e-9, rtol):
        return _ok(id, f"p = p0 · (n + 1) = {p0[run * length]:.2f} · ({n:.4f} + 1) = "
                       f"{right:.2f}, with p0 of the run's start window {run * length}.")
    start = run * length
    mistakes = []
    if start + step < len(p0) and step:
        mistakes.append((p0[start + step] * (n + 1), "a fed-back run stays in the units of the "
                         f"window it started from: use p0 of window {run}·{length}, for every "
                         "step of the run, not the p0 of the window at that step."))
    if run < len(p0) and run != start:
        mistakes.append((p0[run] * (n + 1), f"run {run} does not start at window {run}: runs "
                         f"start every {length} windows, at window run·{length}."))
    mistakes += [
        (p0[start] * n, "the windows hold p/p0 − 1, so p = p0 · (n + 1): you left out the + 1."),
        (n + 1, "n + 1 is the ratio p/p0: multiply by the start window's p0."),
        (p0[start] * (n - 1), "undo p/p0 − 1 with p = p0 · (n + 1), not (n − 1)."),
        (p0[start] / (n + 1), "multiply by (n + 1), don't divide."),
    ]
    for value, hint in mistakes:
        if _close(a, value, 1e-9, rtol):
            return _wrong(id, hint)
    return _wrong(id, "invert n = p/p0 − 1 with the p0 of the window the run started from "
                      "(windows.p0_test[run · prediction_len]).")


def lag_correlations(predicted: Any, true: Any, max_lag: int = 10) -> np.ndarray:
    """Correlation of the forecast's moves with the truth's moves L steps earlier.

    For L = 0..max_lag, the Pearson r between ``Δpredicted[t]`` and ``Δtrue[t − L]``, where
    ``Δv[t] = v[t] − v[t − 1]``. Moves, not levels: a constant bias of the forecast does not
    matter. A forecast that repeats the last value it saw has r = 1 at L = 1: its move today
    is the market's move yesterday.

    Example
    -------
    >>> import numpy as np
    >>> true = np.random.default_rng(0).normal(size=200).cumsum()
    >>> persistence = np.r_[true[0], true[:-1]]          # predicted[t] = true[t - 1]
    >>> int(np.argmax(lag_correlations(persistence, true, 5)))
    1
    """
    p = np.asarray(predicted, dtype=np.float64).reshape(-1)
    t = np.asarray(true, dtype=np.float64).reshape(-1)
    if p.shape != t.shape:
        raise DataError(f"predicted and true must have the same length; got {p.shape}, "
                        f"{t.shape}.")
    if not isinstance(max_lag, (int, np.integer)) or not 0 <= max_lag < len(p) - 3:
        raise DataError(f"max_lag must be a whole number from 0 to {len(p) - 4}; got {max_lag}.")
    dp, dt = np.diff(p), np.diff(t)
    return np.array(
        [float(_corr(dp[lag:, None], dt[: len(dt) - lag])[0]) for lag in range(max_lag + 1)]
    )


@_register(
    "03.lag",
    "Does the forecast lag?",
    "At which lag L (0..max_lag) do the forecast's day-to-day moves correlate best with the "
    "truth's moves L days earlier, corr(Δpredicted[t], Δtrue[t − L])?",
    ("predicted", "true"),
)
def _solve_lag(*, predicted: Any, true: Any, max_lag: int = 10) -> int:
    return int(np.argmax(lag_correlations(predicted, true, max_lag)))


@_judge("03.lag")
def _judge_lag(answer: Any, right: int, *, predicted: Any, true: Any,
               max_lag: int = 10, tie: float = 0.01) -> Result:
    id = "03.lag"
    r = lag_correlations(predicted, true, max_lag)
    if isinstance(answer, (int, np.integer)) and not isinstance(answer, bool) and answer < 0:
        return _wrong(id, "a negative lag would mean the forecast moves before the market: "
                          "compare Δpredicted[t] with Δtrue[t − L] for L ≥ 0.")
    a, bad = _int_answer(id, answer, max_lag + 1, "lag")
    if bad is not None:
        return bad
    if a == right or r[a] >= r[right] - tie:
        return _ok(id, f"at lag {a} the moves correlate with r = {r[a]:.3f}, against "
                       f"{r[0]:.3f} at lag 0: the forecast's moves echo the market's moves "
                       f"of {a} day(s) before, rather than anticipating today's.")
    if a == 0:
        return _wrong(id, f"at lag 0 (today's forecast move against today's market move) "
                          f"r = {r[0]:.3f}. Shift the truth: compare Δpredicted[L:] with "
                          "Δtrue[:-L] for several L.")
    return _wrong(id, f"at lag {a}, r = {r[a]:.3f}; another lag correlates better. Compute r "
                      "for every L from 0 to max_lag (np.diff gives the moves).")


@_register(
    "03.saturation",
    "How often is a gate saturated?",
    "Over all windows, timesteps and units of a layer, what fraction of a gate's values are "
    "right-saturated (> high, nearly open) or left-saturated (< low, nearly closed)? Answer "
    "as a fraction between 0 and 1.",
    ("trace",),
)
def _solve_saturation(*, trace: Any, layer: str | None = None, gate: str = "forget",
                      side: str = "right", low: float = 0.1, high: float = 0.9) -> float:
    lt = _layer(trace, layer)
    if side not in ("left", "right"):
        raise DataError(f"side must be 'left' (< low) or 'right' (> high), not {side!r}.")
    values = np.asarray(getattr(lt, gate), dtype=np.float64)
    mask = getattr(lt, "mask", None)
    flat = values if mask is None else values[np.asarray(mask, dtype=bool)]
    return float(np.mean(flat > high) if side == "right" else np.mean(flat < low))


@_judge("03.saturation")
def _judge_saturation(answer: Any, right: float, *, trace: Any, layer: str | None = None,
                      gate: str = "forget", side: str = "right", low: float = 0.1,
                      high: float = 0.9, atol: float = 1e-3) -> Result:
    id = "03.saturation"
    a = _number(answer)
    if a is None or a.size != 1:
        return _wrong(id, "answer with one fraction between 0 and 1.")
    word = f"right-saturated (> {high:g})" if side == "right" else f"left-saturated (< {low:g})"
    if _close(a, right, atol):
        return _ok(id, f"{right:.1%} of the {gate} gate's values are {word}.")
    other = _solve_saturation(trace=trace, layer=layer, gate=gate,
                              side="left" if side == "right" else "right", low=low, high=high)
    if right > 0 and _close(a, 100 * right, 100 * atol):
        return _wrong(id, "that looks like a percentage: answer as a fraction between 0 and 1.")
    if _close(a, other, atol) and abs(other - right) > atol:
        return _wrong(id, f"that is the other side: the question asks for {word}.")
    if _close(a, 1 - right, atol):
        return _wrong(id, f"that is the share that is *not* {word}.")
    return _wrong(id, f"count the values that are {word} over every window, timestep and unit "
                      "of the layer, and divide by how many values there are (np.mean of a "
                      "boolean array does both).")




# -- 03, conceptual: the lag from the forget gate; a forget bias that remembers -------------
def _tau(trace: Any, layer: str | None) -> tuple[float, float]:
    """(mean forget gate, time constant 1 / (1 - mean f)) of a layer of ``trace``."""
    from lstm_explained.gradients import time_constant

    lt = _layer(trace, layer)
    tau = time_constant(lt, per_unit=False)
    return 1.0 - 1.0 / tau, tau


@_register(
    "03.lag_from_forget",
    "Predict the echo from the forget gate",
    "The belt is a leaky average: C_t = f·C_{t−1} + i·C̃_t keeps a fraction f of itself every "
    "day. From the mean forget gate f̄ of the layer alone, predict how many days late the "
    "point-by-point forecast's moves echo the market's.",
    ("trace", "predicted", "true"),
    kind=CONCEPT,
)
def _solve_lag_from_forget(*, trace: Any, predicted: Any, true: Any, layer: str | None = None,
                           max_lag: int = 10) -> int:
    return int(round(_tau(trace, layer)[1]))


@_judge("03.lag_from_forget")
def _judge_lag_from_forget(answer: Any, right: int, *, trace: Any, predicted: Any, true: Any,
                           layer: str | None = None, max_lag: int = 10) -> Result:
    id = "03.lag_from_forget"
    f, tau = _tau(trace, layer)
    measured = _solve_lag(predicted=predicted, true=true, max_lag=max_lag)
    a = _number(answer)
    if a is None or a.size != 1 or not np.isfinite(a):
        return _wrong(id, "answer with one number of days.")
    days = float(a.reshape(()))
    link = (f"f̄ = {f:.3f}, so the belt's memory lasts about 1/(1 − f̄) = {tau:.1f} days, and "
            f"the forecast's moves echo the market's best {measured} day(s) later (03.lag).")
    if abs(days - tau) <= 0.5 or abs(days - measured) <= 1:
        if abs(measured - tau) <= 1.5:
            return _ok(id, link + " The echo comes within the belt's memory: a leaky average "
                                  "of the past is a forecast that lags, and this lag was set "
                                  "by the forget gate, not learnt from the market.")
        return _ok(id, link + " τ is what a leaky average predicts; this model's measured "
                              "lag is further from it: its echo is more than a leaky "
                              "average's.")
    if days < 0:
        return _wrong(id, "a negative lag would mean the forecast moves before the market.")
    if abs(days - 1) < 0.5 or abs(days - 1 / f) <= 0.1:
        return _wrong(id, "one day is persistence's echo (a forecast that repeats the last "
                          f"close). The belt keeps f̄ = {f:.3f} of itself each day: a move "
                          "fades as f̄^d, and lasts about 1/(1 − f̄) days, not 1/f̄.")
    if days < 0.5:
        return _wrong(id, "a lag of 0 would be a forecast that moves with the market the same "
                          f"day. A belt that keeps f̄ = {f:.3f} of itself each day remembers "
                          "a move for several days.")
    if days >= 20:
        return _wrong(id, f"the window is long, but the belt does not hold all of it: after d "
                          f"days f̄^d is left of a move (f̄^20 = {f ** 20:.1e}). Its memory "
                          "is about 1/(1 − f̄) days.")
    return _wrong(id, f"with f̄ = {f:.3f}, a move written d days ago is worth f̄^d now "
                      f"(f̄^{int(round(days))} = {f ** int(round(days)):.3f}): how long does "
                      "such a memory last? The time constant of a leaky average is 1/(1 − f̄).")


def _sigmoid(b: float) -> float:
    return float(get_activation("sigmoid")(b))


@_register(
    "03.forget_bias",
    "A forget bias that remembers",
    "Design: with the forget gate's other inputs near 0 (as the S&P model's small inputs "
    "leave them), which forget bias b keeps a fraction `keep` of the belt for `steps` steps? "
    "The gate is f = σ(b).",
    ("keep", "steps"),
    kind=CONCEPT,
)
def _solve_forget_bias(*, keep: float, steps: int, model_bias: float | None = None) -> float:
    if not 0 < keep < 1 or int(steps) < 1:
        raise DataError(f"keep must lie between 0 and 1 and steps be >= 1; got {keep}, {steps}.")
    return _logit(keep ** (1.0 / int(steps)))


@_judge("03.forget_bias")
def _judge_forget_bias(answer: Any, right: float, *, keep: float, steps: int,
                       model_bias: float | None = None, atol: float = 0.1) -> Result:
    id = "03.forget_bias"
    a = _number(answer)
    if a is None or a.size != 1 or not np.isfinite(a):
        return _wrong(id, "answer with one number, the forget gate's bias b.")
    b = float(a.reshape(()))
    f = keep ** (1.0 / int(steps))
    model = ""
    if model_bias is not None:
        fm = _sigmoid(float(model_bias))
        model = (f" The S&P model's forget biases average {float(model_bias):.2f}: f = "
                 f"{fm:.3f}, which keeps {fm ** int(steps):.1e} of the belt after {steps} "
                 "steps.")
    if _close(a, right, atol):
        return _ok(id, f"f^{steps} = {keep:g} needs f = {keep:g}^(1/{steps}) = {f:.4f}, and "
                       f"σ(b) = f gives b = ln(f/(1 − f)) = {right:.2f}." + model)
    if _close(a, f, 1e-3):
        return _wrong(id, f"{f:.4f} is the forget gate's value f; the question asks for the "
                          "bias b with σ(b) = f: b = ln(f/(1 − f)).")
    if _close(a, _logit(keep), 1e-2):
        return _wrong(id, f"σ(b) = {keep:g} keeps {keep:g} for one step; after {steps} steps "
                          f"{keep ** int(steps):.3f} is left. Solve f^{steps} = {keep:g} first.")
    if _close(a, 1.0, 1e-6):
        return _wrong(id, f"b = 1 is where Keras starts a forget gate (unit_forget_bias): f = "
                          f"σ(1) = {_sigmoid(1.0):.3f} keeps {_sigmoid(1.0) ** int(steps):.1e} "
                          f"after {steps} steps.")
    fb = _sigmoid(b)
    return _wrong(id, f"with b = {b:g}, f = σ(b) = {fb:.4f} and f^{steps} = "
                      f"{fb ** int(steps):.3f} of the belt survives; you want {keep:g}.")
