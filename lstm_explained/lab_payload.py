"""The gate lab in the browser: the exact numbers it reruns from, and its clamps read back.

The inspector's payload (:mod:`lstm_explained.inspector_data`) holds values at the
precision they print, too coarse to rerun a model from. :func:`lab_payload` adds what the
browser's lab (``lstm_explained/front/lab.js``) needs to rerun the model of a trace for
one sample with chosen gates set or scaled: every weight of the :class:`~lstm_explained.lab.Stack`
and the exported samples' inputs, exact (base64, little-endian float32, or float64 where a
value is not a float32), the Keras names of the activations, and how to show the output
in the trace's units. A model over :data:`MAX_LAB_PARAMETERS` is left out, and the entry
says why (the page shows it). :func:`clamps_from_json` turns the page's clamps (the
JSON form of :meth:`lstm_explained.lab.Clamp.describe`) back into :class:`Clamp` objects.

The lab takes the model as a numpy :class:`~lstm_explained.lab.Stack`, never a Keras
model: nothing here imports TensorFlow.

Example
-------
>>> stack, trace = toy_lab()                 # or Stack.from_model(model) and its trace
>>> lab = trace_lab(stack, trace, samples=[0, 2])
>>> lab["parameters"], lab["inputs"]["shape"], lab["layers"][0]["activation"]
(462, [2, 16, 2], 'tanh')
>>> clamps = clamps_from_json(stack, [{"gate": "forget", "mode": "set", "value": 1,
...                                    "layer": 0, "units": [2], "steps": None}], 16)
>>> clamps[0].describe()["units"]
[2]
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from lstm_explained.errors import DataError
from lstm_explained.kinds import LSTM
from lstm_explained.lab import Clamp, Stack, make_clamps, scale
from lstm_explained.labels import display_text

#: Largest model (parameters) whose weights an inspector embeds for the gate lab.
MAX_LAB_PARAMETERS = 250_000


def _array(values: Any) -> dict[str, Any]:
    """An array as {dtype, shape, b64}: float32 when that is exact, else float64."""
    a = np.asarray(values, dtype=np.float64)
    small = a.astype(np.float32)
    exact = bool(np.array_equal(small.astype(np.float64), a, equal_nan=True))
    out = small if exact else a
    raw = np.ascontiguousarray(out).astype(out.dtype.newbyteorder("<")).tobytes()
    return {"dtype": out.dtype.name, "shape": list(a.shape),
            "b64": base64.b64encode(raw).decode("ascii")}


def n_parameters(stack: Stack) -> int:
    """How many numbers the stack's weights hold (LSTM layers and head).

    Example
    -------
    >>> from lstm_explained.engine import LSTMWeights
    >>> from lstm_explained.forecast import _Dense
    >>> from lstm_explained.lab import StackLayer
    >>> w = LSTMWeights.random(features=2, units=4, seed=0)
    >>> n_parameters(Stack([StackLayer("a", w)], _Dense(np.ones((4, 1)), np.ones(1), "linear")))
    117
    """
    total = 0
    for layer in stack.layers:
        w = layer.weights
        total += w.kernel.size + w.recurrent_kernel.size + (0 if w.bias is None else w.bias.size)
    head = stack.head
    return int(total + head.kernel.size + (0 if head.bias is None else head.bias.size))


def lab_payload(
    stack: Stack, inputs: Any, *, output_units: str = "model output",
    output_scale: Any = None, output_shift: Any = None,
    max_parameters: int = MAX_LAB_PARAMETERS,
) -> dict[str, Any]:
    """The ``"lab"`` entry of an inspector's payload: the stack and the samples' inputs.

    Parameters
    ----------
    stack : lstm_explained.lab.Stack
        The model as numpy (``Stack.from_model(model)``).
    inputs : ndarray
        (N, T, features) the exported samples' inputs to the first LSTM layer, exact.
    output_units : str
        What the output is shown in (e.g. ``"price"``).
    output_scale, output_shift : ndarray, optional
        (N,) per sample: the output is shown as ``scale * y + shift`` (1 and 0 by default).
    max_parameters : int
        Above this many parameters the weights are left out: the entry is
        ``{"omitted": reason}``.

    Returns
    -------
    dict
        JSON-ready: ``layers`` (name, sizes, activations, weights), ``head``, ``inputs``,
        the kind's ``blocks`` (Keras order), ``squashed`` (blocks under ``activation``),
        ``belt``, ``hidden``, ``output`` and ``parameters``.

    Raises
    ------
    DataError
        ``inputs`` of the wrong shape for the stack.
    """
    x = np.asarray(inputs)
    first = stack.layers[0].weights
    if x.ndim != 3 or x.shape[2] != first.kernel.shape[0]:
        raise DataError(f"the lab's inputs must be (samples, steps, {first.kernel.shape[0]}), "
                        f"not {x.shape}.")
    count = n_parameters(stack)
    if count > max_parameters:
        return {"omitted": f"the model has {count:,} parameters, more than the "
                           f"{max_parameters:,} an inspector embeds for the gate lab",
                "parameters": count}
    n = x.shape[0]
    factor = np.ones(n) if output_scale is None else np.asarray(output_scale, np.float64)
    shift = np.zeros(n) if output_shift is None else np.asarray(output_shift, np.float64)
    layers = []
    for layer in stack.layers:
        w = layer.weights
        layers.append({
            "name": display_text(layer.name), "features": int(w.kernel.shape[0]),
            "units": int(w.units), "activation": w.activation,
            "recurrentActivation": w.recurrent_activation, "kernel": _array(w.kernel),
            "recurrentKernel": _array(w.recurrent_kernel),
            "bias": None if w.bias is None else _array(w.bias),
        })
    head = stack.head
    return {
        "parameters": count,
        "layers": layers,
        "head": {"kernel": _array(head.kernel), "outputs": int(head.kernel.shape[1]),
                 "bias": None if head.bias is None else _array(head.bias),
                 "activation": head.activation},
        "inputs": _array(x),
        "blocks": list(LSTM.keras_blocks),
        "squashed": [q.name for q in LSTM.quantities if q.kind == "candidate"],
        "belt": LSTM.belt,
        "hidden": LSTM.output,
        "output": {"units": display_text(output_units), "scale": factor.tolist(),
                   "shift": shift.tolist()},
    }


def check_stack(stack: Any) -> Stack:
    """``stack`` if it is a :class:`~lstm_explained.lab.Stack`, else a clear error (called
    before an inspector is built, so a wrong ``lab=`` costs nothing).

    Example
    -------
    >>> check_stack("model")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    lstm_explained.errors.DataError: lab= takes an lstm_explained.lab.Stack ..., not str.
    """
    if not isinstance(stack, Stack):
        raise DataError(f"lab= takes an lstm_explained.lab.Stack (Stack.from_model(model)), "
                        f"not {type(stack).__name__}.")
    return stack


def trace_lab(stack: Stack, trace: Any, samples: list[int], *,
              max_parameters: int = MAX_LAB_PARAMETERS, tolerance: float = 1e-4) -> dict[str, Any]:
    """:func:`lab_payload` for the ``samples`` of ``trace``, a trace of the stack's model:
    the inputs are the first LSTM layer's (exact), the output is shown in the units the
    inspector shows the forecast in (prices where the trace has them). For a forecast trace
    the entry also says whether the page reruns the whole fed-back forecast
    (``"forecast"``: :func:`fed_back_forecast`).

    Raises
    ------
    DataError
        The trace is a clamped run (``info["counterfactual"]``), lacks the stack's first
        layer, or is not of this model: a replay of
        (up to 8 of) its samples differs from its hidden states by more than
        ``tolerance`` relative to ``max(1, |value|)``.
    """
    from lstm_explained.viewmodel import forecast_info
    from lstm_explained.windows import denormalise

    check_stack(stack)
    if getattr(trace, "info", {}).get("counterfactual"):
        raise DataError("this trace is already a counterfactual (a clamped run); the gate lab "
                        "reruns the model as it is: give it the unclamped trace.")
    names = list(trace.layer_names)
    first = stack.layers[0].name
    if first not in names:
        raise DataError(f"the lab's model starts with layer {first!r}, which this trace does "
                        f"not hold ({names}); trace every layer of the model.")
    x = np.asarray(trace[first].in_input_order("inputs"), np.float32)[samples]
    check = x[:8]
    _, runs = stack.run(check)
    for layer, (_, arrays) in zip(stack.layers, runs, strict=True):
        if layer.name not in names:
            continue
        got = np.asarray(trace[layer.name].in_input_order("hidden"), np.float64)[samples[:8]]
        want = arrays[LSTM.output]
        if got.shape != want.shape or np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want)),
                                             initial=0.0) > tolerance:
            raise DataError(f"the lab's model is not this trace's: a replay of layer "
                            f"{layer.name!r} differs from the trace's hidden states.")
    n = len(samples)
    units, factor, shift = "model output", np.ones(n), np.zeros(n)
    info = forecast_info(trace)
    if info:
        units = str(info.get("value_units") or "value")
        if "window_price" in trace.extras and "p0" in trace.extras:
            p0 = np.asarray(trace.extras["p0"], np.float64)[samples]
            units, shift = "price", denormalise(0.0, p0)
            factor = denormalise(1.0, p0) - shift
    out = lab_payload(stack, x, output_units=units, output_scale=factor, output_shift=shift,
                      max_parameters=max_parameters)
    if info and "omitted" not in out:
        out["forecast"] = fed_back_forecast(trace, samples)
    return out


def fed_back_forecast(trace: Any, samples: list[int]) -> dict[str, Any]:
    """How the lab reruns the exported ``samples`` of the forecast trace ``trace``:
    ``{"fedBack": True, "mode", "steps"}`` when they are a fed-back forecast (mode
    "multi" or "full", one input feature) from its first step on, every step in order, so
    the page can rerun the whole forecast with the clamp, feeding the clamped model's
    predictions back as :func:`lstm_explained.trace_forecast` does with ``clamp=``; else
    ``{"fedBack": False, "mode", "why"}`` (each window is rerun as it was traced).

    Example
    -------
    >>> from lstm_explained.trace import Trace
    >>> tr = Trace([], info={"forecast": {"mode": "multi"}},
    ...            extras={"forecast_step": np.array([0, 10, 20])})
    >>> fed_back_forecast(tr, [0, 1, 2])["why"]
    'the exported forecast steps (0, 10, 20) are not every step from the first one'
    """
    from lstm_explained.viewmodel import forecast_info

    mode = str((forecast_info(trace) or {}).get("mode"))
    if mode not in ("multi", "full"):
        return {"fedBack": False, "mode": mode,
                "why": "a point-by-point forecast feeds nothing back: every window is true values"}
    steps = np.asarray(trace.extras.get("forecast_step", []), np.int64)
    if steps.ndim != 1 or not samples or len(steps) <= max(samples):
        return {"fedBack": False, "mode": mode,
                "why": "the trace does not say which forecast step each sample is"}
    chosen = steps[samples]
    if not np.array_equal(chosen, np.arange(len(samples))):
        shown = ", ".join(str(int(k)) for k in chosen[:5]) + (", ..." if len(chosen) > 5 else "")
        return {"fedBack": False, "mode": mode,
                "why": f"the exported forecast steps ({shown}) are not every step from the "
                       "first one"}
    return {"fedBack": True, "mode": mode, "steps": len(samples)}


def toy_lab(head: str = "linear", seed: int = 3) -> tuple[Stack, Any]:
    """A small model as a :class:`~lstm_explained.lab.Stack` (two LSTM layers of 6 and 5
    units on 2 features, float32 weights, a dense head with activation ``head``) and its
    own trace of 3 samples x 16 steps: a gate lab to try and test with no TensorFlow.

    Example
    -------
    >>> stack, trace = toy_lab()
    >>> [layer.name for layer in stack.layers], trace.n_samples
    (['lstm_a', 'lstm_b'], 3)
    """
    from lstm_explained.engine import LSTMWeights
    from lstm_explained.forecast import _Dense
    from lstm_explained.lab import StackLayer, stack_trace

    rng = np.random.default_rng(seed)

    def weights(f: int, u: int) -> LSTMWeights:
        return LSTMWeights(rng.normal(0, 0.7, (f, 4 * u)).astype(np.float32),
                           rng.normal(0, 0.7, (u, 4 * u)).astype(np.float32),
                           rng.normal(0, 0.3, 4 * u).astype(np.float32))

    stack = Stack([StackLayer("lstm_a", weights(2, 6)), StackLayer("lstm_b", weights(6, 5))],
                  _Dense(rng.normal(0, 1, (5, 1)).astype(np.float32), np.float32([0.1]), head))
    x = rng.normal(0, 1, (3, 16, 2)).astype(np.float32)
    return stack, stack_trace(stack, stack.run(x)[1], {"title": "a toy model's gate lab"})


def clamps_from_json(stack: Stack, clamps: Any, timesteps: int) -> tuple[Clamp, ...]:
    """The page's clamps (a list of ``{gate, mode, value, layer, units, steps}``; ``steps``
    a list, ``{"from": a, "to": b}`` or None) as :class:`~lstm_explained.lab.Clamp`
    objects, each checked (:func:`~lstm_explained.lab.make_clamps`).

    Raises
    ------
    DataError
        Not a list of such dicts, an unknown gate or mode, or indices out of range.
    """
    if not isinstance(clamps, (list, tuple)):
        raise DataError(f"clamps must be a list of dicts, not {type(clamps).__name__}.")
    out: list[Clamp] = []
    for c in clamps:
        if not isinstance(c, dict) or not {"gate", "mode", "value", "layer"} <= set(c):
            raise DataError(f"a clamp is a dict with gate, mode, value and layer; got {c!r}.")
        if c["mode"] not in ("set", "scale"):
            raise DataError(f"a clamp's mode is 'set' or 'scale', not {c['mode']!r}.")
        steps = c.get("steps")
        if isinstance(steps, dict):
            try:
                steps = slice(int(steps["from"]), int(steps["to"]) + 1)
            except (KeyError, TypeError, ValueError):
                raise DataError(f"a range of steps is {{'from': a, 'to': b}}, not {steps!r}.") \
                    from None
        value = scale(c["value"]) if c["mode"] == "scale" else c["value"]
        if isinstance(c["layer"], bool) or not isinstance(c["layer"], int):
            raise DataError(f"a clamp's layer is an index, not {c['layer']!r}.")
        out.extend(make_clamps({c["gate"]: value}, stack, c["layer"], c.get("units"), steps,
                               timesteps=timesteps))
    return tuple(out)


__all__ = ["MAX_LAB_PARAMETERS", "check_stack", "clamps_from_json", "fed_back_forecast",
           "lab_payload", "n_parameters", "toy_lab", "trace_lab"]
