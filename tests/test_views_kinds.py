"""Every view draws a trace of every cell kind through its declaration (lstm_explained.kinds).

For each kind (the LSTM, the GRU) a numpy-only toy trace (``toy_trace(kind=...)``) goes
through the plots, the belt picture, the HTML export, the animation and a trace file: each
shows the kind's own symbols (never another kind's gate), the belt's books in the kind's
convention (a GRU keeps z·h_{t-1} and writes (1 - z)·h̃_t), and a file round trip keeps
the kind and every array.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from lstm_explained import plots
from lstm_explained.export import animation, inspector_html
from lstm_explained.kinds import KINDS
from lstm_explained.plots import views
from lstm_explained.trace import load_trace, toy_trace

KIND_NAMES = sorted(KINDS)


def _texts(fig: Figure) -> str:
    return " ".join(t.get_text() for t in fig.findobj(Text))


def _foreign_symbols(spec) -> set[str]:
    """Symbols of other kinds' quantities that this kind does not have."""
    return {q.symbol for k in KINDS.values() if k is not spec for q in k.quantities
            if q.name not in spec.names}


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_plot_draws_the_kinds_own_quantities(kind):
    tr = toy_trace(kind=kind, units=(4, 3))
    spec = KINDS[kind]
    figures = {
        "window": plots.plot_window(tr, sample=1, timestep=3),
        "belt": plots.plot_conveyor_belt(tr, timestep=3, units=[0, 2]),
        "heatmaps": plots.plot_gate_heatmaps(tr, timestep=3),
        "units": plots.plot_unit_traces(tr, unit=1, timestep=3),
        "saturation": plots.plot_saturation(tr),
        "inspector": plots.plot_inspector(tr, timestep=3),
    }
    for name, fig in figures.items():
        assert isinstance(fig, Figure), name
        fig.savefig(io.BytesIO(), format="png", dpi=30)
        shown = _texts(fig)
        foreign = [s for s in _foreign_symbols(spec) if s in shown]
        assert not foreign, (kind, name, foreign)
    heat = _texts(figures["heatmaps"])
    assert all(spec[g].symbol in heat for g in spec.gates), (kind, heat[:200])
    assert all(spec[g].text in _texts(figures["saturation"]) for g in spec.saturation_gates)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_the_belt_picture_shows_the_kinds_books(kind):
    """The numbers of the belt picture are the ledger's, and the ledger adds up in the
    kind's convention: previous = kept + forgotten and belt = kept + written."""
    tr = toy_trace(kind=kind, units=(4,))
    lt = tr[kind]
    spec = KINDS[kind]
    books = lt.ledger()
    belt = np.asarray(getattr(lt, spec.belt))
    np.testing.assert_allclose(books.kept + books.forgotten, books.previous, atol=1e-12)
    np.testing.assert_allclose(books.kept + books.written, belt, atol=1e-12)
    if kind == "gru":  # Keras' convention: z keeps
        np.testing.assert_allclose(books.kept, lt.update * books.previous, atol=1e-12)
        np.testing.assert_allclose(books.written, (1 - lt.update) * lt.candidate, atol=1e-12)
    fig = plots.plot_conveyor_belt(tr, sample=2, timestep=7, units=[3])
    shown = {t.get_text() for t in fig.axes[0].texts}
    for key in ("previous", "kept", "forgotten", "written"):
        assert views.format_value(getattr(books, key)[2, 7, 3]) in shown, key
    for column in spec.belt_columns:
        assert column.symbol in _texts(fig) or column.text in _texts(fig), column.key


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_exports_and_files_keep_the_kind(kind, tmp_path):
    tr = toy_trace(kind=kind, units=(3,), timesteps=6)
    page = inspector_html(tr, tmp_path / "inspector.html").read_text(encoding="utf-8")
    assert f'"name": "{kind}"' in page or f'"name":"{kind}"' in page
    gif = animation(tr, tmp_path / "steps.gif", max_frames=3)
    assert gif.read_bytes()[:6] in (b"GIF87a", b"GIF89a")
    back = load_trace(tr.save(tmp_path / "trace.npz"))
    assert back[kind].kind == kind
    for name in KINDS[kind].names:
        np.testing.assert_array_equal(getattr(back[kind], name), getattr(tr[kind], name))
