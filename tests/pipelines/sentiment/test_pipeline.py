"""The sentiment pipeline's shape: no test data upstream of training, bad specs stop before training."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from kedro_datasets.tensorflow import TensorFlowModelDataset

from rnn_pipelines.datasets.saved_model import ChampionDataset
from rnn_pipelines.datasets.selected import SelectedModelDataset
from rnn_pipelines.models.builder import ModelSpecError
from rnn_pipelines.pipelines import sentiment
from tests.conftest import run_pipeline
from tests.pipelines.sentiment.test_nodes import TOKENIZATION, reviews

ROOT = Path(__file__).resolve().parents[3]
PARAMS = yaml.safe_load((ROOT / "conf/base/parameters_sentiment.yml").read_text())["sentiment"]
TEST_DATA = {"sentiment.test", "sentiment.test_input"}


def upstream_inputs(pipeline, node_name: str) -> set[str]:
    """Every dataset read by ``node_name`` or by any node it depends on."""
    return set().union(*(node.inputs for node in pipeline.to_nodes(node_name).nodes))


@pytest.fixture
def pipeline():
    return sentiment.create_pipeline(variants=PARAMS["variants"], hybrids=PARAMS["hybrids"])


def test_one_namespaced_training_pipeline_per_variant(pipeline) -> None:
    names = {node.name for node in pipeline.nodes}
    for variant in PARAMS["variants"]:
        assert {f"sentiment.{variant}.train_classifier", f"sentiment.{variant}.evaluate_classifier"} <= names
    assert "sentiment.lstm.metrics" in pipeline.all_outputs()


@pytest.mark.parametrize(
    "node",
    [
        "sentiment.fit_tokenizer",
        "sentiment.encode_reviews",
        "sentiment.check_variants",
        "sentiment.linear_tfidf.train_linear_challenger",
        "sentiment.nbsvm.train_nbsvm",
    ],
)
def test_no_test_data_upstream_of_fitting(pipeline, node: str) -> None:
    assert not upstream_inputs(pipeline, node) & TEST_DATA


def test_no_test_data_upstream_of_any_training(pipeline) -> None:
    for variant in PARAMS["variants"]:
        assert not upstream_inputs(pipeline, f"sentiment.{variant}.train_classifier") & TEST_DATA


AFTER_SELECTION = {f"sentiment.{n}" for n in ("describe_run_inputs", "read_along", "verify_export", "bless")}


def test_test_data_only_reaches_evaluation_and_what_follows_selection(pipeline) -> None:
    readers = {node.name for node in pipeline.nodes if set(node.inputs) & TEST_DATA}
    evaluations = {"sentiment.linear_tfidf.evaluate_linear_challenger", "sentiment.nbsvm.evaluate_nbsvm"}
    evaluations |= {f"sentiment.{v}.evaluate_classifier" for v in PARAMS["variants"]}
    evaluations |= {f"sentiment.{h}.blend_members" for h in PARAMS["hybrids"]}  # test scores, once fitted
    assert readers == {"sentiment.encode_test_reviews"} | evaluations | AFTER_SELECTION
    upstream_of_selection = {node.name for node in pipeline.to_nodes("sentiment.select").nodes}
    assert not upstream_of_selection & AFTER_SELECTION


def test_bad_variant_fails_before_any_training(tmp_path: Path) -> None:
    variants = {
        "lstm": {
            "layers": [
                {"type": "Embedding", "output_dim": 4, "mask_zero": True},
                {"type": "LSTM", "units": 4},
            ]
        },
        "broken": {"layers": [{"type": "Embedding", "output_dim": 4}, {"type": "GRU", "unit": 4}]},
    }
    pipe = sentiment.create_pipeline(variants=variants)
    model_file = tmp_path / "lstm.keras"
    datasets = {
        "imdb_reviews": reviews(),
        "sentiment.lstm.model": TensorFlowModelDataset(filepath=str(model_file)),
        "sentiment.current_champion": ChampionDataset(path=str(tmp_path / "champion")),
        "sentiment.selected_model": SelectedModelDataset(
            selection=str(tmp_path / "best.json"), models=str(tmp_path)
        ),
    }
    params = {
        "sentiment.split": {"validation_size": 0.25, "seed": 1},
        "sentiment.tokenization": TOKENIZATION,
        "sentiment.variants": variants,
        "sentiment.linear_challenger": PARAMS["linear_challenger"],
        "sentiment.nbsvm": PARAMS["nbsvm"],
        "sentiment.hybrids": {},
        "sentiment.blending": PARAMS["blending"],
        "sentiment.training": {**PARAMS["training"], "epochs": 1, "checkpoint_dir": str(tmp_path / "ckpt")},
        "sentiment.head": PARAMS["head"],
        "sentiment.export": PARAMS["export"],
        "sentiment.report.read_along": PARAMS["report"]["read_along"],
        **{f"sentiment.variants.{name}": spec for name, spec in variants.items()},
    }
    with pytest.raises(ModelSpecError, match=r"variant 'broken': layers\[1\] \(GRU\) is missing \['units'\]"):
        run_pipeline(pipe, datasets, params)
    assert not model_file.exists()
    assert not (tmp_path / "ckpt").exists()
