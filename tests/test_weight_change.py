"""weight_change: how far each gate's weights moved from their initial values."""

from __future__ import annotations

import numpy as np
import pytest

import lstm_explained as lx
from lstm_explained.errors import ModelError
from lstm_explained.kinds import LSTM
from lstm_explained.weight_change import BLOCKS, weight_change


@pytest.fixture(scope="module")
def small():
    return lx.model.build_model((1, 3, 2, 1), seed=0)


def _moved(model, layer: str, block: int, gate: int, by: float):
    """A copy of ``model`` with one gate's block of one weight array shifted by ``by``."""
    import keras

    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    target = copy.get_layer(layer)
    weights = target.get_weights()
    n = weights[block].shape[-1] // 4
    weights[block][..., gate * n:(gate + 1) * n] += by
    target.set_weights(weights)
    return copy


def test_an_untrained_model_has_not_moved(small):
    c = weight_change(small, lx.model.untrained_copy(small, seed=7))
    assert c.layers == ("lstm_1", "lstm_2") and c.gates == LSTM.keras_blocks
    assert c.blocks == BLOCKS and c.change.shape == (2, 3, 4)
    assert np.all(c.change == 0)


def test_one_moved_block_is_found_where_keras_puts_it(small):
    forget = LSTM.keras_blocks.index("forget")
    moved = _moved(small, "lstm_2", block=1, gate=forget, by=0.5)
    c = weight_change(moved, small)
    nonzero = np.argwhere(c.change > 0)
    assert nonzero.tolist() == [[1, 1, forget]]
    w0 = small.get_layer("lstm_2").get_weights()[1][:, 2:4]
    assert c["lstm_2", "recurrent_kernel", "forget"] == pytest.approx(
        np.sqrt(w0.size) * 0.5 / np.linalg.norm(w0))
    assert c.most_moved("lstm_2") == "forget"


def test_zero_initial_blocks_report_the_absolute_distance(small):
    moved = _moved(small, "lstm_1", block=2, gate=0, by=0.25)  # the input bias starts at 0
    c = weight_change(moved, small)
    bias = BLOCKS.index("bias")
    assert list(c.is_relative[0, bias]) == [g == "forget" for g in LSTM.keras_blocks]
    assert np.isnan(c.relative[0, bias, 0])
    assert c["lstm_1", "bias", "input"] == pytest.approx(0.25 * np.sqrt(3))
    assert "0.433*" in c.table()  # absolute, marked


def test_the_initial_forget_bias_is_one_and_the_others_zero(small):
    bias = small.get_layer("lstm_1").get_weights()[2].reshape(4, -1)
    assert bias[LSTM.keras_blocks.index("forget")].tolist() == [1.0] * 3
    c = weight_change(small, small)
    assert c.initial_norm[0, 2].tolist() == [0.0, np.sqrt(3), 0.0, 0.0]


def test_the_shipped_model_starts_from_its_seed_zero_copy():
    """untrained_copy(seed=0) is the shipped model's initialisation: training moved every
    kernel a little, far less than two initialisations are apart."""
    model = lx.model.load_pretrained("sine")
    c = weight_change(model, lx.model.untrained_copy(model, seed=0),
                      fresh=lx.model.untrained_copy(model, seed=1))
    kernels = c.change[:, :2]
    assert kernels.max() < 0.5 and c.between_inits[:, :2].min() > 1.0
    assert c.between_inits[:, 2].max() == 0.0  # the biases start at the same constants
    other = weight_change(model, lx.model.untrained_copy(model, seed=1))
    assert other.change[:, :2].min() > 1.0
    table = c.table()
    assert "two inits apart" in table and table.count("lstm_1") == 3


def test_bad_arguments_are_refused(small):
    with pytest.raises(ModelError, match="must be a Keras model"):
        weight_change("model", small)
    with pytest.raises(ModelError, match="does not have the trained model's LSTM layers"):
        weight_change(small, lx.model.build_model((1, 3, 1)))
    import keras

    dense = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ModelError, match="has no keras.layers.LSTM layer"):
        weight_change(dense, dense)
    with pytest.raises(ModelError, match="fresh has the same kernels as initial"):
        weight_change(small, small, fresh=lx.model.untrained_copy(small, seed=5))
    fresh = lx.model.build_model((1, 3, 2, 1), seed=1)
    assert weight_change(small, small, fresh=fresh).between_inits[:, :2].min() > 0.5
    with pytest.raises(KeyError, match="no gate 'forgot'"):
        weight_change(small, small)["lstm_1", "bias", "forgot"]
