"""Train the two adding-problem models shipped in ``lstm_explained/resources/``.

Hochreiter & Schmidhuber's adding problem (see ``lstm_explained/adding.py``): sequences of
``LENGTH`` steps, each a value and a marker, the target the sum of the two marked values.
This trains ``LSTM(32) + Dense(1)`` and, the same way (same data, seeds, optimiser,
epochs and batches), ``SimpleRNN(32) + Dense(1)`` and ``GRU(32) + Dense(1)``; evaluates each
on a separate seeded test set next to the mean predictor; writes ``adding.keras``,
``adding-rnn.keras`` and ``adding-gru.keras`` and their entries of ``pretrained.json`` (the
other entries are read and written back unchanged). Nothing is downloaded. Each model is
seeded afresh before it is built, so ``--models adding-gru`` trains the GRU exactly as a
full run does and leaves the other two models and their entries as they are.

How the settings were chosen: the issue's measurement (length 100, 32 units, Adam 1e-2 with
clipnorm 1, 11 epochs of 10 000 sequences) was rerun here at batch size 32 (Keras'
default), and met the goal with a wide margin. A dry run at batch size 128 (a quarter of
the updates) left the mean predictor's plateau only in its last few epochs and ended about
an order of magnitude worse, so the default was kept. ``--epochs``, ``--batch-size``,
``--length`` and ``--dry-run`` (train and print, write nothing) are there to try others.
The script refuses to write models that miss the goal: LSTM and GRU test MSE <= 0.01 and
the RNN's at least 5x the LSTM's.

Run from the repository root (a few minutes on 2 cores; ``pretrained.json`` records each
model's training time)::

    python3 data/train_adding.py
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "lstm_explained" / "resources"

LENGTH = 100
UNITS = 32
N_TRAIN, TRAIN_SEED = 10_000, 0
N_TEST, TEST_SEED = 2_000, 1
MODEL_SEED = 0
EPOCHS = 11
BATCH_SIZE = 32
LEARNING_RATE = 1e-2
CLIPNORM = 1.0
#: name in pretrained.json -> Keras recurrent layer class
MODELS = {"adding": "LSTM", "adding-rnn": "SimpleRNN", "adding-gru": "GRU"}
#: Keras layer class -> the layer's name in the saved model
LAYER_NAMES = {"LSTM": "lstm", "SimpleRNN": "simple_rnn", "GRU": "gru"}
GOAL_MSE, GOAL_RATIO = 0.01, 5.0


def build(kind: str, length: int):
    """``<kind>(UNITS) + Dense(1)`` on (length, 2) inputs, seeded, compiled with Adam."""
    import keras

    layer = getattr(keras.layers, kind)
    seeds = [int(s) for s in np.random.default_rng(MODEL_SEED).integers(1, 2**31 - 1, 3)]
    model = keras.Sequential(
        [
            keras.Input(shape=(length, 2), name="sequence"),
            layer(
                UNITS,
                kernel_initializer=keras.initializers.GlorotUniform(seed=seeds[0]),
                recurrent_initializer=keras.initializers.Orthogonal(seed=seeds[1]),
                name=LAYER_NAMES[kind],
            ),
            keras.layers.Dense(
                1, kernel_initializer=keras.initializers.GlorotUniform(seed=seeds[2]), name="sum"
            ),
        ],
        name=f"adding_{kind.lower()}_{UNITS}",
    )
    model.compile(
        loss="mse", optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE, clipnorm=CLIPNORM)
    )
    return model


def mse(model, x: np.ndarray, y: np.ndarray) -> float:
    """Test mean squared error, as ``tests/test_model.py`` recomputes it."""
    pred = np.asarray(model.predict(x, batch_size=500, verbose=0), dtype=np.float64)[:, 0]
    return float(np.mean((pred - y.astype(np.float64)) ** 2))


def save_small(model, kind: str, length: int, path: Path) -> None:
    """Save the weights in a freshly compiled twin: a fresh optimiser (its slots built, so
    that loading matches them without a warning, but zero), a small file."""
    from lstm_explained._files import write_bytes

    twin = build(kind, length)
    twin.set_weights(model.get_weights())
    twin.optimizer.build(twin.trainable_variables)
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / path.name
        twin.save(file)
        write_bytes(path, file.read_bytes(), overwrite=True, suffixes=(".keras",))


def goal_met(scores: dict[str, float]) -> bool:
    """Whether the test MSEs (this run's, and the shipped ones for models not retrained)
    meet the goal: LSTM and GRU at most ``GOAL_MSE``, the RNN ``GOAL_RATIO`` times the LSTM."""
    for name, score in scores.items():
        print(f"{name}: test MSE {score:.5f}")
    lstm = scores.get("adding", 0.0)
    return (
        all(scores.get(name, 0.0) <= GOAL_MSE for name in ("adding", "adding-gru"))
        and scores.get("adding-rnn", np.inf) >= GOAL_RATIO * lstm
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--length", type=int, default=LENGTH)
    parser.add_argument("--dry-run", action="store_true", help="train and print, write nothing")
    parser.add_argument(
        "--models",
        nargs="+",
        choices=list(MODELS),
        default=list(MODELS),
        help="which models to train and write (default: all); the others are kept",
    )
    args = parser.parse_args(argv)

    import keras
    import tensorflow as tf

    import lstm_explained as lx
    from lstm_explained._files import write_text

    x_train, y_train = lx.data.adding_problem(N_TRAIN, length=args.length, seed=TRAIN_SEED)
    x_test, y_test = lx.data.adding_problem(N_TEST, length=args.length, seed=TEST_SEED)
    mean_mse = float(np.mean((y_test.astype(np.float64) - float(np.mean(y_train))) ** 2))
    tf.config.experimental.enable_op_determinism()
    trained, info = {}, {}
    chosen = {name: kind for name, kind in MODELS.items() if name in args.models}
    for name, kind in chosen.items():
        keras.utils.set_random_seed(MODEL_SEED)  # the same shuffling for every model
        model = build(kind, args.length)
        start = time.time()
        model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size, verbose=2)
        seconds = time.time() - start
        trained[name] = model
        info[name] = {
            "task": "adding problem (Hochreiter & Schmidhuber 1997), lx.data.adding_problem",
            "layer": kind,
            "units": UNITS,
            "length": args.length,
            "n_train": N_TRAIN,
            "train_seed": TRAIN_SEED,
            "n_test": N_TEST,
            "test_seed": TEST_SEED,
            "model_seed": MODEL_SEED,
            "optimizer": "adam",
            "learning_rate": LEARNING_RATE,
            "clipnorm": CLIPNORM,
            "loss": "mse",
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "train_seconds": round(seconds, 1),
            "test_mse": mse(model, x_test, y_test),
            "mean_predictor_test_mse": mean_mse,
            "keras": keras.__version__,
            "tensorflow": tf.__version__,
        }
        print(name, json.dumps(info[name], indent=1), flush=True)
    table = json.loads((OUT / "pretrained.json").read_text())
    if not goal_met({k: v["test_mse"] for k, v in (table | info).items() if k in MODELS}):
        print(f"goal missed (LSTM, GRU <= {GOAL_MSE}, RNN >= {GOAL_RATIO}x LSTM): nothing written")
        return 1
    if args.dry_run:
        return 0
    for name, kind in chosen.items():
        save_small(trained[name], kind, args.length, OUT / f"{name}.keras")
    table = table | info  # the entries already there keep their place, new ones go last
    write_text(OUT / "pretrained.json", json.dumps(table, indent=2) + "\n", overwrite=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
