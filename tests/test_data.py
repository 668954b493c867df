"""Tests for lstm_explained.data: shipped series, CSV reading, windows, bad input."""

from __future__ import annotations

import csv

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
        ("Date,Close\n2020-01-01\n2020-01-02,1,2\n", "line 2 has 1 fields"),
        ("1.0\n2\x00\n", r"line 2 holds '2\\x00'"),
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


# ---------------------------------------------------------------- issue 9: CSV files

from lstm_explained import data_csv  # noqa: E402
from lstm_explained.data_csv_fast import parse_block  # noqa: E402


def _csv(tmp_path, text, name="prices.csv"):
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return p


def test_dates_newest_first_are_refused_naming_the_row(tmp_path):
    p = _csv(tmp_path, "Date,Close\n2020-01-03,3\n2020-01-02,2\n2020-01-01,1\n")
    with pytest.raises(DataError, match=r"line 3 has the date 2020-01-02, before 2020-01-03 on "
                                        r"line 2.*sort=True"):
        load_csv(p)
    s = load_csv(p, sort=True)
    assert s.values.tolist() == [1.0, 2.0, 3.0]
    assert s.dates.astype(str).tolist() == ["2020-01-01", "2020-01-02", "2020-01-03"]


def test_repeated_dates_are_refused_even_when_sorting(tmp_path):
    p = _csv(tmp_path, "Date,Close\n2020-01-01,1\n2020-01-02,2\n\n2020-01-02,2.5\n")
    with pytest.raises(DataError, match=r"lines 3 and 5 both have the date 2020-01-02"):
        load_csv(p)
    q = _csv(tmp_path, "Date,Close\n2020-01-05,1\n2020-01-02,2\n2020-01-05,3\n", "q.csv")
    with pytest.raises(DataError, match=r"lines 2 and 4 both have the date 2020-01-05"):
        load_csv(q, sort=True)


@pytest.mark.parametrize("header", ["date,Close", "DATE,Close", " Date ,Close", "Date, close"])
def test_date_and_value_columns_in_any_case(tmp_path, header):
    s = load_csv(_csv(tmp_path, f"{header}\n2020-01-02,1.5\n2020-01-03,2\n"))
    assert s.values.tolist() == [1.5, 2.0]
    assert s.dates.astype(str).tolist() == ["2020-01-02", "2020-01-03"]


@pytest.mark.parametrize(
    ("header", "column", "match"),
    [
        ("Date,Close,Close", None, r"names two columns 'Close' \(columns 2 and 3\)"),
        ("Date, Open ,Open,Close", None, r"names two columns 'Open'"),
        ("Date,date,Close", None, r"2 date columns \['Date', 'date'\]"),
        ("Date,CLOSE,close", None, r"several columns match 'Close' but for case"),
        ("Date,Close", "Date", "holds the dates"),
    ],
)
def test_ambiguous_headers_are_refused(tmp_path, header, column, match):
    p = _csv(tmp_path, header + "\n" + ",".join(["2020-01-02"] + ["1"] * header.count(",")) + "\n")
    with pytest.raises(DataError, match=match):
        load_csv(p, column=column)


def test_an_exact_name_wins_over_one_equal_but_for_case(tmp_path):
    p = _csv(tmp_path, "Date,close,Close\n2020-01-02,1,2\n")
    assert load_csv(p).values.tolist() == [2.0]
    assert load_csv(p, column="close").values.tolist() == [1.0]


def test_sort_needs_dates(tmp_path):
    with pytest.raises(DataError, match="sort=True sorts by date"):
        load_csv(_csv(tmp_path, "1\n2\n"), sort=True)
    with pytest.raises(DataError, match="sort=True sorts by date"):
        load_csv(_csv(tmp_path, "Open,Close\n1,2\n", "t.csv"), sort=True)


def test_files_above_max_bytes_are_refused_before_reading(tmp_path):
    p = _csv(tmp_path, "1.5\n" * 100)
    with pytest.raises(DataError, match=r"holds 400 bytes, more than max_bytes=399; nothing was"):
        load_csv(p, max_bytes=399)
    assert len(load_csv(p, max_bytes=400)) == 100
    assert len(load_csv(p, max_bytes=None)) == 100
    for bad in (0, -1, 2.5, True, "1k"):
        with pytest.raises(DataError, match="max_bytes must be"):
            load_csv(p, max_bytes=bad)
    assert data_csv.MAX_BYTES == lx.data.load_csv.__kwdefaults__["max_bytes"] == 1 << 30


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("   \n\t\n  \n", "the file is empty"),
        (" \r\n", "the file is empty"),
        ("1 234.5\n2\n", r"line 1 holds '1 234.5', which is not a number.*without spaces"),
        ("1\n1 234.5\n", r"line 2 holds '1 234.5', which is not a number"),
        ("Close\n1 234.5\n", r"line 2 holds '1 234.5', which is not a number"),
        ("1.0\nx\x00y\n", r"line 2 holds 'x\\x00y', which is not a number"),
        ("1.0\n" + "9" * 200_000 + "\n", r"line 2 cannot be read as CSV \(field larger"),
        (b"1.0\n2.0\n\xff\n", r"line 3 is not UTF-8 text"),
        ("abc\n1\n", r"no column 'Close'.*Line 1, 'abc', was read as a header"),
        ("Date,Close\ntoday,1\n", r"line 2 has date 'today'; expected YYYY-MM-DD"),
        ("Date,Close\nNaT,1\n", r"line 2 has date 'NaT'; expected YYYY-MM-DD"),
        ("Date,Close\n2021-02-30,1\n", r"line 2 has date '2021-02-30'"),
    ],
)
def test_load_csv_clear_messages(tmp_path, content, match):
    with pytest.raises(DataError, match=match):
        load_csv(_csv(tmp_path, content))


@pytest.mark.parametrize("path", [None, b"prices.csv", 3, ""])
def test_load_csv_paths_that_are_not_file_names(path):
    with pytest.raises(DataError, match="CSV file"):
        load_csv(path)


def test_load_csv_folder(tmp_path):
    with pytest.raises(DataError, match="is a folder"):
        load_csv(tmp_path)


def test_what_the_reader_accepts(tmp_path):
    """Blank lines, CRLF, a BOM, quotes, a time after the date, monthly dates, 5-digit years."""
    p = _csv(tmp_path, "\ufeffDate,Close\r\n\r\n2020-01-02 09:30,\"1.5\"\r\n2020-01-03T00:00,2\r\n")
    s = load_csv(p)
    assert s.values.tolist() == [1.5, 2.0]
    assert s.dates.astype(str).tolist() == ["2020-01-02", "2020-01-03"]
    monthly = load_csv(_csv(tmp_path, "Date,Close\n2020-01,1\n2020-02,2\n", "m.csv"))
    assert monthly.dates.astype(str).tolist() == ["2020-01-01", "2020-02-01"]
    last = load_csv(_csv(tmp_path, "Date,Close\n2020-01-02,1.5\n2020-01-03,2.25", "l.csv"))
    assert last.values.tolist() == [1.5, 2.25]
    far = load_csv(_csv(tmp_path, "Date,Close\n9999-12-31,1\n10000-01-01,2\n", "f.csv"))
    assert far.dates[1] - far.dates[0] == np.timedelta64(1, "D")


# Numbers as files hold them: decimals of every length, signs, exponents, and junk.
_NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.tuples(st.floats(-1e6, 1e6), st.integers(0, 12)).map(lambda t: f"{t[0]:.{t[1]}f}"),
    st.integers(-(10**17), 10**17).map(str),
    st.from_regex(r"[+-]?[0-9]{0,9}\.?[0-9]{0,9}", fullmatch=True),
    st.text("0123456789.-+e_ ", min_size=1, max_size=12),
)


def _float_or_none(text):
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if np.isfinite(value) else None


@given(fields=st.lists(_NUMBER_TEXT, min_size=1, max_size=30))
def test_fast_numbers_are_float_of_the_text_bit_for_bit(fields):
    got = parse_block(("\n".join(fields) + "\n").encode(), 1, 0, None)
    want = [_float_or_none(f) for f in fields]
    if got is None:  # handed over: the reference parser will read or refuse it
        return
    assert None not in want, f"the fast parser read what float() refuses: {fields}"
    assert got[0].view(np.int64).tolist() == np.array(want).view(np.int64).tolist()
    assert got[2] == len(fields)


@given(fields=st.lists(st.from_regex(r"[+-]?[0-9]{1,8}(\.[0-9]{0,7})?", fullmatch=True),
                       min_size=1, max_size=30))
def test_plain_decimals_take_the_fast_path(fields):
    """Numbers of at most 15 digits (what the fast path promises) never fall back."""
    got = parse_block(("\n".join(fields) + "\n").encode(), 1, 0, None)
    assert got is not None
    assert got[0].view(np.int64).tolist() == [np.float64(float(f)).view(np.int64) for f in fields]


_DATE_TEXT = st.one_of(
    st.dates().map(str),
    st.from_regex(r"[0-9]{4,5}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.text("0123456789-T :", min_size=1, max_size=13),
)


@given(dates=st.lists(_DATE_TEXT, min_size=1, max_size=20))
def test_fast_dates_are_the_reference_dates(dates):
    block = "".join(f"{d},1\n" for d in dates).encode()
    got = parse_block(block, 2, 1, 0)
    if got is None:
        return
    for text, day in zip(dates, got[1], strict=True):
        assert data_csv._parse_date(text, 1, "f") == day


_LINE = st.one_of(
    st.floats(0.01, 1e4).map(lambda v: f"{v:.4f}"),
    st.floats(0.01, 1e4).map(repr),
    st.sampled_from(["", "  ", "1e3", '"7.5"', " 8 ", "x", "nan", "1,2", "1\r", "9\x0b"]),
)


@given(lines=st.lists(_LINE, min_size=1, max_size=60), crlf=st.booleans())
def test_blocks_do_not_change_what_is_read(tmp_path_factory, lines, crlf):
    """However the file is cut into blocks, values, line numbers and errors are the same."""
    text = ("\r\n" if crlf else "\n").join(lines) + "\n"
    p = _csv(tmp_path_factory.mktemp("blocks"), text)

    def outcome():
        try:
            return load_csv(p).values.tolist()
        except DataError as exc:
            return str(exc)

    whole = outcome()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(data_csv, "_BLOCK", 16)
        assert outcome() == whole
    rows = [(n, next(csv.reader([t]), [])) for n, t in enumerate(text.splitlines(), 1)]
    rows = [(n, r) for n, r in rows if any(f.strip() for f in r)]
    values = [_float_or_none(r[0]) if len(r) == 1 else None for _, r in rows]
    if not rows or values[0] is None:  # empty, or a header: other tests
        return
    if None not in values:
        assert whole == values
    else:
        first_bad = next(n for (n, _), v in zip(rows, values, strict=True) if v is None)
        assert f"line {first_bad} " in whole


def test_a_bad_value_deep_in_a_big_file_is_found_exactly(tmp_path, monkeypatch):
    monkeypatch.setattr(data_csv, "_BLOCK", 4096)
    days = np.datetime64("2000-01-01") + np.arange(5000)
    rows = [f"{d},{k}.25" for k, d in enumerate(days.astype(str))]
    good = load_csv(_csv(tmp_path, "Date,Close\n" + "\n".join(rows) + "\n"))
    assert good.values[-1] == 4999.25 and str(good.dates[-1]) == str(days[-1])
    rows[3210] = f"{days[3210]},12O.5"
    with pytest.raises(DataError, match=r"line 3212 holds '12O.5'"):
        load_csv(_csv(tmp_path, "Date,Close\n" + "\n".join(rows) + "\n", "bad.csv"))
    rows[3210], rows[4321] = f"{days[3210]},1", f"{days[4320]},1"
    with pytest.raises(DataError, match=r"lines 4322 and 4323 both have the date"):
        load_csv(_csv(tmp_path, "Date,Close\n" + "\n".join(rows) + "\n", "dup.csv"))


# ---------------------------------------------------------------- issue 9: windows and series


def test_train_fraction_may_be_a_numpy_float():
    w = make_windows(np.linspace(1, 2, 101), seq_len=10, train_fraction=np.float32(0.5))
    assert len(w.x_train) == 46 and w.train_fraction == 0.5
    assert isinstance(w.train_fraction, float)


@pytest.mark.parametrize(
    ("values", "kwargs", "match"),
    [
        (["a", "b", "c"], {}, r"values must be a Series or a 1-D array of numbers, not list"),
        ([[1.0, 2.0], [3.0]], {}, "1-D array of numbers"),
        (None, {}, "not NoneType"),
        (np.array([1 + 2j] * 80), {}, "of complex128"),
        (np.linspace(1, 2, 80), {"normalise": "yes"}, "normalise must be True or False"),
        (np.linspace(1, 2, 80), {"seq_len": True}, "seq_len must be"),
        (np.linspace(1, 2, 80), {"seq_len": 200}, "80 values: too short for windows of 200"),
        (np.linspace(1, 2, 80), {"train_fraction": np.nan}, "train_fraction"),
        (np.linspace(1, 2, 80), {"train_fraction": True}, "train_fraction"),
    ],
)
def test_make_windows_clear_errors(values, kwargs, match):
    with pytest.raises(DataError, match=match):
        make_windows(values, **kwargs)


def _hand_built(**changes):
    w = make_windows(np.linspace(1, 2, 40), seq_len=5, normalise=True)
    fields = {k: getattr(w, k) for k in w.__dataclass_fields__}
    fields.update(changes)
    return lx.data.Windows(**fields)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"x_test": np.zeros((3, 5))}, r"x_test has shape \(3, 5\)"),
        ({"x_train": np.zeros((0, 5, 1))}, r"x_train has shape \(0, 5, 1\)"),
        ({"seq_len": 6}, r"x_train has shape \(32, 5, 1\), not \(N >= 1, seq_len=6"),
        ({"y_test": np.zeros(2)}, r"y_test has shape \(2,\), not \(3,\)"),
        ({"p0_train": None}, r"p0_train has shape \(\), not \(32,\)"),
        ({"x_test": np.full((3, 5, 1), np.nan)}, "NaN"),
        ({"series": np.ones(40)}, "series is a ndarray, not a Series"),
        ({"seq_len": "5"}, "seq_len is '5'"),
    ],
)
def test_windows_built_by_hand_are_checked(changes, match):
    with pytest.raises(DataError, match=match):
        _hand_built(**changes)
    assert _hand_built().seq_len == 5


def test_window_numbers_and_shapes_in_unit_conversions(sp500_windows):
    w = sp500_windows
    with pytest.raises(DataError, match=r"window must be window numbers in 0 .. 411"):
        w.denormalise(w.y_test[:3], window=412)
    with pytest.raises(DataError, match="window must be window numbers"):
        w.to_window_units(w.y_test[:3], window=-1)
    with pytest.raises(DataError, match="window must be window numbers"):
        w.denormalise(w.y_test[:3], window=1.5)
    with pytest.raises(DataError, match=r"values of shape \(3,\) do not match"):
        w.denormalise(w.y_test[:3], window=np.arange(5))
    assert w.denormalise(w.y_test[:3], window=np.arange(3)).shape == (3,)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0}, "n must be"),
        ({"n": 2.5}, "n must be"),
        ({"period": 0}, "period must be a finite number > 0"),
        ({"period": np.inf}, "period must be"),
        ({"phase": np.nan}, "phase must be a finite number"),
    ],
)
def test_sine_wave_bad_arguments(kwargs, match):
    with pytest.raises(DataError, match=match):
        sine_wave(**kwargs)


def test_sp500_dates_must_be_dates():
    with pytest.raises(DataError, match="start must be an ISO date"):
        load_sp500(start=2000)
    assert len(load_sp500(start=np.datetime64("2016-07-01"))) == 21


@pytest.mark.parametrize("brk", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\u2028", "\r"])
def test_every_line_break_counts_in_every_block(tmp_path, monkeypatch, brk):
    """Line numbers count what str.splitlines counts, in fast and line-by-line blocks alike."""
    monkeypatch.setattr(data_csv, "_BLOCK", 4)
    p = _csv(tmp_path, f"1\n{brk}9\n" + "2\n" * 6 + "x\n")
    with pytest.raises(DataError, match=r"line 10 holds 'x'"):
        load_csv(p)
