"""Project layers: masked mean+max pooling, usable by name in specs, and loadable from ``.keras`` files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from rnn_pipelines.models.builder import build_model
from rnn_pipelines.models.layers import GlobalMeanMaxPooling1D

SPEC = {
    "layers": [
        {"type": "Embedding", "output_dim": 4, "mask_zero": True},
        {"type": "GRU", "units": 3, "return_sequences": True},
        {"type": "GlobalMeanMaxPooling1D"},
    ]
}
HEAD = [{"type": "Dense", "units": 1, "activation": "sigmoid"}]


def _model() -> object:
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(None,), dtype="int32")
    return build_model("pooled", SPEC, inputs=inputs, head=HEAD, fill={"Embedding": {"input_dim": 20}})


def test_mean_and_max_count_only_unmasked_steps() -> None:
    values = np.array([[[-3.0, 1.0], [-1.0, 5.0], [0.0, 0.0]]], dtype=np.float32)  # last step is padding
    mask = np.array([[True, True, False]])
    pooled = np.asarray(GlobalMeanMaxPooling1D()(values, mask=mask))
    # mean over two steps, and a max of -1 (the padded step's 0 must not win)
    np.testing.assert_allclose(pooled, [[-2.0, 3.0, -1.0, 5.0]])
    np.testing.assert_allclose(np.asarray(GlobalMeanMaxPooling1D()(values)), [[-4 / 3, 2.0, 0.0, 5.0]])


def test_prediction_does_not_depend_on_padding() -> None:
    model = _model()
    review = [3, 7, 11, 2]
    short = np.array([review + [0] * 2], dtype=np.int32)
    long = np.array([review + [0] * 30], dtype=np.int32)
    np.testing.assert_allclose(model.predict(short, verbose=0), model.predict(long, verbose=0), atol=1e-6)
    assert [layer.__class__.__name__ for layer in model.layers][-2:] == ["GlobalMeanMaxPooling1D", "Dense"]
    assert model.layers[-2].output.shape == (None, 6)


def test_saved_model_loads_in_a_fresh_process_through_the_catalog_dataset(tmp_path: Path) -> None:
    model = _model()
    path = tmp_path / "model.keras"
    model.save(path)
    x = np.array([[1, 5, 9, 0, 0]], dtype=np.int32)
    np.save(tmp_path / "expected.npy", model.predict(x, verbose=0))
    script = (
        "import numpy as np\n"
        "from rnn_pipelines.datasets.keras_model import KerasModelDataset\n"
        f"model = KerasModelDataset(filepath={str(path)!r}).load()\n"
        f"got = model.predict(np.array({x.tolist()}, dtype=np.int32), verbose=0)\n"
        f"np.testing.assert_allclose(got, np.load({str(tmp_path / 'expected.npy')!r}), atol=1e-6)\n"
        "print('LOADED', type(model.layers[-2]).__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "LOADED GlobalMeanMaxPooling1D" in result.stdout
