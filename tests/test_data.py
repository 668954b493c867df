"""Tests for lstm_explained.data: shipped series, CSV reading, windows, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lstm_explained as lx
from lstm_explained.data import denormalise, load_csv, load_sp500, make_windows, sine_wave
from lstm_explained.errors import DataError


def test_sine_wave_is_the_seeds():
    s = sine_wave()
    k = np.arange(5001)
    assert len(s) == 5001
    np.testing.assert_array_equal(s.values, np.sin(1 + 2 * np.pi * k / 100))
    # a period of exactly 100 samples
    np.testing.assert_allclose(s.values[100:], s.values[:-100], atol=1e-12)


def test_sp500_default_is_the_seeds_span():
    sp = load_sp500()
    assert len(sp) == 4171
    assert str(sp.dates[0]) == "2000-01-03" and str(sp.dates[-1]) == "2016-08-01"
    assert sp.values[0] == pytest.approx(1455.219971)
    assert sp.values[-1] == pytest.approx(2170.840088)
    assert sp.values.sum() == pytest.approx(5654817.8891, abs=1e-3)
    assert np.all(np.diff(sp.dates.astype("int64")) > 0)


def test_sp500_other_spans_and_columns():
    full = load_sp500(start=None, end=None)
    assert str(full.dates[0]) == "1999-01-04" and str(full.dates[-1]) == "2018-12-31"
    assert len(full) > 4171
    sept = load_sp500(start="2008-09-01", end="2008-09-30", column="Open")
    assert len(sept) == 21 and all(str(d).startswith("2008-09") for d in sept.dates)
    with pytest.raises(DataError, match="no S&P 500 data"):
        load_sp500(start="2030-01-01", end=None)
    with pytest.raises(DataError, match="ISO dates"):
        load_sp500(start="yesterday")
    with pytest.raises(DataError, match="no column 'Price'"):
        load_sp500(column="Price")


def test_load_csv_seed_format(tmp_path):
    p = tmp_path / "sinwave.csv"
    values = sine_wave().values[:200]
    p.write_text("\n".join(repr(float(v)) for v in values) + "\n")
    s = load_csv(p)
    np.testing.assert_array_equal(s.values, values)
    assert s.dates is None


def test_load_csv_ohlcv(tmp_path):
    p = tmp_path / "prices.csv"
    p.write_text(
        "Date,Open,High,Low,Close,Volume\n"
        "2020-01-02,10,11,9,10.5,100\n"
        "2020-01-03,10.5,12,10,11.5,200\n"
    )
    s = load_csv(p)
    assert s.values.tolist() == [10.5, 11.5]
    assert [str(d) for d in s.dates] == ["2020-01-02", "2020-01-03"]
    assert load_csv(p, column="Volume").values.tolist() == [100.0, 200.0]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("", "empty"),
        ("\n\n", "empty"),
        ("1.0\n2.0\nabc\n", r"line 3 holds 'abc'"),
        ("1.0\nnan\n", r"line 2 .*NaN"),
        ("1.0\ninf\n", r"line 2 .*infinite"),
        ("1.0\n2.0,3.0\n", "line 2 has 2 fields"),
        ("Date,Close\n", "no data rows"),
        ("Date,Close\n2020-01-01,x\n", r"line 2 holds 'x'"),
        ("Date,Open\n2020-01-01,1\n", "no column 'Close'"),
        ("Date,Close\nsoon,1\n", "expected YYYY-MM-DD"),
        ("Date,Close\n2020-01-01\n", "line 2 has 1 fields"),
    ],
)
def test_load_csv_bad_files(tmp_path, content, match):
    p = tmp_path / "bad.csv"
    p.write_text(content)
    with pytest.raises(DataError, match=match):
        load_csv(p)


def test_load_csv_missing_file_and_column_without_header(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_csv(tmp_path / "nope.csv")
    p = tmp_path / "plain.csv"
    p.write_text("1\n2\n")
    with pytest.raises(DataError, match="no header row"):
        load_csv(p, column="Close")
    b = tmp_path / "binary.csv"
    b.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(DataError):
        load_csv(b)


def seed_windows(data, seq_len, normalise):
    """The seed's load_data, as a reference (Python loops, on purpose)."""
    result = [list(data[i : i + seq_len + 1]) for i in range(len(data) - seq_len)]
    if normalise:
        result = [[(float(p) / float(w[0])) - 1 for p in w] for w in result]
    result = np.array(result)
    row = round(0.9 * result.shape[0])
    train = result[: int(row), :]
    return train[:, :-1], train[:, -1], result[int(row) :, :-1], result[int(row) :, -1]


@pytest.mark.parametrize("normalise", [False, True])
def test_make_windows_matches_the_seed(normalise):
    values = load_sp500().values[:700]
    w = make_windows(values, seq_len=50, normalise=normalise)
    x_train, y_train, x_test, y_test = seed_windows(values, 50, normalise)
    np.testing.assert_allclose(w.x_train[:, :, 0], x_train, rtol=0, atol=1e-12)
    np.testing.assert_allclose(w.y_train, y_train, rtol=0, atol=1e-12)
    np.testing.assert_allclose(w.x_test[:, :, 0], x_test, rtol=0, atol=1e-12)
    np.testing.assert_allclose(w.y_test, y_test, rtol=0, atol=1e-12)


def test_sp500_windows_shapes(sp500_windows):
    w = sp500_windows
    assert w.x_train.shape == (3709, 50, 1) and w.x_test.shape == (412, 50, 1)
    assert w.y_train.shape == (3709,) and w.y_test.shape == (412,)
    # the test set is the future: chronological split, no shuffle
    assert w.train_index[-1] + 1 == w.test_index[0]
    assert str(w.target_dates("test")[-1]) == "2016-08-01"


@given(
    values=st.lists(st.floats(1.0, 1e4), min_size=12, max_size=80),
    seq_len=st.integers(1, 8),
    fraction=st.floats(0.2, 0.8),
)
def test_denormalise_undoes_normalisation(values, seq_len, fraction):
    w = make_windows(np.array(values), seq_len=seq_len, normalise=True, train_fraction=fraction)
    raw = np.array(values)
    np.testing.assert_allclose(w.denormalise(w.y_test), raw[w.target_positions("test")], rtol=1e-12)
    np.testing.assert_allclose(
        w.denormalise(w.y_train, split="train"), raw[w.target_positions("train")], rtol=1e-12
    )
    np.testing.assert_allclose(
        denormalise(w.x_test[:, :, 0], w.p0_test[:, None]),
        raw[w.test_index[:, None] + np.arange(seq_len)],
        rtol=1e-12,
    )
    assert np.all(w.x_test[:, 0, 0] == 0.0)


@given(n=st.integers(3, 300), seq_len=st.integers(1, 60), fraction=st.floats(0.01, 0.99))
def test_window_counts_or_clear_error(n, seq_len, fraction):
    values = np.linspace(1, 2, n)
    n_windows = n - seq_len
    n_train = round(fraction * n_windows) if n_windows > 0 else 0
    if n_windows >= 2 and 1 <= n_train < n_windows:
        w = make_windows(values, seq_len=seq_len, train_fraction=fraction)
        assert len(w.x_train) == n_train and len(w.x_test) == n_windows - n_train
    else:
        with pytest.raises(DataError, match="too short"):
            make_windows(values, seq_len=seq_len, train_fraction=fraction)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(seq_len=0), "seq_len must be"),
        (dict(seq_len=2.5), "seq_len must be"),
        (dict(train_fraction=0.0), "train_fraction"),
        (dict(train_fraction=1.0), "train_fraction"),
        (dict(train_fraction=1.5), "train_fraction"),
    ],
)
def test_make_windows_bad_arguments(kwargs, match):
    with pytest.raises(DataError, match=match):
        make_windows(np.linspace(1, 2, 200), **kwargs)


def test_make_windows_bad_values():
    with pytest.raises(DataError, match="NaN"):
        make_windows(np.array([1.0, np.nan] * 60))
    with pytest.raises(DataError, match="positive"):
        make_windows(np.linspace(-1, 1, 200), normalise=True)
    with pytest.raises(DataError, match="1-D"):
        make_windows(np.ones((100, 2)))
    with pytest.raises(DataError, match="too short"):
        make_windows(sine_wave().values[:50], seq_len=50)
    assert isinstance(DataError("x"), lx.LSTMExplainedError)


def test_to_window_units_puts_targets_in_a_start_windows_units(sp500_windows):
    w = sp500_windows
    prices = w.denormalise(w.y_test)
    start = 50
    own = np.arange(start, start + 50)
    moved = w.to_window_units(w.y_test[start : start + 50], window=start, own=own)
    # in window `start`'s units, and back to the same prices with that window's p0
    np.testing.assert_allclose(moved, prices[start : start + 50] / w.p0_test[start] - 1, rtol=1e-12)
    np.testing.assert_allclose(w.denormalise(moved, window=start), prices[start : start + 50])
    assert lx.data.renormalise(0.5, 2.0, 3.0) == pytest.approx(0.0)
    raw = make_windows(sine_wave(), 50)
    np.testing.assert_array_equal(raw.to_window_units(raw.y_test[:5], window=0), raw.y_test[:5])
