"""The seed's model in Keras 3: build, train reproducibly, load the shipped pretrained ones.

The seed stacks ``[1, 50, 100, 1]``: one input feature, an LSTM of 50 units that returns
its whole sequence, an LSTM of 100 units that returns its last step, and one linear
output, with dropout 0.2 after each LSTM, trained on mean squared error with RMSprop.
Keras is imported only when one of these functions runs.

Example
-------
>>> import lstm_explained as lx
>>> model = lx.model.load_pretrained("sine")
>>> [layer.__class__.__name__ for layer in model.layers]
['LSTM', 'Dropout', 'LSTM', 'Dropout', 'Dense']
"""

from __future__ import annotations

import json
import numbers
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lstm_explained._files import as_path
from lstm_explained._keras import keras
from lstm_explained.data import Windows, _resource
from lstm_explained.errors import DataError, ModelError, OutputError

#: Names accepted by :func:`load_pretrained`: the seed's two forecasters, the adding
#: problem's LSTM and its plain-RNN twin (see :mod:`lstm_explained.adding`), and the GRU
#: twins of the sine forecaster and the adding LSTM.
PRETRAINED = ("sine", "sp500", "adding", "adding-rnn", "adding-gru", "sine-gru")

#: The recurrent cells :func:`build_model` stacks: ``cell`` -> Keras layer class.
CELLS = {"lstm": "LSTM", "gru": "GRU"}

#: The datasets :func:`train_recipe` can retrain (the seed model's): the first two.
SEED_DATASETS = PRETRAINED[:2]


def build_model(
    layers: Sequence[int] = (1, 50, 100, 1),
    dropout: float = 0.2,
    seq_len: int | None = None,
    seed: int | None = 0,
    cell: str = "lstm",
) -> Any:
    """Build and compile the seed's LSTM stack (or the same stack of GRU layers).

    Parameters
    ----------
    layers
        ``(features, lstm_units..., outputs)``; the seed's ``(1, 50, 100, 1)``.
        Every LSTM but the last returns its whole sequence.
    dropout
        dropout rate after each LSTM (active only while training).
    seq_len
        fixed window length, or None to accept windows of any length.
    seed
        seeds this model alone, through seeded initialisers and dropout layers:
        the same seed gives the same weights (and dropout masks), and the global
        generators of Python, numpy and TensorFlow are left as they were. None: not
        reproducible.
    cell
        ``"lstm"`` (the seed's) or ``"gru"``: the recurrent layers, each named
        ``<cell>_<n>``; the rest of the stack is the same.

    Returns
    -------
    keras.Sequential
        A compiled ``keras.Sequential`` (loss ``mse``, optimiser ``rmsprop``).

    Example
    -------
    >>> build_model((1, 8, 1)).count_params()
    329
    >>> build_model((1, 8, 1), cell="gru").count_params()  # 3 blocks of 2 biases, not 4 of 1
    273
    """
    layers = _check_build(layers, dropout, seq_len, seed)
    if cell not in CELLS:
        raise ModelError(f"cell must be one of {list(CELLS)}, not {cell!r}.")
    k = keras()
    lstm_units = layers[1:-1]
    seeds = iter(_seeds(seed, 4 * len(lstm_units) + 1))
    stack: list[Any] = [k.Input(shape=(seq_len, layers[0]), name="window")]
    for n, units in enumerate(lstm_units, start=1):
        stack.append(
            getattr(k.layers, CELLS[cell])(
                units,
                return_sequences=n < len(lstm_units),
                kernel_initializer=k.initializers.GlorotUniform(seed=next(seeds)),
                recurrent_initializer=k.initializers.Orthogonal(seed=next(seeds)),
                seed=next(seeds),
                name=f"{cell}_{n}",
            )
        )
        stack.append(k.layers.Dropout(dropout, seed=next(seeds), name=f"dropout_{n}"))
    stack.append(
        k.layers.Dense(
            layers[-1],
            activation="linear",
            kernel_initializer=k.initializers.GlorotUniform(seed=next(seeds)),
            name="dense",
        )
    )
    model = k.Sequential(stack, name=f"seed_{cell}_" + "_".join(str(n) for n in layers))
    model.compile(loss="mse", optimizer="rmsprop")
    return model


def _seeds(seed: int | None, n: int) -> list[int | None]:
    """``n`` seeds drawn from ``seed`` by a generator of its own (never the global ones)."""
    if seed is None:
        return [None] * n
    return [int(s) for s in np.random.default_rng(seed).integers(1, 2**31 - 1, size=n)]


def _check_build(layers: Any, dropout: Any, seq_len: Any, seed: Any) -> tuple[int, ...]:
    """The layer sizes as ints, or a clear error for any bad argument of build_model."""
    try:
        sizes = tuple(layers)
    except TypeError:
        sizes = ()
    if len(sizes) < 3 or any(not _whole(n) for n in sizes):
        raise ModelError(
            f"layers must be (features, lstm_units..., outputs) with at least one LSTM and "
            f"positive whole numbers, e.g. (1, 50, 100, 1); got {layers!r}."
        )
    if not (_real(dropout) and 0.0 <= dropout < 1.0):
        raise ModelError(f"dropout must be a number in [0, 1), not {dropout!r}.")
    if seq_len is not None and not _whole(seq_len):
        raise ModelError(f"seq_len must be a whole number >= 1 or None, not {seq_len!r}.")
    if seed is not None and not _whole(seed, minimum=0):
        raise ModelError(f"seed must be a whole number >= 0 or None, not {seed!r}.")
    return tuple(int(n) for n in sizes)


def _whole(n: object, minimum: int = 1) -> bool:
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= minimum


def _real(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def train(
    model: Any,
    windows: Windows,
    epochs: int = 1,
    batch_size: int = 512,
    validation_split: float = 0.05,
    seed: int = 0,
    verbose: int | str = "auto",
) -> Any:
    """Fit ``model`` on the training windows, as the seed did, reproducibly.

    On purpose, this seeds the *global* generators of Python, numpy and TensorFlow
    (``keras.utils.set_random_seed``) and turns on TensorFlow's deterministic ops for the
    rest of the process, so the same seed, model and data give the same weights (the
    shuffling of ``model.fit`` draws from them). Code that relies on those generators
    after training sees them reseeded. Keras' progress bar shows progress.

    Parameters
    ----------
    model
        a compiled Keras model (see :func:`build_model`).
    windows
        from :func:`lstm_explained.data.make_windows`.
    epochs, batch_size, validation_split
        as in ``model.fit`` (the seed's values).
    seed
        the global random seed, for the shuffling of the training windows (and the
        dropout of models built without a seed).
    verbose
        Keras verbosity (``"auto"`` shows a progress bar; 0 is silent).

    Returns
    -------
    keras.callbacks.History
        The Keras ``History`` of the fit.
    """
    _check_train(model, windows, epochs, batch_size, validation_split, seed)
    k = keras()
    import tensorflow as tf

    k.utils.set_random_seed(int(seed))
    tf.config.experimental.enable_op_determinism()
    return model.fit(
        windows.x_train.astype("float32"),
        windows.y_train.astype("float32"),
        batch_size=int(batch_size),
        epochs=int(epochs),
        validation_split=float(validation_split),
        verbose=verbose,
    )


def _check_train(
    model: Any, windows: Any, epochs: Any, batch_size: Any, validation_split: Any, seed: Any
) -> None:
    """A clear error for any bad argument of :func:`train`, before Keras sees it."""
    if not isinstance(windows, Windows):
        raise DataError("windows must come from lstm_explained.data.make_windows(...).")
    if not callable(getattr(model, "fit", None)) or not getattr(model, "inputs", None):
        raise ModelError(f"model must be a built Keras model (see build_model), not {model!r}.")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if not _whole(value):
            raise ModelError(f"{name} must be a whole number >= 1, not {value!r}.")
    if not (_real(validation_split) and 0.0 <= validation_split < 1.0):
        raise ModelError(f"validation_split must be a number in [0, 1), not {validation_split!r}.")
    if not _whole(seed, minimum=0):
        raise ModelError(f"seed must be a whole number >= 0, not {seed!r}.")
    want = tuple(model.inputs[0].shape[1:])
    have = windows.x_train.shape[1:]
    if len(want) != 2 or any(w is not None and w != h for w, h in zip(want, have, strict=True)):
        raise DataError(
            f"the model takes windows shaped (N, {want[0]}, {want[-1]}) but these are "
            f"(N, {have[0]}, {have[1]}); build the model with layers=({have[1]}, ...) "
            f"and seq_len=None or {have[0]}."
        )


def load(path: str | Path) -> Any:
    """Load a Keras model from a ``.keras`` file, in safe mode, with a clear error.

    Example
    -------
    >>> load("no/such/model.keras")
    Traceback (most recent call last):
    ...
    lstm_explained.errors.ModelError: no/such/model.keras: no such file. ...
    """
    try:
        path = as_path(path, "model file")
    except OutputError as exc:
        raise ModelError(str(exc)) from None
    if not path.is_file():
        raise ModelError(f"{path}: no such file. Give the path of a saved .keras model.")
    if path.suffix != ".keras" or not zipfile.is_zipfile(path):
        raise ModelError(
            f"{path}: not a Keras 3 '.keras' model file. Save models with model.save('name.keras')."
        )
    k = keras()
    try:
        return k.saving.load_model(path, safe_mode=True)
    except Exception as exc:  # Keras raises many kinds here: corrupt zip, bad config, ...
        raise ModelError(
            f"{path}: the model could not be loaded ({type(exc).__name__}: {exc})."
        ) from None


def pretrained_info() -> dict[str, Any]:
    """How the shipped models were trained and how well they forecast (from their script).

    Example
    -------
    >>> list(pretrained_info())
    ['sine', 'sp500', 'adding', 'adding-rnn', 'adding-gru', 'sine-gru']
    >>> info = pretrained_info()["adding"]
    >>> info["layer"], info["units"], info["length"]
    ('LSTM', 32, 100)
    >>> bool(info["test_mse"] <= 0.01 < pretrained_info()["adding-rnn"]["test_mse"])
    True
    """
    return json.loads(_resource("pretrained.json").read_text())


#: The seed notebook's own training settings (one epoch at batch size 512).
SEED_RECIPE = {"epochs": 1, "batch_size": 512}


def train_recipe(
    name: str, windows: Windows, recipe: str = "shipped", verbose: int | str = "auto"
) -> Any:
    """Build and train the seed model for a dataset, as the shipped one was, or as the seed did.

    Parameters
    ----------
    name
        ``"sine"`` or ``"sp500"``: whose recipe (see :func:`pretrained_info`).
    windows
        the windows to train on (from :func:`lstm_explained.data.make_windows`).
    recipe
        ``"shipped"`` (the pretrained model's epochs and batch size) or ``"seed"``
        (the seed notebook's one epoch at batch size 512).
    verbose
        Keras verbosity (a progress bar by default).

    Returns
    -------
    keras.Sequential
        The trained model.

    Example
    -------
    >>> w = lx.data.make_windows(lx.data.sine_wave(), 50)      # doctest: +SKIP
    >>> model = train_recipe("sine", w, recipe="seed")           # doctest: +SKIP
    """
    if name not in SEED_DATASETS:
        hint = " (its models are made by data/train_adding.py)" if name in PRETRAINED else ""
        raise ModelError(
            f"unknown dataset {name!r}{hint}; train_recipe retrains the seed model for one "
            f"of {list(SEED_DATASETS)}."
        )
    if recipe not in ("shipped", "seed"):
        raise ModelError(f"recipe must be 'shipped' or 'seed', not {recipe!r}.")
    info = pretrained_info()[name]
    settings = (
        {"epochs": info["epochs"], "batch_size": info["batch_size"]}
        if recipe == "shipped"
        else SEED_RECIPE
    )
    model = build_model(layers=info["layers"], seed=info["seed"])
    train(
        model,
        windows,
        validation_split=info["validation_split"],
        seed=info["seed"],
        verbose=verbose,
        **settings,
    )
    return model


def load_pretrained(name: str) -> Any:
    """Load a pretrained model shipped in the package.

    ``"sine"`` and ``"sp500"`` are the seed's [1, 50, 100, 1] forecasters, made by
    ``data/train_pretrained.py``; ``"adding"`` (``LSTM(32) + Dense(1)``) and
    ``"adding-rnn"`` (``SimpleRNN(32) + Dense(1)``, trained the same way) solve, and fail
    to solve, the adding problem (:mod:`lstm_explained.adding`), made by
    ``data/train_adding.py``, which also trains ``"adding-gru"`` (``GRU(32) + Dense(1)``)
    the same way; ``"sine-gru"`` is the sine forecaster's stack of GRU layers with its
    recipe (``data/train_pretrained.py --cell gru``). How each was trained and how well it does:
    :func:`pretrained_info` (see ``data/README.md``).

    Raises
    ------
    ModelError
        for any other name.

    Example
    -------
    >>> [type(layer).__name__ for layer in load_pretrained("adding").layers]
    ['LSTM', 'Dense']
    """
    if name not in PRETRAINED:
        raise ModelError(f"unknown pretrained model {name!r}; choose one of {list(PRETRAINED)}.")
    return load(_resource(f"{name}.keras"))


def untrained_copy(model: Any, seed: int = 0) -> Any:
    """The same architecture with fresh initial weights: the control for a claim about
    what training did (whatever an untrained copy also shows, training did not cause).

    Parameters
    ----------
    model : keras.Model
        Any Keras model.
    seed : int
        Seed of the initialisers (``keras.utils.set_random_seed``): the same seed gives
        the same weights.

    Returns
    -------
    keras.Model
        A new, untrained model; ``model`` is not changed.

    Example
    -------
    >>> import numpy as np
    >>> m = load_pretrained("sine")
    >>> u = untrained_copy(m)
    >>> [w.shape for w in u.get_weights()] == [w.shape for w in m.get_weights()]
    True
    >>> bool(np.array_equal(u.get_weights()[0], untrained_copy(m).get_weights()[0]))
    True
    """
    k = keras()
    if not isinstance(model, k.Model):
        raise ModelError(f"expected a Keras model, got {type(model).__name__}.")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ModelError(f"seed must be a whole number >= 0, not {seed!r}.")
    k.utils.set_random_seed(int(seed))
    return k.models.clone_model(model)
