"""Make docs/images/sp500_multi_vs_persistence.png: the README's and the site's first picture.

The pretrained S&P 500 model's 50-step multi-sequence forecasts, each fed back on itself,
in prices, beside the two baselines every forecast here is scored against: persistence
and a linear autoregression on the same 50 values (``lx.forecast.linear_ar``), fed back
the same way. Everything is computed from the shipped model and data::

    python3 docs/images/make_hero_png.py
"""

from __future__ import annotations

from pathlib import Path

import lstm_explained as lx
from lstm_explained.demo import save_png

OUT = Path(__file__).resolve().parent / "sp500_multi_vs_persistence.png"


def main() -> Path:
    """Draw the picture and write it (atomically) over the committed one."""
    model = lx.model.load_pretrained("sp500")
    w = lx.data.make_windows(lx.data.load_sp500(), 50, normalise=True)
    ar = lx.forecast.linear_ar(w.x_train, w.y_train, order=w.x_train.shape[1])
    fig = lx.plots.plot_forecast_prices(
        w, lx.forecast.multi_sequence(model, w.x_test), "multi", 50,
        title="S&P 500: 50-step forecasts fed back, beside persistence and a linear AR",
        ar=lx.forecast.multi_sequence(ar, w.x_test),
    )
    fig.set_size_inches(11, 4.2)
    return save_png(fig, OUT)


if __name__ == "__main__":
    print(main())
