"""`kedro run` with malformed parameters stops before any node runs, naming every problem; nothing is
read, trained or written, and no MLflow run is opened."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.integration.conftest import assert_one_message, kedro, make_project_copy


def test_malformed_parameters_stop_the_run_before_any_work(tmp_path: Path) -> None:
    project = make_project_copy(tmp_path)
    run = kedro(
        project,
        "run",
        "--pipelines=forecasting",
        "--env=smoke",
        "--params",
        "forecasting.windowing.horizon=0,forecasting.training.epochs=0",
    )
    output = run.stdout + run.stderr
    error = assert_one_message(  # exit 2, the message alone, no traceback
        run,
        2,
        "2 parameter problem(s); nothing was run",
        "forecasting.windowing.horizon = 0: Input should be greater than 0 (from --params)",
        "forecasting.training.epochs = 0: Input should be greater than 0 (from --params)",
    )
    assert error.count("\n") == 3  # the count and one line per problem
    assert "Running node" not in output and "IndexError" not in output
    written = [p for p in (project / "data").rglob("*") if p.is_file() and p.name != ".gitkeep"]
    assert written == []  # no data read into the project, no lock taken, no report
    database = project / "mlflow/mlflow.db"
    if database.exists():  # kedro-mlflow may create the store, but no run is opened in it
        import sqlite3

        with sqlite3.connect(database) as connection:
            assert connection.execute("select count(*) from runs").fetchone()[0] == 0


# (pipeline, --params, what the message must say): every row a value a user can type wrong
MALFORMED = [
    (
        "sentiment",
        {"sentiment.training.epochs": 0},
        "sentiment.training.epochs = 0: Input should be greater than 0",
    ),
    (
        "sentiment",
        {"sentiment.split.validation_size": 1.5},
        "sentiment.split.validation_size = 1.5: Input should be less than 1",
    ),
    (
        "sentiment",
        {"sentiment.split.validation_size": 0},
        "sentiment.split.validation_size = 0: Input should be greater than 0",
    ),
    (
        "sentiment",
        {"sentiment.tokenization.max_tokens": "abc"},
        "sentiment.tokenization.max_tokens = 'abc': Input should be a valid integer",
    ),
    (
        "sentiment",
        {"sentiment.training.batch_size": -4},
        "sentiment.training.batch_size = -4: Input should be greater than 0",
    ),
    (
        "sentiment",
        {"sentiment.training.learning_rate": 0},
        "sentiment.training.learning_rate = 0: Input should be greater than 0",
    ),
    (
        "sentiment",
        {"sentiment.tokenization.truncate": "middle"},
        "sentiment.tokenization.truncate = 'middle': Input should be 'pre' or 'post'",
    ),
    (
        "sentiment",
        {"sentiment.tokenization.standardize": "upper"},
        "sentiment.tokenization.standardize = 'upper'",
    ),
    (
        "sentiment",
        {"sentiment.training.distribution": "tpu"},
        "sentiment.training.distribution = 'tpu': Input should be 'default' or 'mirrored'",
    ),
    (
        "sentiment",
        {"sentiment.training.epoch": 3},
        "sentiment.training.epoch: not a known key; did you mean 'epochs'?",
    ),
    (
        "sentiment",
        {"sentiment.training.early_stoping_patience": 3},
        "did you mean 'early_stopping_patience'?",
    ),
    (
        "sentiment",
        {"sentiment.blending.folds": 1},
        "sentiment.blending.folds = 1: Input should be greater than or equal to 2",
    ),
    ("sentiment", {"sentiment.nbsvm.C": "[]"}, "sentiment.nbsvm.C"),
    (
        "sentiment",
        {"sentiment.export.require_beating_linear": "perhaps"},
        "sentiment.export.require_beating_linear = 'perhaps': Input should be a valid boolean",
    ),
    (
        "sentiment",
        {"sentiment.report.read_along.variant": "lsmt"},
        "sentiment.report.read_along.variant = 'lsmt': 'lsmt' is not a variant",
    ),
    (
        "sentiment",
        {"imdb_validation.max_label_imbalance": 0.7},
        "imdb_validation.max_label_imbalance = 0.7: Input should be less than 0.5",
    ),
    (
        "sentiment",
        {"imdb_ingestion.sample_per_group": -1},
        "imdb_ingestion.sample_per_group = -1: Input should be greater than 0",
    ),
    (
        "forecasting",
        {"forecasting.windowing.horizon": 0},
        "forecasting.windowing.horizon = 0: Input should be greater than 0",
    ),
    (
        "forecasting",
        {"forecasting.windowing.sequence_length": -30},
        "forecasting.windowing.sequence_length = -30",
    ),
    (
        "forecasting",
        {"forecasting.scaling.method": "robust"},
        "forecasting.scaling.method = 'robust': Input should be 'standard' or 'minmax'",
    ),
    ("forecasting", {"forecasting.split.fractions.validation": 0.5}, "must stay below 1"),
    (
        "forecasting",
        {"forecasting.baselines.ridge_alpha": -1},
        "forecasting.baselines.ridge_alpha = -1: Input should be greater than or equal to 0",
    ),
    (
        "forecasting",
        {"forecasting.export.atol": 0},
        "forecasting.export.atol = 0: Input should be greater than 0",
    ),
    ("forecasting", {"temperatures_validation.max_gap_days": 0}, "temperatures_validation.max_gap_days = 0"),
    (
        "text_generation",
        {"text_generation.tokenization.level": "byte"},
        "text_generation.tokenization.level = 'byte': Input should be 'char' or 'word'",
    ),
    (
        "text_generation",
        {"text_generation.split.validation_fraction": 1},
        "text_generation.split.validation_fraction = 1: Input should be less than 1",
    ),
    (
        "text_generation",
        {"text_generation.sampling.top_k": -2},
        "text_generation.sampling.top_k = -2: Input should be greater than or equal to 0",
    ),
    (
        "text_generation",
        {"text_generation.training.time_budget_minutes": 0},
        "text_generation.training.time_budget_minutes = 0",
    ),
    (
        "text_generation",
        {"corpus_ingestion.max_characters": 0},
        "corpus_ingestion.max_characters = 0: Input should be greater than 0",
    ),
]

# a variant's layers are checked against Keras before the first node too (sizes come from the data later)
MALFORMED += [
    (
        "forecasting",
        {"forecasting.variants.gru.layers": [{"type": "GRU", "unit": 8}]},
        "variant 'gru': layers[0]",
    ),
    (
        "sentiment",
        {"sentiment.variants.lstm.layers": [{"type": "LTSM", "units": 8}]},
        "variant 'lstm': layers[0]",
    ),
]


@pytest.fixture(scope="module")
def session_project(tmp_path_factory) -> Path:
    project = make_project_copy(tmp_path_factory.mktemp("parameters"))
    champion = project / "data/06_models/sentiment/champion"
    champion.mkdir(parents=True)
    (champion / "champion.json").write_text('{"variant": "gru", "test_accuracy": 0.9}')
    return project


def _files(project: Path) -> dict[str, bytes]:
    return {str(p.relative_to(project)): p.read_bytes() for p in (project / "data").rglob("*") if p.is_file()}


@pytest.mark.parametrize(("pipeline", "params", "expected"), MALFORMED, ids=[str(r[1]) for r in MALFORMED])
def test_every_malformed_parameter_stops_the_run_naming_key_and_rule(
    session_project: Path, pipeline: str, params: dict, expected: str
) -> None:
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    from rnn_pipelines.models.builder import ModelSpecError
    from rnn_pipelines.schemas import ParameterError

    bootstrap_project(session_project)
    before = _files(session_project)
    runtime: dict = {}  # as the CLI hands --params over: "a.b=1" becomes {"a": {"b": 1}}
    for key, value in params.items():
        *parents, last = key.split(".")
        node = runtime
        for parent in parents:
            node = node.setdefault(parent, {})
        node[last] = value
    with KedroSession.create(project_path=session_project, env="smoke", runtime_params=runtime) as session:
        with pytest.raises((ParameterError, ModelSpecError)) as raised:
            session.run(pipeline_names=[pipeline])
    assert expected in str(raised.value)
    assert "(from --params)" in str(raised.value) or raised.type is ModelSpecError
    assert "MLFLOW_TRACKING_URI" not in os.environ  # the process is left as the session found it
    assert _files(session_project) == before  # nothing read in, written or promoted: the champion as it was


def test_a_window_longer_than_a_split_part_stops_at_the_split_naming_parts_and_keys(
    session_project: Path,
) -> None:
    """The one rule that depends on the data (the parts' lengths): checked as the series is split,
    before any part, window or model is written."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    from rnn_pipelines.schemas import ParameterError

    bootstrap_project(session_project)
    runtime = {"forecasting": {"windowing": {"sequence_length": 80}}}  # smoke: 730 days, parts of 73
    with KedroSession.create(project_path=session_project, env="smoke", runtime_params=runtime) as session:
        with pytest.raises(ParameterError) as raised:
            session.run(pipeline_names=["forecasting"])
    message = str(raised.value)
    assert "sequence_length + forecasting.windowing.horizon = 80 + 1 = 81 days must fit" in message
    assert "validation: 73 days" in message and "test: 73 days" in message
    for written in ("03_primary/forecasting", "05_model_input/forecasting", "06_models/forecasting"):
        assert not [p for p in (session_project / "data" / written).rglob("*") if p.is_file()], written
    assert not (session_project / "data/08_reporting/retraining/forecasting.holder").exists()
