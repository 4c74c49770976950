"""The selected candidate's model(s) alone: what export, verification and sampling read.

A run trains every variant, but what is released is the one ``select`` chose; this dataset reads the
selection (``best_variant.json``) and loads only that candidate's files, instead of every variant's.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset
from kedro.io.core import DatasetError

from rnn_pipelines.datasets.keras_model import KerasModelDataset

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
        self._selection = Path(selection)
        self._models = Path(models)
        self.metadata = metadata

    def _model(self, name: str) -> Any:
        keras_file = self._models / name / "model.keras"
        if keras_file.exists():
            return KerasModelDataset(filepath=str(keras_file)).load()
        pickled = self._models / f"{name}.pkl"
        if pickled.exists():
            with pickled.open("rb") as file:
                return pickle.load(file)
        raise DatasetError(f"No model for '{name}': neither {keras_file} nor {pickled} exists.")

    def load(self) -> Selected:
        if not self._selection.exists():
            raise DatasetError(f"No selection at {self._selection}: run the pipeline's `select` node first.")
        best = json.loads(self._selection.read_text(encoding="utf-8"))
        variant, kind = best["variant"], best.get("kind", "rnn")
        blend_file = self._models / variant / BLEND
        if blend_file.exists():
            blend = json.loads(blend_file.read_text(encoding="utf-8"))
            members = {m: self._model(m) for m in blend["members"]}
            return Selected(variant, kind, blend=blend, members=members)
        return Selected(variant, kind, model=self._model(variant))

    def save(self, data: None) -> None:
        raise DatasetError("SelectedModelDataset is read-only: `select` writes the selection.")

    def _exists(self) -> bool:
        return self._selection.exists()

    def _describe(self) -> dict[str, Any]:
        return {"selection": str(self._selection), "models": str(self._models)}
