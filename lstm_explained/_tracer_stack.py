"""The tracer's fast path: every part of the windows through the whole stack of layers.

When numpy can compute what feeds every traced layer (the model's input, or an earlier
traced layer through Dropout-like and Masking layers: ``plan.fast``), the windows are
independent of each other all the way through the model. So rather than running layer 1
over every window, then layer 2, each split over the cores and joined after every layer,
:func:`run_stack` cuts the windows into parts and runs each part through every layer on
a thread of its own, writing into result arrays allocated once for all windows
(:class:`~lstm_explained._buffers.Buffers`): the threads never wait for each other, the
first layer runs on every core too, and nothing is copied to assemble the trace.

Each part is at most :data:`PART` windows (it bounds the engine's per-step scratch and
paces the progress bar); there are at least as many parts as threads.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstm_explained._threads import default_threads, run_parts, split
from lstm_explained._tracer_plan import Plan
from lstm_explained.keras_layers import cell_kind

#: Most windows a thread runs through the stack at a time.
PART = 2048


def apply_masking(x: np.ndarray, mask: np.ndarray | None, maskings: list[Any]) -> tuple:
    """``x`` and its mask after Keras ``Masking`` layers: a step whose every feature
    equals the mask value becomes zeros, and masked."""
    for m in maskings:
        keep = np.any(x != np.asarray(m.mask_value, dtype=x.dtype), axis=-1)
        x = x * keep[..., None].astype(x.dtype)
        mask = keep
    return x, mask


def source(
    t: Any, x: np.ndarray, outputs: list[np.ndarray], masks: list[np.ndarray | None]
) -> tuple[np.ndarray, np.ndarray | None]:
    """What feeds target ``t`` on the fast path, before its Masking layers, and its mask:
    the model's input ``x`` (no mask), or earlier target j's output sequence
    ``outputs[j]`` and mask ``masks[j]``."""
    if t.source[0] == "input":
        return x, None
    return outputs[t.source[1]], masks[t.source[1]]


def _cut(plan: Plan, n: int) -> tuple[list[tuple[int, int]], int]:
    """The parts ``n`` windows are run in, and the threads: as many as the widest layer
    is worth (:func:`~lstm_explained._threads.default_threads`), and at least one part
    each, of at most :data:`PART` windows."""
    units = max(sub.cell.units for t in plan.targets for _, sub in t.directions)
    workers = default_threads(n, units)
    return split(n, max(workers, -(-n // PART))), workers


def run_stack(
    plan: Plan, x: np.ndarray, weights: list[list[Any]], dtype: np.dtype, bar: Any
) -> tuple[list[np.ndarray], list[np.ndarray | None], list[list[dict[str, np.ndarray]]]]:
    """Run every traced layer of a fast plan over the windows ``x``, part by part.

    Parameters
    ----------
    plan : Plan
        A plan with ``fast`` set (every layer's ``source`` resolved).
    x : ndarray
        The model's input (N, T, features), already in ``dtype``.
    weights : list of list
        Each target's weights, per direction.
    dtype : numpy dtype
        The engine's float type.
    bar : progress bar
        Advanced once per layer direction and part (:func:`parts_count` parts).

    Returns
    -------
    tuple
        ``(inputs, masks, arrays)``: per target, its input (N, T, features) as Keras
        feeds it and its mask (N, T) or None, and per direction the engine's
        ``{quantity: (N, T, units)}`` in processing order.
    """
    n, steps = x.shape[:2]
    ins: list[np.ndarray] = []
    masks: list[np.ndarray | None] = []
    buffers: list[list[Any]] = []
    outputs: list[np.ndarray] = []  # each target's output sequence, as Keras returns it
    for t, ws in zip(plan.targets, weights, strict=True):
        maskings = t.source[-1]
        src, src_mask = source(t, x, outputs, masks)
        # a Masking layer computes a new input; else the source itself is the input
        ins.append(np.empty(src.shape, dtype) if maskings else src)
        has_mask = bool(maskings) or src_mask is not None
        masks.append(np.empty((n, steps), bool) if has_mask else None)
        buffers.append([cell_kind(sub).empty_buffers(n, steps, w.units, dtype)
                        for (_, sub), w in zip(t.directions, ws, strict=True)])
        # its (only) direction's output quantity, in processing order
        outputs.append(buffers[-1][0].quantities()[cell_kind(t.directions[0][1]).output])

    @np.errstate(over="ignore", invalid="ignore")  # the self-check reports an overflow
    def run_part(lo: int, hi: int) -> None:
        for i, (t, ws) in enumerate(zip(plan.targets, weights, strict=True)):
            maskings = t.source[-1]
            src, m = source(t, x, outputs, masks)  # rows lo:hi are this part's own
            part, m = src[lo:hi], None if m is None else m[lo:hi]
            if maskings:
                part, m = apply_masking(part, m, maskings)
                ins[i][lo:hi] = part
            if masks[i] is not None:
                masks[i][lo:hi] = m
            for ((_, sub), w), out in zip(zip(t.directions, ws, strict=True), buffers[i],
                                          strict=True):
                back = bool(sub.go_backwards)
                cell_kind(sub).run(
                    part[:, ::-1] if back else part, w, dtype=dtype, threads=1,
                    mask=None if m is None else (m[:, ::-1] if back else m),
                    out=out.rows(lo, hi))
                bar.update(1)

    parts, workers = _cut(plan, n)
    run_parts(run_part, parts, workers)
    arrays = [[b.quantities() for b in bs] for bs in buffers]
    return ins, masks, arrays


def parts_count(plan: Plan, n: int) -> int:
    """How many parts :func:`run_stack` cuts ``n`` windows into (for the progress bar)."""
    return len(_cut(plan, n)[0])


__all__ = ["PART", "apply_masking", "parts_count", "run_stack", "source"]
