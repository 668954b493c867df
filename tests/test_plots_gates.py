"""Tests of lstm_explained.plots.gates: the static gate pictures and the inspector figure."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.colors import same_color
from matplotlib.figure import Figure

from lstm_explained import viewmodel as vm
from lstm_explained.errors import DataError, LSTMExplainedError
from lstm_explained.plots import gates as pg
from lstm_explained.plots import inspector, views
from lstm_explained.plots.views import AR_COLOR


def test_every_plot_returns_a_figure_and_draws_into_given_axes(toy_trace):
    for fn, kw in (
        (pg.plot_window, {"timestep": 3}),
        (pg.plot_conveyor_belt, {"timestep": 3, "units": [0, 2]}),
        (pg.plot_unit_traces, {"unit": 1, "timestep": 3}),
    ):
        fig = fn(toy_trace, **kw)
        assert isinstance(fig, Figure)
        fig.savefig(io.BytesIO(), format="png")
        target = Figure()
        ax = target.add_subplot()
        assert fn(toy_trace, ax=ax, **kw) is target
    for fn in (pg.plot_gate_heatmaps, pg.plot_saturation, inspector.plot_inspector):
        fig = fn(toy_trace, layer="lstm_1")
        assert isinstance(fig, Figure)
        fig.savefig(io.BytesIO(), format="png")
    given = Figure()
    assert pg.plot_gate_heatmaps(toy_trace, fig=given) is given
    assert pg.plot_saturation(toy_trace, fig=given) is given


def test_belt_shows_the_ledger_numbers(toy_trace):
    lt = toy_trace["lstm_1"]
    fig = pg.plot_conveyor_belt(toy_trace, sample=2, timestep=7, units=[4, 1], layer="lstm_1")
    texts = {t.get_text() for t in fig.axes[0].texts}
    led = lt.ledger()
    expected = {
        "previous": led.previous, "kept": led.kept, "forgotten": led.forgotten,
        "written": led.written, "forget": lt.forget, "input": lt.input,
        "candidate": lt.candidate, "output": lt.output, "cell": lt.cell, "hidden": lt.hidden,
    }
    for arr in expected.values():
        for u in (4, 1):
            assert views.format_value(arr[2, 7, u]) in texts
    assert views.format_value(np.tanh(lt.cell[2, 7, 4])) in texts


def test_belt_view_values_follow_the_step(toy_trace):
    data = vm.SampleData(toy_trace["lstm"], 1)
    ax = Figure().add_subplot()
    belt = views.BeltView(ax, data, [0, 3], timestep=0)
    lt = toy_trace["lstm"]
    for t in (0, 5, 11):
        belt.set_timestep(t)
        prev = lt.previous_cell[1, t]
        np.testing.assert_allclose(belt.values()["kept"], lt.forget[1, t, [0, 3]] * prev[[0, 3]])
        np.testing.assert_allclose(
            belt.values()["forgotten"], (1 - lt.forget[1, t, [0, 3]]) * prev[[0, 3]]
        )
        np.testing.assert_allclose(
            belt.values()["written"], lt.input[1, t, [0, 3]] * lt.candidate[1, t, [0, 3]]
        )
        assert belt.texts["hidden"][1].get_text() == views.format_value(lt.hidden[1, t, 3])
    # at t = 0 the belt starts from zeros: nothing kept or forgotten
    belt.set_timestep(0)
    assert np.all(belt.values()["kept"] == 0) and np.all(belt.values()["forgotten"] == 0)


def test_heatmaps_and_unit_traces_show_the_trace(toy_trace):
    lt = toy_trace["lstm_1"]
    fig = pg.plot_gate_heatmaps(toy_trace, sample=1, timestep=4, layer="lstm_1")
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == len(vm.heatmap_quantities(lt))
    for im, q in zip(images, vm.heatmap_quantities(lt), strict=True):
        np.testing.assert_allclose(im.get_array(), getattr(lt, q)[1].T)
    fig = pg.plot_unit_traces(toy_trace, sample=1, unit=2, layer="lstm_1")
    curves = {line.get_label(): line for line in fig.axes[0].lines}
    for q in lt.spec.names:
        np.testing.assert_allclose(curves[lt.spec[q].symbol].get_ydata(), getattr(lt, q)[1, :, 2])


def test_inspector_figure_steps_and_composites(toy_trace):
    insp = inspector.InspectorFigure(toy_trace, layer="lstm", sample=1, units=[0, 2])
    first = insp.png()
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    insp.set_timestep(6)
    assert insp.png() != first
    shown = insp.belt.texts["cell"][1].get_text()
    assert shown == views.format_value(toy_trace["lstm"].cell[1, 6, 2])
    # background + overlay (what the HTML export stacks) == the rendered view
    bg = insp.background_rgba().astype(float)
    ov = insp.overlay_rgba().astype(float)
    a = ov[..., 3:] / 255.0
    composite = ov[..., :3] * a + bg[..., :3] * (1 - a)
    diff = np.abs(composite - insp.rgba()[..., :3].astype(float))
    assert np.percentile(diff, 99.5) <= 8 and diff.mean() < 0.5
    # rebuilding for another sample / layer keeps the step when it fits
    insp.setup("lstm_1", 2, [5], 6)
    assert insp.units == [5] and insp.timestep == 6


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda tr: pg.plot_conveyor_belt(tr, layer="nope"), "unknown layer 'nope'"),
        (lambda tr: pg.plot_conveyor_belt(tr, timestep=12), "timestep 12 is out of range"),
        (lambda tr: pg.plot_conveyor_belt(tr, sample=-1), "sample -1 is out of range"),
        (lambda tr: pg.plot_conveyor_belt(tr, units=[5]), "unit 5 is out of range: .* 5 units"),
        (lambda tr: pg.plot_conveyor_belt(tr, units=[]), "at least one unit"),
        (lambda tr: pg.plot_unit_traces(tr, unit=1.5), "whole number"),
        (lambda tr: pg.plot_conveyor_belt("trace"), "expected a Trace"),
        (lambda tr: pg.plot_gate_heatmaps(tr, quantities=("forget", "bogus")), "bogus"),
    ],
)
def test_bad_input_gives_our_errors(toy_trace, call, match):
    with pytest.raises(DataError, match=match) as info:
        call(toy_trace)
    assert isinstance(info.value, LSTMExplainedError)


def test_too_many_units_is_refused():
    from lstm_explained.engine import LSTMWeights, run_lstm
    from lstm_explained.trace import LayerTrace, Trace

    x = np.zeros((1, 3, 1))
    run = run_lstm(x, LSTMWeights.random(features=1, units=12, seed=0))
    tr = Trace([LayerTrace(name="l", layer_name="l", inputs=x, arrays=run)])
    with pytest.raises(DataError, match="at most 8"):
        pg.plot_conveyor_belt(tr, units=range(9))
    sd = vm.SampleData(tr["l"], 0)
    assert len(sd.most_active(1, 3)) == 3


def test_forecast_window_view(sine_forecast_trace):
    tr = sine_forecast_trace
    fig = pg.plot_window(tr, sample=3, timestep=10)
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.lines]
    for name in ("input window", "fed-back predictions", "target", "prediction", "persistence"):
        assert name in labels
    fed = ax.lines[labels.index("fed-back predictions")]
    assert len(fed.get_xdata()) == tr.extras["fed_back"][3].sum() == 30
    pred = ax.lines[labels.index("prediction")]
    assert pred.get_ydata()[0] == pytest.approx(tr.extras["prediction"][3])
    ar = ax.lines[labels.index("linear AR")]  # the AR baseline, beside persistence
    assert ar.get_ydata()[0] == tr.extras["ar"][3] and same_color(ar.get_color(), AR_COLOR)
    no_ar = tr.__class__(dict(tr.items()), info=tr.info,
                  extras={k: v for k, v in tr.extras.items() if k != "ar"})
    ax = pg.plot_window(no_ar, sample=3).axes[0]
    assert "linear AR" not in [line.get_label() for line in ax.lines]
    assert "multi-sequence run 0, sample 3: forecast step 30 of 49" in vm.sample_label(tr, 3)


def test_heatmap_scales(toy_trace):
    fig = pg.plot_gate_heatmaps(toy_trace, scale="data")
    images = [ax.images[0] for ax in fig.axes if ax.images]
    lt = toy_trace["lstm"]
    lo, hi = images[0].get_clim()
    assert lo < lt.forget[0].min() and hi > lt.forget[0].max() and (lo, hi) != (0.0, 1.0)
    lo, hi = images[2].get_clim()  # the candidate stays centred on 0
    assert lo == -hi == -np.abs(lt.candidate[0]).max()
    with pytest.raises(DataError, match="heatmap scale"):
        pg.plot_gate_heatmaps(toy_trace, scale="log")
