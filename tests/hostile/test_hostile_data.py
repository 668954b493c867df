"""Hostile and clumsy inputs to the data end: CSV files, windows, models, forecasts.

Each case of ``HOSTILE`` is run by the function of the same id in ``CASES``; every one
gets one clear error from lstm-explained (naming the line, the window, the argument) or a
correct result, never a traceback from inside csv, numpy or Keras.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

import lstm_explained as lx
from lstm_explained.errors import DataError, ModelError

HOSTILE = [
    ("csv-newest-first", "a price file whose dates run newest first",
     "DataError naming the first row out of order (line numbers, both dates); sort=True "
     "sorts the rows"),
    ("csv-repeated-date", "a price file with one date twice",
     "DataError naming both lines and the date, even with sort=True"),
    ("csv-intraday", "minute bars: several rows with the same day",
     "DataError: the date appears twice, keep one row per day"),
    ("csv-two-date-columns", "a header with both 'Date' and 'date'",
     "DataError: two date columns, keep one"),
    ("csv-repeated-column", "a header naming two columns 'Close'",
     "DataError naming the column and both positions"),
    ("csv-close-in-two-cases", "a header with 'CLOSE' and 'close' but no 'Close'",
     "DataError: several columns match but for case, choose one exactly"),
    ("csv-any-case", "a header ' DATE ,close'", "read: dates and closes"),
    ("csv-whitespace-only", "a file of spaces and tabs", "DataError: the file is empty"),
    ("csv-value-with-space", "'1 234.5' on the first line",
     "DataError: line 1 is not a number (no thousands separators)"),
    ("csv-nan", "'nan' and 'inf' among the values", "DataError naming the line of the first"),
    ("csv-formula", "a spreadsheet formula '=HYPERLINK(...)' as a value",
     "DataError: line 2 is not a number"),
    ("csv-too-big", "a file larger than max_bytes",
     "DataError before reading, naming the size and the budget"),
    ("csv-utf16", "a UTF-16 file, as some spreadsheets save them",
     "DataError: line 1 is not UTF-8 text"),
    ("csv-huge-field", "one line of 200 000 digits", "DataError: line 2 cannot be read as CSV"),
    ("csv-nul", "a NUL byte inside a value", "DataError: line 2 is not a number"),
    ("csv-odd-line-breaks", "vertical tab, form feed and U+2028 line breaks",
     "read line by line: the line numbers of errors count them as str.splitlines does"),
    ("csv-quoted", "every field in quotes, CRLF line ends, a byte-order mark",
     "read: the same numbers as without them"),
    ("csv-bad-dates", "dates 'today', 'NaT' and '2021-02-30'",
     "DataError: the line's date is not YYYY-MM-DD"),
    ("csv-header-only", "a header and no rows", "DataError: no data rows"),
    ("csv-path-not-a-name", "None, bytes, a folder as the CSV path",
     "DataError saying what a path must be"),
    ("windows-numpy-fraction", "train_fraction=np.float32(0.5)", "windows, split in half"),
    ("windows-not-numbers", "a list of strings, a ragged list, complex numbers as values",
     "DataError: values must be a 1-D array of numbers"),
    ("windows-seq-len-bool", "seq_len=True", "DataError: seq_len must be a whole number"),
    ("windows-too-long", "seq_len longer than the series", "DataError: too short"),
    ("windows-by-hand", "Windows(...) built by hand with y_test of the wrong length",
     "DataError naming the field and the shape it should have"),
    ("windows-window-number", "denormalise(..., window=10**6)",
     "DataError: window numbers must lie in 0 .. N-1"),
    ("model-seed-global", "build_model(seed=7) in a program that seeded random and numpy",
     "the global generators are untouched; the same seed gives the same weights"),
    ("model-path-not-a-name", "lx.model.load(None) and load(b'm.keras')",
     "ModelError saying what a path must be"),
    ("forecast-nan-window", "windows with a NaN in window 3",
     "DataError naming window 3, the timestep and the feature"),
    ("forecast-empty", "0 windows, or windows of 0 timesteps",
     "DataError: x holds no windows / no timesteps"),
    ("forecast-prediction-len-zero", "prediction_len=0",
     "DataError: prediction_len must be a whole number >= 1"),
    ("forecast-ar-order", "linear_ar with order 0, 51, 2.5 or True on 50-step windows",
     "DataError: order must be a whole number between 1 and the window length"),
    ("forecast-ar-few-windows", "linear_ar of order 50 fitted on 30 windows",
     "DataError: 51 unknowns need at least 51 training windows"),
    ("forecast-ar-short-windows", "an AR of order 50 forecasting from 10-step windows",
     "DataError: it reads the last 50 values of a window"),
    ("trace-empty-steps", "trace_forecast(steps=slice(5, 5))",
     "DataError: the slice selects no forecast step"),
    ("trace-p0-zero", "trace_forecast with a p0 of 0 in window 3",
     "DataError naming window 3: p0 must be positive"),
]


def _write(folder, text, name="hostile.csv"):
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def _refused(folder, text, match, **kwargs):
    with pytest.raises(DataError, match=match):
        lx.data.load_csv(_write(folder, text), **kwargs)


def csv_newest_first(tmp):
    text = "Date,Close\n2020-01-03,3\n2020-01-02,2\n"
    _refused(tmp, text, r"line 3 has the date 2020-01-02, before 2020-01-03 on line 2")
    assert lx.data.load_csv(_write(tmp, text), sort=True).values.tolist() == [2.0, 3.0]


def csv_repeated_date(tmp):
    text = "Date,Close\n2020-01-02,1\n2020-01-03,2\n2020-01-02,3\n"
    _refused(tmp, text, r"line 4 has the date 2020-01-02, before 2020-01-03 on line 3")
    _refused(tmp, text, r"lines 2 and 4 both have the date 2020-01-02", sort=True)


def csv_intraday(tmp):
    text = "Date,Close\n2020-01-02 09:30,1\n2020-01-02 09:31,2\n"
    _refused(tmp, text, r"lines 2 and 3 both have the date 2020-01-02.*keep one per day")


def csv_two_date_columns(tmp):
    _refused(tmp, "Date,date,Close\n2020-01-02,2020-01-02,1\n", r"2 date columns")


def csv_repeated_column(tmp):
    _refused(tmp, "Date,Close,Close\n2020-01-02,1,2\n", r"two columns 'Close' \(columns 2 and 3\)")


def csv_close_in_two_cases(tmp):
    _refused(tmp, "Date,CLOSE,close\n2020-01-02,1,2\n", "several columns match 'Close'")


def csv_any_case(tmp):
    s = lx.data.load_csv(_write(tmp, " DATE ,close\n2020-01-02,1.5\n2020-01-03,2\n"))
    assert s.values.tolist() == [1.5, 2.0] and str(s.dates[1]) == "2020-01-03"


def csv_whitespace_only(tmp):
    _refused(tmp, "  \n\t\n   \n", "the file is empty")


def csv_value_with_space(tmp):
    _refused(tmp, "1 234.5\n2\n", r"line 1 holds '1 234.5', which is not a number")


def csv_nan(tmp):
    _refused(tmp, "1\n2\nnan\ninf\n", r"line 3 holds 'nan'.*NaN and infinite")


def csv_formula(tmp):
    _refused(tmp, '1\n=HYPERLINK("http://x")\n', r"line 2 holds .*which is not a number")


def csv_too_big(tmp):
    _refused(tmp, "1.5\n" * 1000, r"holds 4,000 bytes, more than max_bytes=1,000", max_bytes=1000)


def csv_utf16(tmp):
    _refused(tmp, "Date,Close\n2020-01-02,1\n".encode("utf-16"), r"line 1 is not UTF-8 text")


def csv_huge_field(tmp):
    _refused(tmp, "1\n" + "9" * 200_000 + "\n", r"line 2 cannot be read as CSV")


def csv_nul(tmp):
    _refused(tmp, "1\n2\x003\n", r"line 2 holds '2\\x003', which is not a number")


def csv_odd_line_breaks(tmp):
    _refused(tmp, "1\n2\x0b3\x0c4\u20285\nx\n", r"line 6 holds 'x'")


def csv_quoted(tmp):
    plain = lx.data.load_csv(_write(tmp, "Date,Close\n2020-01-02,1.25\n2020-01-03,2\n"))
    text = '\ufeff"Date","Close"\r\n"2020-01-02","1.25"\r\n"2020-01-03","2"\r\n'
    quoted = lx.data.load_csv(_write(tmp, text, "quoted.csv"))
    assert quoted.values.tolist() == plain.values.tolist()
    assert np.array_equal(quoted.dates, plain.dates)


def csv_bad_dates(tmp):
    for day in ("today", "NaT", "2021-02-30"):
        _refused(tmp, f"Date,Close\n{day},1\n", rf"line 2 has date '{day}'; expected YYYY-MM-DD")


def csv_header_only(tmp):
    _refused(tmp, "Date,Close\n", "no data rows")


def csv_path_not_a_name(tmp):
    for path in (None, b"prices.csv"):
        with pytest.raises(DataError, match="the CSV file must be a file name"):
            lx.data.load_csv(path)
    with pytest.raises(DataError, match="is a folder"):
        lx.data.load_csv(tmp)


def windows_numpy_fraction(tmp):
    w = lx.data.make_windows(np.linspace(1, 2, 61), seq_len=10, train_fraction=np.float32(0.5))
    assert (len(w.x_train), len(w.x_test)) == (26, 25)


def windows_not_numbers(tmp):
    for values in (["a", "b"], [[1.0], [1.0, 2.0]], np.ones(60) * 1j):
        with pytest.raises(DataError, match="values must be a Series or a 1-D array of numbers"):
            lx.data.make_windows(values)


def windows_seq_len_bool(tmp):
    with pytest.raises(DataError, match="seq_len must be a whole number"):
        lx.data.make_windows(np.linspace(1, 2, 60), seq_len=True)


def windows_too_long(tmp):
    with pytest.raises(DataError, match="60 values: too short for windows of 100"):
        lx.data.make_windows(np.linspace(1, 2, 60), seq_len=100)


def windows_by_hand(tmp):
    w = lx.data.make_windows(np.linspace(1, 2, 60), seq_len=5)
    fields = {k: getattr(w, k) for k in w.__dataclass_fields__}
    fields["y_test"] = fields["y_test"][:-1]
    with pytest.raises(DataError, match=r"y_test has shape \(4,\), not \(5,\) like x_test"):
        lx.data.Windows(**fields)


def windows_window_number(tmp):
    w = lx.data.make_windows(np.linspace(1, 2, 60), seq_len=5, normalise=True)
    with pytest.raises(DataError, match=r"window must be window numbers in 0 .. 4"):
        w.denormalise(w.y_test, window=10**6)


def model_seed_global(tmp):
    random.seed(1)
    np.random.seed(1)  # noqa: NPY002  (the global generator is what is tested)
    py, npy = random.random(), np.random.random()  # noqa: NPY002
    random.seed(1)
    np.random.seed(1)  # noqa: NPY002
    a = lx.model.build_model((1, 3, 1), seed=7).get_weights()
    assert (random.random(), np.random.random()) == (py, npy)  # noqa: NPY002
    b = lx.model.build_model((1, 3, 1), seed=7).get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def model_path_not_a_name(tmp):
    for path in (None, b"m.keras"):
        with pytest.raises(ModelError, match="the model file must be a file name"):
            lx.model.load(path)


def forecast_nan_window(tmp, model):
    x = np.zeros((6, 50, 1))
    x[3, 9, 0] = np.nan
    with pytest.raises(DataError, match=r"window 3 of x holds NaN at timestep 9 \(feature 0\)"):
        lx.forecast.point_by_point(model, x)


def forecast_empty(tmp, model):
    with pytest.raises(DataError, match="x holds no windows"):
        lx.forecast.full_sequence(model, np.zeros((0, 50, 1)))
    with pytest.raises(DataError, match="x holds no timesteps"):
        lx.forecast.multi_sequence(model, np.zeros((5, 0, 1)), 1)


def forecast_prediction_len_zero(tmp, model):
    with pytest.raises(DataError, match="prediction_len must be a whole number >= 1, not 0"):
        lx.forecast.multi_sequence(model, np.zeros((5, 50, 1)), prediction_len=0)
    with pytest.raises(DataError, match="prediction_len must be a whole number >= 1, not 0"):
        lx.forecast.persistence(np.zeros((5, 50, 1)), prediction_len=0)


def forecast_ar_order(tmp):
    w = lx.data.make_windows(lx.data.sine_wave().values[:400], 50)
    for order in (0, 51):
        with pytest.raises(DataError, match=f"between 1 and the window length 50, not {order}"):
            lx.forecast.linear_ar(w.x_train, w.y_train, order=order)
    for order in (2.5, True):
        with pytest.raises(DataError, match=r"order must be a whole number of lags \(1 \.\. 50\)"):
            lx.forecast.linear_ar(w.x_train, w.y_train, order=order)


def forecast_ar_few_windows(tmp):
    w = lx.data.make_windows(lx.data.sine_wave().values[:81], 50, train_fraction=0.97)
    with pytest.raises(DataError, match=r"needs at least 51 training windows; got 30"):
        lx.forecast.linear_ar(w.x_train, w.y_train)


def forecast_ar_short_windows(tmp):
    w = lx.data.make_windows(lx.data.sine_wave().values[:400], 50)
    ar = lx.forecast.linear_ar(w.x_train, w.y_train)
    with pytest.raises(DataError, match=r"reads the last 50 values .* only 10 timesteps"):
        lx.forecast.full_sequence(ar, w.x_test[:, -10:])


def trace_empty_steps(tmp, model):
    w = lx.data.make_windows(lx.data.sine_wave().values[:400], 50)
    with pytest.raises(DataError, match=r"steps=slice\(5, 5, None\) selects no forecast step"):
        lx.trace_forecast(model, mode="multi", windows=w, prediction_len=10, steps=slice(5, 5))


def trace_p0_zero(tmp, model):
    p0 = np.ones(10)
    p0[3] = 0.0
    with pytest.raises(DataError, match=r"p0\[3\] \(window 3\) is 0.0"):
        lx.trace_forecast(model, np.zeros((10, 50, 1)), mode="point", p0=p0)


CASES = {row[0]: globals()[row[0].replace("-", "_")] for row in HOSTILE}
NEEDS_MODEL = {"forecast-nan-window", "forecast-empty", "forecast-prediction-len-zero",
               "trace-empty-steps", "trace-p0-zero"}


def test_every_case_function_is_in_the_table():
    prefixes = ("csv_", "windows_", "model_", "forecast_", "trace_")
    defined = {name for name, fn in globals().items() if callable(fn) and name.startswith(prefixes)}
    assert defined == {fn.__name__ for fn in CASES.values()}


@pytest.mark.parametrize("case", [row[0] for row in HOSTILE])
def test_hostile_data(case, tmp_path, request):
    if case in NEEDS_MODEL:
        CASES[case](tmp_path, request.getfixturevalue("sine_model"))
    else:
        CASES[case](tmp_path)
