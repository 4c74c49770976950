"""The smoke environment shrinks every variant by a rule, so a variant added to conf/base is smoke-tested
without being listed in conf/smoke."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import yaml
from kedro.io import MemoryDataset

from rnn_pipelines.datasets.temperatures import synthetic_series
from rnn_pipelines.pipelines import forecasting
from rnn_pipelines.settings import CONFIG_LOADER_ARGS, ProjectConfigLoader
from tests.conftest import run_pipeline

ROOT = Path(__file__).resolve().parents[1]


def smoke_parameters(conf: Path) -> dict:
    return ProjectConfigLoader(conf_source=str(conf), env="smoke", **CONFIG_LOADER_ARGS)["parameters"]


def flat(section: str, values: dict) -> dict:
    """``params:`` names of a section: its keys, and each variant's spec."""
    names = {f"{section}.{key}": value for key, value in values.items()}
    return names | {f"{section}.variants.{v}": spec for v, spec in values["variants"].items()}


def test_a_variant_added_to_base_is_shrunk_and_trained_by_the_smoke_slice(tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    shutil.copytree(ROOT / "conf", conf, ignore=shutil.ignore_patterns("local"))
    base_file = conf / "base/parameters_forecasting.yml"
    base = yaml.safe_load(base_file.read_text())
    base["forecasting"]["variants"]["wide_gru"] = {
        "layers": [{"type": "Bidirectional", "layer": {"type": "GRU", "units": 512}}]
    }
    base_file.write_text(yaml.safe_dump(base))

    section = smoke_parameters(conf)["forecasting"]
    assert section["variants"]["wide_gru"]["layers"] == [
        {"type": "Bidirectional", "layer": {"type": "GRU", "units": 8}}
    ]
    assert {layer.get("units") for spec in section["variants"].values() for layer in spec["layers"]} <= {
        8,
        None,
    }

    section["training"] |= {"checkpoint_dir": str(tmp_path / "checkpoints"), "epochs": 1}
    pipeline = forecasting.create_pipeline(**section)
    smoke_slice = pipeline.to_nodes("forecasting.wide_gru.evaluate_forecaster")
    raw = synthetic_series(days=730, start="2000-01-01", seed=7)
    model = MemoryDataset(copy_mode="assign")
    outputs = run_pipeline(
        smoke_slice,
        {
            "temperatures": pd.DataFrame(
                {"date": raw["date"], "temp_c": raw["value"], "source_row": raw["source_row"]}
            ),
            "forecasting.wide_gru.model": model,
        },
        flat("forecasting", section),
    )
    metrics = outputs["forecasting.wide_gru.metrics"].load()
    assert metrics["variant"] == "wide_gru" and metrics["val_mae"] > 0 and metrics["epochs_run"] == 1
    assert metrics["parameters"] < 2000  # Bidirectional(GRU 8) + Dense head; 512 units would be ~1.6M


def test_base_and_local_variants_are_not_shrunk() -> None:
    loader = ProjectConfigLoader(conf_source=str(ROOT / "conf"), env="local", **CONFIG_LOADER_ARGS)
    section = loader["parameters"]["forecasting"]
    assert "shrink" not in section
    assert section["variants"]["lstm"]["layers"] == [{"type": "LSTM", "units": 64}]


def test_a_validation_rule_taken_from_another_setting_follows_it_on_the_command_line() -> None:
    """``temperatures_validation.unit`` and ``corpus_validation.sequence_length`` are interpolated from
    the settings they check against: ``--params`` on those settings reaches the validation rules too."""
    runtime = {  # as the CLI hands ``--params`` over
        "temperatures_ingestion": {"unit": "fahrenheit"},
        "text_generation": {"windowing": {"sequence_length": 77}},
    }
    loader = ProjectConfigLoader(
        conf_source=str(ROOT / "conf"), env="local", runtime_params=runtime, **CONFIG_LOADER_ARGS
    )
    parameters = loader["parameters"]
    assert parameters["temperatures_validation"]["unit"] == "fahrenheit"
    assert parameters["corpus_validation"]["sequence_length"] == 77
