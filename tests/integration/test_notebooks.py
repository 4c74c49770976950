"""The notebooks run top to bottom, unedited, on a project after one smoke run of each pipeline (with
the kernel a user gets: ``python3``, Kedro's IPython extension, ``KEDRO_ENV=smoke``) — a team member's
working copy, whose runs, data and champions are on the team's bucket and MLflow server: the notebooks
find them through the data root and the tracking URI; on a project with no run they stop at the first
missing output with one sentence, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import TeamRuns, make_project_copy

pytestmark = pytest.mark.real_data
NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds a cell may take (the slowest, a smoke model reading a review, takes ~5 s)


def execute(notebook: Path, project: Path) -> tuple[object, BaseException | None]:
    """Run ``notebook`` with ``project`` as its working folder; returns it with its outputs and the
    error that stopped it, if any."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    document = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        document, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(project)}}
    )
    try:
        client.execute()
    except CellExecutionError as error:
        return document, error
    return document, None


@pytest.fixture(autouse=True)
def smoke_kernel(monkeypatch) -> None:
    monkeypatch.setenv("KEDRO_ENV", "smoke")  # what `kedro jupyter lab --env=smoke` sets for its kernels
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


@pytest.fixture
def project(team_runs: TeamRuns, monkeypatch) -> Path:
    """The working copy that ran the three smoke pipelines on the team's set-up, with its shell's settings
    (the kernel inherits them)."""
    for key, value in team_runs.env.items():
        monkeypatch.setenv(key, value)
    return team_runs.project


def test_there_are_the_four_notebooks() -> None:
    assert [n.name for n in NOTEBOOKS] == [
        "01_data_and_validation.ipynb",
        "02_compare_runs.ipynb",
        "03_memory_of_a_review.ipynb",
        "04_forecast_and_generate.ipynb",
    ]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_a_notebook_runs_top_to_bottom_after_a_smoke_run(project: Path, notebook: Path) -> None:
    document, error = execute(notebook, project)
    assert error is None, str(error)[-3000:]
    code = [cell for cell in document.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)  # every cell ran
    figures = sum("image/png" in output.get("data", {}) for cell in code for output in cell.outputs)
    assert figures >= (1 if notebook.name.startswith("04") else 2)  # plots where a person would look


def test_a_notebook_without_its_outputs_stops_with_one_sentence(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("RNN_PIPELINES_DATA_ROOT", raising=False)
    empty = make_project_copy(tmp_path)
    document, error = execute(NOTEBOOKS[0], empty)
    assert error is not None
    errors = [o for cell in document.cells for o in cell.get("outputs", []) if o.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename == "MissingOutput"
    (line,) = errors[0].traceback  # the sentence, not a traceback
    assert "'sentiment.train' is not there yet" in line
    assert "kedro run --pipelines=sentiment --env=smoke" in line
