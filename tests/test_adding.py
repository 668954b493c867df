"""Tests for lstm_explained.adding: the adding problem's sequences, marks and targets."""

from __future__ import annotations

import numpy as np
import pytest

import lstm_explained as lx
from lstm_explained.adding import MEAN_PREDICTOR_MSE, adding_problem, marked_steps, running_sum
from lstm_explained.errors import DataError


@pytest.mark.parametrize("length", [2, 3, 7, 100])
def test_shapes_dtypes_and_two_marks_one_in_each_half(length):
    x, y = adding_problem(300, length=length, seed=3)
    assert x.shape == (300, length, 2) and x.dtype == np.float32
    assert y.shape == (300,) and y.dtype == np.float32
    assert set(np.unique(x[..., 1]).tolist()) <= {0.0, 1.0}
    assert (x[..., 1].sum(axis=1) == 2).all()
    marks = marked_steps(x)
    assert marks.shape == (300, 2) and marks.dtype == np.int64
    assert (marks[:, 0] < length // 2).all() and (marks[:, 1] >= length // 2).all()
    assert ((x[..., 0] >= 0) & (x[..., 0] < 1)).all()


def test_the_target_is_the_sum_of_the_two_marked_values():
    x, y = adding_problem(500, length=40, seed=0)
    rows = np.arange(500)
    marks = marked_steps(x)
    np.testing.assert_array_equal(y, x[rows, marks[:, 0], 0] + x[rows, marks[:, 1], 0])
    np.testing.assert_allclose(running_sum(x)[:, -1], y, rtol=1e-6)
    # the running sum steps up at the marks and nowhere else
    steps = np.diff(running_sum(x), axis=1, prepend=0.0)
    assert ((steps != 0) <= (x[..., 1] == 1)).all()


def test_marks_are_spread_over_each_half():
    marks = marked_steps(adding_problem(4000, length=10, seed=1)[0])
    assert sorted(np.unique(marks[:, 0]).tolist()) == [0, 1, 2, 3, 4]
    assert sorted(np.unique(marks[:, 1]).tolist()) == [5, 6, 7, 8, 9]


def test_the_mean_predictor_scores_one_sixth():
    _, y = adding_problem(200_000, length=4, seed=2)
    assert float(np.mean((y - 1.0) ** 2)) == pytest.approx(MEAN_PREDICTOR_MSE, rel=0.01)


def test_deterministic_for_a_seed_and_different_across_seeds():
    a, ya = adding_problem(20, length=30, seed=7)
    b, yb = adding_problem(20, length=30, seed=7)
    c, _ = adding_problem(20, length=30, seed=8)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a, c)
    assert np.array_equal(adding_problem(20, 30, np.int64(7))[0], a)


def test_reexported_from_data():
    assert lx.data.adding_problem is adding_problem
    assert lx.data.marked_steps is marked_steps


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0}, "n must be a whole number >= 1"),
        ({"n": 2.0}, "n must be a whole number >= 1"),
        ({"n": True}, "n must be a whole number"),
        ({"n": 3, "length": 1}, "length must be a whole number >= 2"),
        ({"n": 3, "length": "100"}, "length must be a whole number"),
        ({"n": 3, "seed": -1}, "seed must be a whole number >= 0"),
        ({"n": 3, "seed": None}, "seed must be a whole number"),
    ],
)
def test_bad_arguments_give_one_clear_data_error(kwargs, match):
    with pytest.raises(DataError, match=match):
        adding_problem(**kwargs)


def test_marked_steps_refuses_what_is_not_adding_sequences():
    with pytest.raises(DataError, match=r"shaped \(n, length, 2\)"):
        marked_steps(np.zeros((3, 5)))
    x, _ = adding_problem(3, length=6)
    x[1, :, 1] = 0
    with pytest.raises(DataError, match="sequence 1 has 0 marked steps"):
        marked_steps(x)
    with pytest.raises(DataError, match=r"shaped \(n, length, 2\)"):
        running_sum(np.zeros((3, 5, 1)))
