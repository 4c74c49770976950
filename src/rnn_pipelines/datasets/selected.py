"""The selected candidate's model(s) alone: what export, verification and sampling read.

A run trains every variant, but what is released is the one ``select`` chose; this dataset reads the
selection (``best_variant.json``) and loads only that candidate's files, instead of every variant's.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from typing import Any

from kedro.io import AbstractDataset
from kedro.io.core import DatasetError

from rnn_pipelines.datasets import storage

BLEND = "blend.json"  # a hybrid's folder holds its blend; its members' models are theirs


@dataclass
class Selected:
    """The selected candidate: a variant's ``model``, or a hybrid's ``blend`` and its ``members``
    (name → Keras model or pickled n-gram model)."""

    variant: str
    kind: str
    model: Any = None
    blend: dict[str, Any] | None = None
    members: dict[str, Any] = field(default_factory=dict)

    def of(self, best: dict[str, Any]) -> Selected:
        """Itself, after checking that it is the candidate ``best`` names (the selection was not
        rewritten between the two reads)."""
        if best["variant"] != self.variant:
            raise DatasetError(
                f"The selected model is '{self.variant}' but this node was given '{best['variant']}': "
                "the selection changed during the run; run the pipeline again."
            )
        return self


class SelectedModelDataset(AbstractDataset[None, Selected]):
    """Loads the candidate named in ``selection`` from ``models``: ``<models>/<variant>/model.keras``;
    for a hybrid (``<models>/<hybrid>/blend.json``) every member's ``<member>/model.keras`` or
    ``<member>.pkl``. Read-only: ``select`` writes the selection, training the models.
    """

    def __init__(self, *, selection: str, models: str, metadata: dict[str, Any] | None = None) -> None:
        self._selection = str(selection)
        self._models = str(models)
        self.metadata = metadata

    def _model(self, name: str) -> Any:
        keras_file = storage.join(self._models, name, "model.keras")
        if storage.exists(keras_file):
            from rnn_pipelines.datasets.keras_model import KerasModelDataset  # TensorFlow: on use

            return KerasModelDataset(filepath=keras_file).load()
        pickled = storage.join(self._models, f"{name}.pkl")
        if storage.exists(pickled):
            with storage.local_copy(pickled, kind="models").open("rb") as file:
                return pickle.load(file)
        raise DatasetError(f"No model for '{name}': neither {keras_file} nor {pickled} exists.")

    def load(self) -> Selected:
        best = storage.read_json(self._selection)
        if best is None:
            raise DatasetError(f"No selection at {self._selection}: run the pipeline's `select` node first.")
        variant, kind = best["variant"], best.get("kind", "rnn")
        blend = storage.read_json(storage.join(self._models, variant, BLEND))
        if blend is not None:
            members = {m: self._model(m) for m in blend["members"]}
            return Selected(variant, kind, blend=blend, members=members)
        return Selected(variant, kind, model=self._model(variant))

    def save(self, data: None) -> None:
        raise DatasetError("SelectedModelDataset is read-only: `select` writes the selection.")

    def _exists(self) -> bool:
        return storage.exists(self._selection)

    def _describe(self) -> dict[str, Any]:
        return {"selection": self._selection, "models": self._models}
