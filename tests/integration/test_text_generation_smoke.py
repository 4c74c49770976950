"""`kedro run --pipelines=text_generation --env=smoke` end to end on the first 100,000 characters of
tiny-shakespeare (CI has the mirror)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import current_version
from tests.integration.conftest import make_project_copy, parent_run, registered_champion, run_smoke

pytestmark = pytest.mark.real_data
ROOT = Path(__file__).resolve().parents[2]
PARAMETERS = yaml.safe_load((ROOT / "conf/base/parameters_text_generation.yml").read_text())[
    "text_generation"
]
SMOKE = yaml.safe_load((ROOT / "conf/smoke/parameters_text_generation.yml").read_text())["text_generation"]
VARIANTS = sorted(PARAMETERS["variants"])


@pytest.fixture(scope="module")
def project(tmp_path_factory, mirror: Path) -> Path:
    project = make_project_copy(tmp_path_factory.mktemp("text_generation"))
    run_smoke(project, pipeline="text_generation")
    return project


def test_smoke_run_writes_the_report_with_every_variant_and_samples(project: Path) -> None:
    reports = project / "data/08_reporting/text_generation"
    for name in (
        "comparison.md",
        "comparison.html",
        "comparison.json",
        "learning_curves.png",
        "loss_vs_time.png",
    ):
        assert (reports / name).stat().st_size > 0, name
    comparison = pd.read_csv(reports / "comparison.csv")
    assert sorted(comparison["variant"]) == VARIANTS
    assert comparison["val_nats_per_token"].is_monotonic_increasing
    assert (comparison["val_perplexity"] > 1).all() and (comparison["level"] == "char").all()
    best = json.loads((reports / "best_variant.json").read_text())
    assert best["variant"] == comparison["variant"][0]
    samples = json.loads((reports / "samples.json").read_text())
    assert [s["temperature"] for s in samples["samples"]] == PARAMETERS["sampling"]["temperatures"]
    assert all(s["text"].startswith(PARAMETERS["sampling"]["prompt"]) for s in samples["samples"])
    markdown = (reports / "comparison.md").read_text()
    assert f"## {best['variant']} at temperature 0.8" in markdown
    train = (project / "data/03_primary/text_generation/train.txt").read_text()
    validation = (project / "data/03_primary/text_generation/validation.txt").read_text()
    assert train + validation == (project / "data/02_intermediate/text_corpus.txt").read_text()


def test_each_variant_has_a_nested_mlflow_run_and_the_champion_is_registered(project: Path) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{project}/mlflow/mlflow.db")
    experiment = client.get_experiment_by_name("rnn-pipelines")
    runs = client.search_runs([experiment.experiment_id])
    parent = parent_run(runs, "text_generation")
    assert len(parent.data.tags["validation_sha256"]) == 64
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert sorted(r.info.run_name for r in children) == VARIANTS
    assert all({"val_nats_per_token", "val_perplexity", "val_loss"} <= set(r.data.metrics) for r in children)
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id, "report")}
    assert {"report/comparison.md", "report/samples.json"} <= artifacts
    version = client.get_model_version_by_alias("rnn-pipelines-text-generation", "champion")
    assert int(version.version) == 1


def test_the_champion_is_exported_verified_and_generates_from_the_command_line(project: Path) -> None:
    reports = project / "data/08_reporting/text_generation"
    check = json.loads((reports / "export_check.json").read_text())
    assert check["passed"] and check["identical_texts"] == check["generated_texts"]
    blessing = json.loads((reports / "blessing.json").read_text())
    assert blessing["blessed"], blessing["reason"]  # no champion before the first run
    record = json.loads(
        (current_version(project / "data/06_models/text_generation/champion") / "champion.json").read_text()
    )
    best = json.loads((reports / "best_variant.json").read_text())
    assert record["variant"] == best["variant"] and record["val_nats_per_char"] == pytest.approx(
        best["val_nats_per_char"]
    )
    sample = next(
        s for s in json.loads((reports / "samples.json").read_text())["samples"] if s["temperature"] == 0.8
    )
    sampling = PARAMETERS["sampling"]
    command = [sys.executable, "-m", "rnn_pipelines", "generate", sampling["prompt"], "--json"]
    command += [
        "--length",
        str(SMOKE["sampling"]["length"]),
        "--temperature",
        "0.8",
        "--seed",
        str(sampling["seed"]),
    ]
    env = {**os.environ, "PYTHONPATH": str(project / "src"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # the exported champion reproduces the pipeline's in-memory sample exactly (same seed, same settings)
    assert json.loads(result.stdout)["text"] == sample["text"]


def test_the_registered_champion_generates_from_a_prompt_like_the_saved_model(project: Path) -> None:
    from rnn_pipelines.generate import generate
    from rnn_pipelines.serving.generator import Sampling

    model = registered_champion(project, "rnn-pipelines-text-generation")
    names = ["prompt", "length", "temperature", "top_k", "seed"]
    assert model.metadata.signature.inputs.input_names() == names
    requests = [
        Sampling("ROMEO:", 40, 0.8, 0, 1),
        Sampling("", 20, 0.0, 0, 0),
        Sampling("KING", 30, 1.2, 5, 7),
    ]
    frame = pd.DataFrame([[getattr(r, n) for n in names] for r in requests], columns=names)
    served = model.predict(frame)
    champion = current_version(project / "data/06_models/text_generation/champion")
    assert list(served) == [generate(champion, request) for request in requests]  # same seed, same text
    with pytest.raises(Exception, match="missing inputs"):
        model.predict(pd.DataFrame({"prompt": ["ROMEO:"]}))
