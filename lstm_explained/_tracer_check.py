"""The tracer's self-check: does the numpy recompute reproduce what Keras computes?

What it measures
----------------
On the checked windows (``check_samples`` of them, evenly spread over ``x``; every one
with None) it compares, for every traced direction of every layer,

* every state at **every** step t, every unit (an LSTM's hidden state h_t and cell
  state C_t, a GRU's h_t), with what Keras' own cell (``LSTMCell``, ``GRUCell``) computes
  with the layer's weights on the input Keras feeds the layer. A Keras LSTM returns C
  only at its last step, so a checking copy of the layer runs a subclass of ``LSTMCell``
  whose output is ``[h_t, C_t]``: Keras' arithmetic, C at every step; a GRU's state is
  its output (:mod:`lstm_explained._tracer_copies`);
* the layer's own outputs in the model: its sequence (or last output), its final states
  (``return_state``) and the ``Bidirectional`` merge;
* the mask: the one the recompute applied against the one Keras attaches;

each element relative to its Keras value, ``|ours - keras| / max(1, |keras|)``: an
absolute error for values within [-1, 1], a relative one beyond. The largest of these
is recorded on each layer trace as ``max_rel_error`` (:data:`ERROR_FIELD`); the check
passes when it is at most ``tolerance`` (1e-5 by default). A non-finite value (overflow)
on either side fails it.

When it fails, the error names the worst value (h or C, window, step, unit) and its
cause, found with Keras itself as the oracle: a float64 copy of the layer runs on the same
windows. If the float64 recompute agrees with it within ``tolerance``, the recompute is
Keras' arithmetic and the difference is float32 rounding drift (a recurrence that
amplifies rounding errors, long sequences), not a wrong trace: the message says so and
gives the ``dtype="float64"`` and ``tolerance`` that accept it; if not, the layer does
something the recompute does not reproduce.

Example
-------
>>> import numpy as np
>>> rel_error(np.array([0.5, 200.0]), np.array([0.5001, 200.02]))[0] < 2e-4
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lstm_explained._tracer_copies import keras_float64, split_states
from lstm_explained.errors import ModelError, TraceMismatchError
from lstm_explained.trace import LayerTrace

#: A layer's weights container (an LSTM's LSTMWeights, a GRU's GRUWeights).
Weights = Any

#: The LayerTrace field that records the check's largest error.
ERROR_FIELD = "max_rel_error"


# ----------------------------------------------------------------------------------
# Comparing
# ----------------------------------------------------------------------------------
def _give_weights(copy: Any, w: Weights) -> None:
    """The layer's weights (as the recompute read them) into its checking copy; skipped
    when the copy holds them already (Keras' set_weights costs milliseconds)."""
    arrays = [w.kernel, w.recurrent_kernel] + ([] if w.bias is None else [w.bias])
    held = getattr(copy, "_lx_weights", None)
    if held is not None and all(np.array_equal(a, b) for a, b in zip(arrays, held, strict=True)):
        return
    copy.set_weights(arrays)
    copy._lx_weights = [a.copy() for a in arrays]


def rel_error(ours: Any, theirs: Any) -> tuple[float, tuple[int, ...]]:
    """Largest ``|ours - theirs| / max(1, |theirs|)`` and the index where it is.

    Computed in the wider of the two float types (float64 for ints). A NaN or infinite
    value on either side counts as an infinite error.
    """
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    dtype = np.result_type(ours.dtype, theirs.dtype, np.float32)
    ours, theirs = ours.astype(dtype, copy=False), theirs.astype(dtype, copy=False)
    if ours.shape != theirs.shape:
        return math.inf, ()
    if theirs.size == 0:
        return 0.0, ()
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.subtract(ours, theirs)
        np.abs(err, out=err)
        scale = np.abs(theirs)
        np.maximum(scale, 1.0, out=scale)
        err /= scale
    # argmax stops at the first NaN, so a non-finite value anywhere is found here
    where = np.unravel_index(int(np.argmax(err)), err.shape)
    worst = float(err[where])
    return (worst if math.isfinite(worst) else math.inf), tuple(int(i) for i in where)


def decode_mask(m: np.ndarray) -> np.ndarray | None:
    """The mask probe's output (-1 everywhere: no mask) as booleans or None."""
    if m.size and (m < 0).all():
        return None
    return m > 0.5


def checked_windows(n: int, check_samples: int | None) -> np.ndarray:
    """``check_samples`` window indices evenly spread over ``n`` (all with None)."""
    if check_samples is None or check_samples >= n:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, check_samples).round().astype(int))


def expected_outputs(
    t: Any, traces: list[LayerTrace], idx: np.ndarray, hidden: list[np.ndarray]
) -> list[np.ndarray]:
    """What the Keras layer (``t.layer``) should output on windows ``idx``, from the
    recompute: its sequence or last output, the Bidirectional merge, its final states.
    ``hidden``: each direction's ``hidden[idx]``, as the check gathered it."""
    layer = t.layer
    seqs, states = [], []
    for role, ((_, sub), lt) in enumerate(zip(t.directions, traces, strict=True)):
        if layer.return_sequences:
            y = hidden[role]
            if sub.zero_output_for_mask and lt.mask is not None:
                y = np.where(lt.mask[idx][..., None], y, 0.0)
            if role == 1:  # Bidirectional flips its backward_layer's sequence, however it ran
                y = y[:, ::-1]
        else:
            y = lt.hidden[idx, -1]
        seqs.append(y)
        # Keras' order: the output first (an LSTM's h, then C; a GRU's h)
        states.extend(getattr(lt, s)[idx, -1] for s in lt.spec.keras_states)
    out = [seqs[0]] if not t.bidirectional else _merge(layer.merge_mode, *seqs)
    if layer.return_state:
        out.extend(states)
    return out


def _merge(mode: str | None, y: np.ndarray, y_rev: np.ndarray) -> list[np.ndarray]:
    if mode == "concat":
        return [np.concatenate([y, y_rev], axis=-1)]
    if mode == "sum":
        return [y + y_rev]
    if mode == "ave":
        return [(y + y_rev) / 2]
    if mode == "mul":
        return [y * y_rev]
    return [y, y_rev]


# ----------------------------------------------------------------------------------
# The check
# ----------------------------------------------------------------------------------
def keras_side(
    model: Any, plan: Any, xs: list[np.ndarray], weights: list[list[Weights]],
    check_samples: int | None,
) -> tuple[np.ndarray, tuple]:
    """What Keras computes on the checked windows, ``(idx, outputs)``, for :func:`self_check`
    (it needs nothing from the recompute: the tracer runs it while the engine runs)."""
    idx = checked_windows(xs[0].shape[0], check_samples)
    for copies, layer_weights in zip(plan.copies, weights, strict=True):
        for copy, w in zip(copies, layer_weights, strict=True):
            _give_weights(copy, w)
    try:
        return idx, plan.check_fn([x[idx] for x in xs])
    except Exception as exc:  # noqa: BLE001 - report Keras' failure as ours
        raise ModelError(
            f"model {model.name!r} could not be run on x for the self-check "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})."
        ) from None


def self_check(
    plan: Any,
    keras_out: tuple[np.ndarray, tuple],
    results: list[list[LayerTrace]],
    weights: list[list[Weights]],
    tolerance: float,
) -> int:
    """Compare every layer trace with what Keras computed (:func:`keras_side`), as the
    module docstring says; record it on each LayerTrace, raise on a mismatch. Returns the
    number of windows checked."""
    idx, (_ins, k_masks, k_own, k_seqs) = keras_out
    own_pos = seq_pos = 0
    for i, (t, traces) in enumerate(zip(plan.targets, results, strict=True)):
        own = k_own[own_pos : own_pos + plan.n_own[i]]
        own_pos += plan.n_own[i]
        seqs = k_seqs[seq_pos : seq_pos + len(traces)]
        seq_pos += len(traces)
        _check_target(t, traces, weights[i], idx, (own, decode_mask(k_masks[i]), seqs),
                      tolerance)
    return int(idx.size)


def _check_target(
    t: Any, traces: list[LayerTrace], weights: list[Weights], idx: np.ndarray,
    keras_out: tuple, tolerance: float,
) -> None:
    """Check the directions of one layer against Keras' (own outputs, mask, every state
    at every step of each direction); record, and raise on the first mismatch."""
    own, keras_mask, seqs = keras_out
    k_states = [split_states(seq, lt) for seq, lt in zip(seqs, traces, strict=True)]
    # the checked windows' states, gathered once from the time-major arrays
    ours = [{s: getattr(lt, s)[idx] for s in k} for lt, k in zip(traces, k_states, strict=True)]
    expected = expected_outputs(t, traces, idx, [o[lt.spec.output] for o, lt in
                                                 zip(ours, traces, strict=True)])
    if len(expected) != len(own):
        own_err = (f"the outputs of layer {t.layer.name!r}", (math.inf, ()))
    else:
        own_err = _worst(
            (f"output {j} of layer {t.layer.name!r}", rel_error(e, o))
            for j, (e, o) in enumerate(zip(expected, own, strict=True))
        )
    for (key, sub), lt, w, keras_st, our_st in zip(t.directions, traces, weights, k_states,
                                                    ours, strict=True):
        _check_mask(key, lt, idx, keras_mask, tolerance)
        errors = [(_label(lt, s), rel_error(our_st[s], k)) for s, k in keras_st.items()]
        if not math.isfinite(_worst(errors)[1][0]):  # a NaN or inf on either side
            _check_finite(key, lt, idx, keras_st, our_st, tolerance)
        what, (err, where) = _worst([own_err, *errors])
        _record(lt, err, idx.size, tolerance)
        if not lt.checked:
            raise TraceMismatchError(
                f"the numpy recompute of {key!r} differs from Keras by {err:.3g} "
                f"(tolerance {tolerance:g}), in {_where(what, where, idx)}; measured as "
                f"|ours - keras| / max(1, |keras|) over {_labels(lt)} at every step and the "
                f"layer's outputs, on {idx.size} checked windows. "
                + _cause(lt, idx, sub, w, keras_st, tolerance)
            )


def _label(lt: LayerTrace, state: str) -> str:
    """A state's short name in messages: ``"h"``, ``"C"``."""
    return lt.spec[state].text.removesuffix("_t")


def _labels(lt: LayerTrace) -> str:
    return " and ".join(_label(lt, s) for s in lt.spec.keras_states)


def _worst(items: Any) -> tuple[str, tuple[float, tuple[int, ...]]]:
    """The (label, (error, index)) with the largest error."""
    return max(items, key=lambda item: item[1][0], default=("", (0.0, ())))


def _record(lt: LayerTrace, err: float, n: int, tolerance: float) -> None:
    setattr(lt, ERROR_FIELD, float(err))
    lt.checked_samples = int(n)
    lt.tolerance = float(tolerance)
    lt.checked = bool(err <= tolerance)


def _where(what: str, where: tuple[int, ...], idx: np.ndarray) -> str:
    """``"C at window 5, step 12, unit 3"`` (window numbers as in ``x``)."""
    if not where:
        return what
    parts = [f"window {int(idx[where[0]])}"]
    if len(where) == 3:
        parts.append(f"step {where[1]}")
    parts.append(f"unit {where[-1]}")
    return f"{what} at {', '.join(parts)}"


def _check_mask(
    key: str, lt: LayerTrace, idx: np.ndarray, keras_mask: Any, tolerance: float
) -> None:
    ours = None if lt.mask is None else lt.in_input_order("mask")[idx]
    if (ours is None) != (keras_mask is None) or (
        ours is not None and not np.array_equal(ours, keras_mask)
    ):
        _record(lt, math.inf, idx.size, tolerance)
        raise TraceMismatchError(
            f"the mask the recompute of {key!r} applied differs from the one Keras attaches "
            f"to the layer's input (ours: {_mask_text(ours)}, Keras: {_mask_text(keras_mask)}). "
            "The model may mask in a way lstm-explained does not reproduce; please report it, "
            "or pass check=False to get the trace anyway."
        )


def _mask_text(mask: np.ndarray | None) -> str:
    return "none" if mask is None else f"{int((~mask).sum())} masked steps"


def _check_finite(
    key: str, lt: LayerTrace, idx: np.ndarray, keras_states: dict, ours: dict,
    tolerance: float,
) -> None:
    for who, arrays in (("Keras", keras_states), ("the recompute", ours)):
        for state, arr in arrays.items():
            name = _label(lt, state)
            bad = ~np.isfinite(arr)
            if bad.any():
                w, step, _unit = np.argwhere(bad)[0]
                _record(lt, math.inf, idx.size, tolerance)
                raise TraceMismatchError(
                    f"the states of {key!r} are not finite: {who}'s {name} is inf or NaN "
                    f"from window {int(idx[w])}, step {int(step)} on. The layer overflows "
                    f"{arr.dtype} (an unbounded activation, very large weights or inputs), "
                    "so there is nothing to verify. Scale the inputs or fix the model; "
                    "pass check=False to get the trace anyway."
                )


def _cause(
    lt: LayerTrace,
    idx: np.ndarray,
    sub: Any,
    w: Weights,
    keras_states: dict[str, np.ndarray],
    tolerance: float,
) -> str:
    """Why the check failed: float32 rounding drift, or something not reproduced.

    The oracle is Keras itself in float64: a float64 copy of the layer, run on the same
    windows. If the float64 recompute agrees with it, the recompute is Keras' arithmetic
    and the difference is float32 rounding, amplified by the recurrence; if not, the layer
    does something the recompute does not reproduce.
    """
    ours64 = lt if lt.hidden.dtype == np.float64 else None
    if ours64 is None:
        run = lt.spec.run(lt.inputs[idx], w, mask=None if lt.mask is None else lt.mask[idx],
                          dtype=np.float64)
    else:
        run = {s: getattr(lt, s)[idx] for s in keras_states}
    theirs64 = keras_float64(sub, lt, idx)
    arithmetic = max(rel_error(run[s], theirs64[s])[0] for s in keras_states)
    if not arithmetic <= tolerance:
        return (
            f"This is not rounding: recomputed in float64, the values still differ by "
            f"{arithmetic:.2g} from Keras' own float64 arithmetic, so the layer may use an "
            "option lstm-explained does not reproduce. Please report it, or pass check=False "
            "to get the trace anyway."
        )
    keras_drift = max(rel_error(theirs64[s], k)[0] for s, k in keras_states.items())
    accept = f"tolerance={_round_up(max(keras_drift, tolerance))}"
    if ours64 is None:
        return (
            "This is float32 rounding drift, not a wrong trace: recomputed in float64, the "
            f"values agree with Keras' own float64 arithmetic (within {arithmetic:.2g}), while "
            f"Keras' float32 values drift from it by {keras_drift:.2g}. The layer's recurrence "
            "amplifies rounding errors. Pass dtype=\"float64\" for the gates of the exact "
            f"arithmetic, with {accept} (how far Keras' float32 values are from them), or "
            "check=False."
        )
    return (
        "This is Keras' float32 rounding drift, not a wrong trace: this float64 trace agrees "
        f"with Keras' own float64 arithmetic (within {arithmetic:.2g}), while Keras' float32 "
        f"values drift from it by {keras_drift:.2g}: the layer's recurrence amplifies "
        f"rounding errors. Pass {accept} to accept that, or check=False."
    )


def _round_up(value: float) -> str:
    """``value`` rounded up to one significant digit, e.g. 0.00043 -> '0.0005'."""
    if value <= 0:
        return "0"
    exponent = math.floor(math.log10(value))
    digit = math.ceil(value / 10**exponent - 1e-9)
    if digit >= 10:
        digit, exponent = 1, exponent + 1
    return f"{digit * 10.0**exponent:.{max(0, -exponent)}f}"
