"""`rnn-pipelines predict`: texts and files in, label and probability out; clear errors otherwise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rnn_pipelines.datasets.saved_model import SavedModelDataset
from rnn_pipelines.pipelines.sentiment.nodes import predict_texts
from rnn_pipelines.predict import main


def test_prints_label_and_probability_per_text(
    exported: str, classifier: Any, tokenizer: dict, capsys
) -> None:
    assert main(["--model", exported, "--threshold", "0", "the film was great", "awful"]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = predict_texts(classifier, tokenizer, ["the film was great", "awful"])
    assert [line.split("\t")[0] for line in lines] == ["positive", "positive"]  # threshold 0
    assert [float(line.split("\t")[1]) for line in lines] == pytest.approx(expected, abs=1e-4)
    assert lines[0].endswith("\tthe film was great")


def test_reads_one_review_per_line_from_a_file(exported: str, tmp_path, capsys) -> None:
    reviews = tmp_path / "reviews.txt"
    reviews.write_text("a great film\n\n   \nnot good\n", encoding="utf-8")
    assert main(["--model", exported, "--json", "--file", str(reviews)]) == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in results] == ["a great film", "not good"]  # blank lines skipped
    assert all(r["label"] in {"positive", "negative"} and 0 <= r["probability"] <= 1 for r in results)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--file", "missing.txt"], "Input file 'missing.txt' does not exist."),
        ([], "Nothing to score"),
        (["--model", "nowhere", "text"], "No exported sentiment model at 'nowhere'"),
    ],
)
def test_user_errors_exit_2_with_one_clear_line(argv: list[str], message: str, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_default_model_is_the_catalogs_champion_under_the_data_root(tmp_path, monkeypatch) -> None:
    from rnn_pipelines.predict import champion_location
    from tests.integration.conftest import make_project_copy

    project = make_project_copy(tmp_path)
    monkeypatch.delenv("RNN_PIPELINES_DATA_ROOT", raising=False)
    assert champion_location(project) == str(project / "data/06_models/sentiment/champion")
    monkeypatch.setenv("RNN_PIPELINES_DATA_ROOT", "s3://team-bucket/rnn")
    assert champion_location(project) == "s3://team-bucket/rnn/06_models/sentiment/champion"


class EmptyArchive:
    """An export that writes an empty ``saved_model.pb``: enough for the store to call it a SavedModel."""

    def write_out(self, path: str, verbose: bool = False) -> None:
        Path(path).mkdir()
        (Path(path) / "saved_model.pb").write_bytes(b"")


def test_without_a_champion_the_error_says_why_and_offers_the_candidate(
    tmp_path, capsys, monkeypatch
) -> None:
    from tests.integration.conftest import make_project_copy

    project = make_project_copy(tmp_path)
    monkeypatch.chdir(project)
    assert main(["a review"]) == 2
    assert "no run has exported one yet" in capsys.readouterr().err
    reason = "bigru_pool not blessed: test accuracy 0.8822 does not beat the best linear row nbsvm's 0.9170"
    (project / "data/08_reporting/sentiment").mkdir(parents=True)
    (project / "data/08_reporting/sentiment/blessing.json").write_text(json.dumps({"reason": reason}))
    candidate = project / "data/06_models/sentiment/candidate"
    SavedModelDataset(filepath=str(candidate)).save(EmptyArchive())
    assert main(["a review"]) == 2
    error = capsys.readouterr().err
    version = json.loads((candidate / "current.json").read_text())["version"]
    assert reason in error and f"--model data/06_models/sentiment/candidate/{version}" in error
