"""``.keras`` model files whose models may use the project's own layers (``models.layers``)."""

from __future__ import annotations

from typing import Any

from kedro_datasets.tensorflow import TensorFlowModelDataset


class KerasModelDataset(TensorFlowModelDataset):
    """``tensorflow.TensorFlowModelDataset`` that registers the project's layers before loading, so a
    model saved by one ``kedro run`` loads in another (``--from-nodes``, a notebook) even when
    nothing in that process has built a model yet."""

    def load(self) -> Any:
        import rnn_pipelines.models.layers  # noqa: F401  (registers the layers with Keras)

        return super().load()
