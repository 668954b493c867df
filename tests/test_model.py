"""Tests for lstm_explained.model: the seed stack, reproducible training, pretrained models."""

from __future__ import annotations

import numpy as np
import pytest

import lstm_explained as lx
from lstm_explained.errors import DataError, ModelError
from lstm_explained.model import build_model, load, load_pretrained, pretrained_info, train


def test_build_model_is_the_seed_stack():
    model = build_model()
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["LSTM", "Dropout", "LSTM", "Dropout", "Dense"]
    l1, d1, l2, d2, dense = model.layers
    assert (l1.units, l1.return_sequences, l2.units, l2.return_sequences) == (50, True, 100, False)
    assert d1.rate == d2.rate == 0.2
    assert dense.units == 1 and dense.activation.__name__ == "linear"
    assert model.loss == "mse" and type(model.optimizer).__name__ == "RMSprop"
    assert model.count_params() == 4 * 50 * (1 + 50 + 1) + 4 * 100 * (50 + 100 + 1) + 101


def test_build_model_gru_is_the_same_stack_of_gru_layers():
    model = build_model(cell="gru")
    assert [type(layer).__name__ for layer in model.layers] == [
        "GRU", "Dropout", "GRU", "Dropout", "Dense"]
    g1, _, g2, _, _ = model.layers
    assert (g1.name, g1.units, g1.return_sequences) == ("gru_1", 50, True)
    assert (g2.name, g2.units, g2.return_sequences) == ("gru_2", 100, False)
    assert g1.reset_after and model.name == "seed_gru_1_50_100_1"
    # three blocks (z, r, h~), each with an input and a recurrent bias (reset_after=True)
    assert model.count_params() == 3 * 50 * (1 + 50 + 2) + 3 * 100 * (50 + 100 + 2) + 101
    with pytest.raises(ModelError, match="cell must be one of \\['lstm', 'gru'\\], not 'rnn'"):
        build_model(cell="rnn")


def test_build_model_other_stacks():
    model = build_model((2, 3, 4, 5, 1), dropout=0.0)
    lstms = [layer for layer in model.layers if type(layer).__name__ == "LSTM"]
    assert [layer.units for layer in lstms] == [3, 4, 5]
    assert [layer.return_sequences for layer in lstms] == [True, True, False]


@pytest.mark.parametrize("layers", [(1, 1), (1, 0, 1), (1, 2.5, 1), (), 5, (1, True, 1)])
def test_build_model_bad_layers(layers):
    with pytest.raises(ModelError, match="layers must be"):
        build_model(layers)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dropout": 1.0}, "dropout"),
        ({"dropout": "0.2"}, "dropout must be a number"),
        ({"seq_len": True}, "seq_len must be"),
        ({"seq_len": 0}, "seq_len must be"),
        ({"seed": 1.5}, "seed must be"),
        ({"seed": True}, "seed must be"),
        ({"seed": -1}, "seed must be"),
    ],
)
def test_build_model_bad_arguments(kwargs, match):
    with pytest.raises(ModelError, match=match):
        build_model((1, 4, 1), **kwargs)


def _weights(model):
    return [w.copy() for w in model.get_weights()]


def test_build_model_seeds_the_model_alone():
    """The same seed gives the same weights, and the global generators are left alone."""
    import random

    random.seed(123)
    np.random.seed(123)  # noqa: NPY002  (the global generator is what is tested)
    py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    a = _weights(build_model((1, 4, 4, 1), seed=7))
    assert random.getstate() == py_state
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == np_state[0] and np.array_equal(after[1], np_state[1])
    assert after[2:] == np_state[2:]
    b = _weights(build_model((1, 4, 4, 1), seed=np.int64(7)))
    c = _weights(build_model((1, 4, 4, 1), seed=8))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.allclose(a[0], c[0])
    # each layer draws its own seed: the two (4, 16) recurrent kernels differ
    assert a[1].shape == a[4].shape and not np.allclose(a[1], a[4])
    # no seed: two models differ
    d, e = _weights(build_model((1, 4, 1), seed=None)), _weights(build_model((1, 4, 1), seed=None))
    assert not np.allclose(d[0], e[0])


def _tiny_windows():
    return lx.data.make_windows(lx.data.sine_wave().values[:400], seq_len=10)


def test_train_is_reproducible_for_a_seed():
    w = _tiny_windows()

    def weights(seed):
        model = build_model((1, 4, 1), seed=seed)
        history = train(model, w, epochs=2, batch_size=64, seed=seed, verbose=0)
        assert len(history.history["loss"]) == 2
        return np.concatenate([a.ravel() for a in model.get_weights()])

    a, b, c = weights(0), weights(0), weights(1)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_train_bad_arguments():
    model = build_model((1, 4, 1))
    with pytest.raises(DataError, match="make_windows"):
        train(model, np.zeros((5, 10, 1)))
    with pytest.raises(ModelError, match="epochs"):
        train(model, _tiny_windows(), epochs=0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 0}, "batch_size must be"),
        ({"batch_size": 2.5}, "batch_size must be"),
        ({"validation_split": 1.0}, "validation_split"),
        ({"seed": 1.5}, "seed must be"),
        ({"epochs": True}, "epochs must be"),
    ],
)
def test_train_bad_settings(kwargs, match):
    with pytest.raises(ModelError, match=match):
        train(build_model((1, 4, 1)), _tiny_windows(), **kwargs)


def test_train_refuses_what_the_model_cannot_take():
    w = _tiny_windows()
    with pytest.raises(ModelError, match="model must be a built Keras model"):
        train("model", w)
    with pytest.raises(DataError, match=r"takes windows shaped \(N, None, 2\)"):
        train(build_model((2, 4, 1)), w)
    with pytest.raises(DataError, match=r"takes windows shaped \(N, 20, 1\).*\(N, 10, 1\)"):
        train(build_model((1, 4, 1), seq_len=20), w)


def test_pretrained_models_load(sine_model, sp500_model):
    for model in (sine_model, sp500_model):
        assert [type(layer).__name__ for layer in model.layers] == [
            "LSTM",
            "Dropout",
            "LSTM",
            "Dropout",
            "Dense",
        ]
    with pytest.raises(ModelError, match="unknown pretrained model 'gru'"):
        load_pretrained("gru")


@pytest.mark.parametrize("name", ["sine", "sp500", "sine-gru"])
def test_pretrained_scores_are_what_the_model_does(name, sine_model, sp500_model):
    """pretrained.json's figures are recomputed here, so they cannot go stale."""
    model = {"sine": sine_model, "sp500": sp500_model}.get(name) or load_pretrained(name)
    info = pretrained_info()[name]
    series = lx.data.load_sp500() if info["dataset"] == "sp500" else lx.data.sine_wave()
    w = lx.data.make_windows(series, info["seq_len"], normalise=info["normalise"])
    point = lx.forecast.point_by_point(model, w.x_test)
    multi = lx.forecast.multi_sequence(model, w.x_test, 50)
    point_mse = np.mean((point - w.y_test) ** 2)
    starts = np.repeat(np.arange(0, multi.size, 50), 50)
    multi_mse = np.mean((multi.ravel() - w.to_window_units(w.y_test[: multi.size], starts)) ** 2)
    assert point_mse == pytest.approx(info["test_scores"]["point_mse"], rel=1e-3)
    assert multi_mse == pytest.approx(info["test_scores"]["multi_mse"], rel=1e-3)
    # at least as good as the seed's own recipe (one epoch), trained by the same script
    assert point_mse <= info["seed_recipe_test_scores"]["point_mse"]


def test_pretrained_adding_models_score_what_pretrained_json_says(adding_model, adding_test_set):
    """The LSTM solves the adding problem, the same-size SimpleRNN trained the same way does
    not: their test MSE is recomputed on the training script's test set, and must agree with
    pretrained.json's figures."""
    x, y = adding_test_set
    info = pretrained_info()
    rnn_model = load_pretrained("adding-rnn")
    gru_model = load_pretrained("adding-gru")
    assert [type(layer).__name__ for layer in adding_model.layers] == ["LSTM", "Dense"]
    assert [type(layer).__name__ for layer in rnn_model.layers] == ["SimpleRNN", "Dense"]
    scores = {}
    for name, model in (("adding", adding_model), ("adding-rnn", rnn_model),
                        ("adding-gru", gru_model)):
        pred = np.asarray(model.predict(x, batch_size=500, verbose=0), dtype=np.float64)[:, 0]
        scores[name] = float(np.mean((pred - y.astype(np.float64)) ** 2))
        assert scores[name] == pytest.approx(info[name]["test_mse"], abs=1e-6)
        assert info[name]["units"] == 32 and info[name]["length"] == x.shape[1]
    assert scores["adding"] <= 0.01 and scores["adding-gru"] <= 0.01
    assert scores["adding-rnn"] >= 5 * scores["adding"]
    mean = float(np.mean((y.astype(np.float64) - 1.0) ** 2))  # about 1/6
    assert scores["adding-rnn"] > 0.5 * mean  # barely better than guessing the mean
    assert info["adding"]["mean_predictor_test_mse"] == pytest.approx(mean, rel=0.05)
    # both trained the same way
    same = ("n_train", "train_seed", "epochs", "batch_size", "learning_rate", "clipnorm")
    assert all(info["adding"][k] == info["adding-rnn"][k] for k in same)


def test_pretrained_gru_twins_were_trained_as_the_lstms():
    """The GRU models: the LSTM's layers with GRU cells, and the LSTM's recipe, data and
    seeds (the scores are recomputed by the two tests above)."""
    info = pretrained_info()
    sine = load_pretrained("sine-gru")
    assert [type(layer).__name__ for layer in sine.layers] == [
        "GRU", "Dropout", "GRU", "Dropout", "Dense"]
    assert info["sine-gru"]["cell"] == "gru"
    same = ("normalise", "seq_len", "layers", "validation_split", "seed")
    assert all(info["sine-gru"][k] == info["sine"][k] for k in same)
    if info["sine-gru"]["epochs"] != 1:  # the shipped recipe unless the seed's did better
        assert (info["sine-gru"]["epochs"], info["sine-gru"]["batch_size"]) == (
            info["sine"]["epochs"], info["sine"]["batch_size"])
    adding = load_pretrained("adding-gru")
    assert [type(layer).__name__ for layer in adding.layers] == ["GRU", "Dense"]
    keys = set(info["adding"]) - {"layer", "train_seconds", "test_mse"}
    assert all(info["adding-gru"][k] == info["adding"][k] for k in keys)
    assert info["adding-gru"]["layer"] == "GRU" and info["adding-gru"]["train_seconds"] > 0


def test_pretrained_json_keeps_its_order():
    assert list(pretrained_info()) == [
        "sine", "sp500", "adding", "adding-rnn", "adding-gru", "sine-gru"]


def test_pretrained_sine_is_visibly_right(sine_model):
    w = lx.data.make_windows(lx.data.sine_wave(), 50)
    point = lx.forecast.point_by_point(sine_model, w.x_test)
    assert np.max(np.abs(point - w.y_test)) < 0.1  # the amplitude is 1
    multi = lx.forecast.multi_sequence(sine_model, w.x_test, 50)
    assert np.corrcoef(multi.ravel(), w.y_test[: multi.size])[0, 1] > 0.95


@pytest.mark.parametrize("path", [None, b"model.keras", 5])
def test_load_paths_that_are_not_file_names(path):
    with pytest.raises(ModelError, match="model file must be a file name"):
        load(path)


def test_load_bad_files(tmp_path):
    with pytest.raises(ModelError, match="no such file"):
        load(tmp_path / "missing.keras")
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(ModelError, match="not a Keras 3"):
        load(bad)
    import zipfile

    junk = tmp_path / "junk.keras"
    with zipfile.ZipFile(junk, "w") as z:
        z.writestr("config.json", "{broken")
    with pytest.raises(ModelError, match="could not be loaded"):
        load(junk)


def test_train_recipe_seed_and_errors():
    w = lx.data.make_windows(lx.data.sine_wave().values[:600], 50)
    model = lx.model.train_recipe("sine", w, recipe="seed", verbose=0)
    assert [type(layer).__name__ for layer in model.layers][0] == "LSTM"
    assert np.isfinite(lx.forecast.point_by_point(model, w.x_test)).all()
    with pytest.raises(ModelError, match="recipe must be"):
        lx.model.train_recipe("sine", w, recipe="fast")
    with pytest.raises(ModelError, match="unknown dataset"):
        lx.model.train_recipe("gold", w)
    with pytest.raises(ModelError, match="unknown dataset 'adding'.*train_adding.py"):
        lx.model.train_recipe("adding", w)


def test_first_build_in_a_process_leaves_the_generators_alone():
    """Importing TensorFlow draws from the global generators; build_model hides that too."""
    import subprocess
    import sys

    code = (
        "import random, numpy as np, lstm_explained as lx\n"
        "random.seed(5); np.random.seed(5); a = (random.random(), np.random.random())\n"
        "random.seed(5); np.random.seed(5)\n"
        "lx.model.build_model((1, 2, 1), seed=3)\n"
        "assert (random.random(), np.random.random()) == a, 'generators moved'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
