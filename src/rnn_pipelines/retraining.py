"""Scheduled retraining: retrain a domain pipeline only when its data, parameters or code changed.

One retraining = ingest and validate the domain's data (``<domain>_data``) → fingerprint it (sha256 of the
validated data, of the parameters the pipeline reads, and of the package's code) → compare with the last
successful retraining → train, report, export and bless (``<pipeline>_training``) only when something
changed or ``force`` is set → remember the fingerprint once it succeeded.

Every step logs into one MLflow run per retraining (created here, resumed by every Kedro session through
``RNN_PIPELINES_MLFLOW_RUN_ID``), whose tags say whether it retrained or skipped, and why. The decisions are
also appended to ``<data_root>/08_reporting/retraining/<pipeline>.json``, beside the pipeline's run lock,
so every machine that shares the data root shares both. Used by ``rnn-pipelines retrain`` (cron)
and by the Airflow DAGs (one task per step).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from rnn_pipelines.domains import BY_NAME
from rnn_pipelines.errors import RunRefused, UserError

logger = logging.getLogger(__name__)

# read by conf/base/mlflow.yml (tracking.run.id and .name)
RUN_ID_VARIABLE, RUN_NAME_VARIABLE = "RNN_PIPELINES_MLFLOW_RUN_ID", "RNN_PIPELINES_MLFLOW_RUN_NAME"
HISTORY_LENGTH = 50  # decisions kept per pipeline


class RetrainingError(UserError, RuntimeError):
    """A retraining cannot start: unknown pipeline, or another retraining of it is running."""


class RunLockedError(RetrainingError, RunRefused):
    """Another run of the pipeline holds its lock (exit code 3)."""


def check_pipeline(pipeline: str) -> str:
    if pipeline not in BY_NAME:
        raise RetrainingError(f"Unknown pipeline '{pipeline}'; retraining knows {sorted(BY_NAME)}.")
    return pipeline


def _sha256(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def code_sha256() -> str:
    """sha256 of the package's source files (works from a wheel as well as from a git checkout)."""
    digest = hashlib.sha256()
    root = files("rnn_pipelines")
    for path in sorted(Path(str(root)).rglob("*")):
        if path.suffix in (".py", ".j2") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(Path(str(root))).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def data_sha256(data: Any) -> str:
    """Content sha256 of a validated dataset (a table or a text)."""
    from rnn_pipelines.reporting.provenance import table_sha256, text_sha256

    return text_sha256(data) if isinstance(data, str) else table_sha256(data)


def fingerprint(pipeline: str, data: Any, parameters: dict[str, Any]) -> dict[str, str]:
    """What a retraining depends on: the validated data, the parameters the pipeline reads, the code."""
    keys = BY_NAME[check_pipeline(pipeline)].parameter_keys
    return {
        "data_sha256": data_sha256(data),
        "parameters_sha256": _sha256({key: parameters.get(key) for key in keys}),
        "code_sha256": code_sha256(),
    }


def changes(current: dict[str, str], last: dict[str, str] | None) -> list[str]:
    """Which parts of the fingerprint differ from the last successful retraining (all when none)."""
    if not last:
        return ["no successful retraining yet"]
    names = {"data_sha256": "data", "parameters_sha256": "parameters", "code_sha256": "code"}
    return [names[key] for key in names if current.get(key) != last.get(key)]


def storage_settings(project: Path, env: str | None = None) -> dict[str, Any]:
    """The project's ``data_root`` (absolute, or a URL) and ``lock_lease_seconds`` for ``env``."""
    from rnn_pipelines.settings import CONFIG_LOADER_ARGS, ProjectConfigLoader

    loader = ProjectConfigLoader(conf_source=str(Path(project) / "conf"), env=env, **CONFIG_LOADER_ARGS)
    values = loader["globals"]
    return {"data_root": values["data_root"], "lock_lease_seconds": values.get("lock_lease_seconds", 60)}


class State:
    """``<data_root>/08_reporting/retraining/<pipeline>.json``: the last successful fingerprint, the pending
    retraining, and the latest decisions. Written whole or not at all (``storage.write_json``)."""

    def __init__(self, root: str, pipeline: str) -> None:
        from rnn_pipelines.datasets.locks import records_url

        self.url = records_url(root, f"{check_pipeline(pipeline)}.json")

    def load(self) -> dict[str, Any]:
        from kedro.io.core import DatasetError

        from rnn_pipelines.datasets import storage

        try:
            found = storage.read_json(self.url)
        except DatasetError as error:
            raise RetrainingError(f"Retraining state {error}") from error
        return found if found is not None else {"last_success": None, "pending": None, "history": []}

    def save(self, state: dict[str, Any]) -> None:
        from rnn_pipelines.datasets import storage

        state["history"] = state["history"][-HISTORY_LENGTH:]
        storage.write_json(self.url, state)


WAIT_VARIABLE = "RNN_PIPELINES_LOCK_WAIT"


def held_here(root: str, pipeline: str) -> bool:
    """Whether this process holds ``pipeline``'s lock under the data root ``root`` (a retraining running
    its Kedro session)."""
    from rnn_pipelines.datasets.locks import held_here as held
    from rnn_pipelines.datasets.locks import lock_url

    return held(lock_url(root, check_pipeline(pipeline)))


@contextmanager
def locked(
    root: str,
    pipeline: str,
    wait_seconds: float = 0,
    *,
    kind: str = "retraining",
    lease_seconds: float = 60,
    owner: str | None = None,
    keep: bool = False,
) -> Iterator[None]:
    """Hold ``pipeline``'s lock under the data root ``root``: one run (``kedro run``, a retraining, an
    Airflow task) of a pipeline at a time for every machine that shares the data root. A second one waits
    ``wait_seconds`` and then stops with a message naming the holder (host, pid, start time, command). A
    holder that died loses the lock: the OS frees a local one, a lease on S3 goes stale after
    ``lease_seconds`` (``rnn_pipelines.datasets.locks``). With ``owner`` (an Airflow run), a lease of the same
    owner is joined and, with ``keep``, left for the owner's next task (``release_run`` ends it)."""
    from rnn_pipelines.datasets.locks import LockHeldError, hold, lock_url

    url = lock_url(root, check_pipeline(pipeline))
    with ExitStack() as held:
        try:
            held.enter_context(
                hold(url, wait_seconds=wait_seconds, lease_seconds=lease_seconds, owner=owner, keep=keep)
            )
        except LockHeldError as error:
            raise RunLockedError(
                f"Another {kind} of '{pipeline}' is running ({error.holder}); not starting a second one "
                f"(waited {wait_seconds:g} s; lock {url}). Try again when it has finished, or wait for it: "
                f"`rnn-pipelines retrain --wait SECONDS`, or {WAIT_VARIABLE}=SECONDS for `kedro run`."
            ) from None
        yield


def release_run(project: Path, pipeline: str, owner: str, *, env: str | None = None) -> None:
    """End the lease an Airflow run kept across its tasks (its last task, or its failure)."""
    from rnn_pipelines.datasets.locks import lock_url, release

    release(lock_url(storage_settings(Path(project), env)["data_root"], check_pipeline(pipeline)), owner)


def _run_lock(
    project: Path,
    pipeline: str,
    env: str | None,
    owner: str | None,
    wait_seconds: float,
    lease_seconds: float,
) -> Any:
    """The pipeline's lock for a step of an Airflow run (``owner``): joined across its tasks and kept."""
    root = storage_settings(project, env)["data_root"]
    return locked(
        root, pipeline, wait_seconds, kind="run", lease_seconds=lease_seconds, owner=owner, keep=True
    )


def lock_wait_seconds() -> float:
    """How long ``kedro run`` waits for a running run of the same pipeline (``RNN_PIPELINES_LOCK_WAIT``,
    seconds; default 0: refuse at once)."""
    value = os.environ.get(WAIT_VARIABLE, "0")
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also NaN
        raise RetrainingError(f"{WAIT_VARIABLE}={value!r}: expected a number of seconds, 0 or more.")
    return seconds


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def _session(project: Path, env: str | None, run_id: str | None = None) -> Iterator[Any]:
    """A Kedro session whose kedro-mlflow run is ``run_id`` under the name it has now (a run summary may
    have renamed it: resuming under the pipeline's name would undo that); a new run when ``None``."""
    import mlflow
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(project)
    names = (RUN_ID_VARIABLE, RUN_NAME_VARIABLE)
    before = {name: os.environ.pop(name, None) for name in names}
    try:
        with KedroSession.create(project_path=project, env=env) as session:
            if run_id:
                session.load_context()  # kedro-mlflow points MLflow at the project's store
                name = mlflow.MlflowClient().get_run(run_id).info.run_name
                # session.run loads the context again: kedro-mlflow then reads both variables
                os.environ.update({RUN_ID_VARIABLE: run_id, RUN_NAME_VARIABLE: name})
            yield session
    finally:
        for name, value in before.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value


def _start_mlflow_run(context: Any, pipeline: str, tags: dict[str, str]) -> str:
    """Create the retraining's MLflow run (in the project's tracking store and experiment)."""
    import mlflow

    experiment = context.mlflow.tracking.experiment.name
    client = mlflow.MlflowClient()
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment)
    run = client.create_run(experiment_id, run_name=pipeline, tags={"retraining": "true", **tags})
    return run.info.run_id


def _tag_run(run_id: str, tags: dict[str, str], *, status: str | None = None) -> None:
    import mlflow

    client = mlflow.MlflowClient()
    for key, value in tags.items():
        client.set_tag(run_id, key, value)
    if status:
        client.set_terminated(run_id, status=status)


def prepare(
    project: Path,
    pipeline: str,
    *,
    env: str | None = None,
    force: bool = False,
    tags: dict[str, str] | None = None,
    owner: str | None = None,
    wait_seconds: float = 0,
    lease_seconds: float = 1800,
) -> dict[str, Any]:
    """Start a retraining: create its MLflow run, ingest and validate the data (a validation failure raises
    and leaves everything else as it was), fingerprint, and decide.

    Args:
        owner: The Airflow run this is the first task of: it takes the pipeline's lease for the whole run
            (waiting ``wait_seconds``; ``lease_seconds`` without a task renewing it makes it stale), kept for
            the run's next tasks unless it skips. Without: the caller holds the lock (``retrain``).

    Returns:
        ``retrain`` (bool), ``reason``, ``fingerprint``, ``changes`` and ``mlflow_run_id``. A skip is
        recorded (state history, MLflow tags) here; a retraining is left pending until ``finish``.
    """
    project = Path(project).resolve()
    if owner is None:
        return _prepare(project, pipeline, env=env, force=force, tags=tags)
    try:
        with _run_lock(project, pipeline, env, owner, wait_seconds, lease_seconds):
            decision = _prepare(project, pipeline, env=env, force=force, tags=tags)
    except BaseException:  # a validation failure, a refusal: the run ends here
        release_run(project, pipeline, owner, env=env)
        raise
    if not decision["retrain"]:
        release_run(project, pipeline, owner, env=env)
    return decision


def _prepare(
    project: Path, pipeline: str, *, env: str | None, force: bool, tags: dict[str, str] | None
) -> dict[str, Any]:
    domain = BY_NAME[check_pipeline(pipeline)]
    with _session(project, env) as session:
        context = session.load_context()
        from rnn_pipelines.schemas import check_parameters

        # before anything is read or an MLflow run opens (kedro run checks in ParameterCheckHook)
        check_parameters(context.params, domain.parameter_keys, conf=project / "conf", env=context.env)
        run_id = _start_mlflow_run(context, pipeline, tags or {})
    logger.info("Retraining %s: MLflow run %s", pipeline, run_id)
    try:
        with _session(project, env, run_id) as session:
            session.run(pipeline_names=[domain.data_pipeline])
            context = session.load_context()
            current = fingerprint(pipeline, context.catalog.load(domain.dataset), context.params)
    except Exception:
        _tag_run(run_id, {"retraining.decision": "failed", "retraining.stage": "ingestion"}, status="FAILED")
        raise
    state_file = State(storage_settings(project, env)["data_root"], pipeline)
    state = state_file.load()
    last = state.get("last_success")
    changed = changes(current, last and last["fingerprint"])
    retrain = bool(changed) or force
    if retrain:
        why = "forced" if force and not changed else f"changed: {', '.join(changed)}"
        reason = f"retraining {pipeline}: {why}"
    else:
        reason = (
            f"skipped {pipeline}: data, parameters and code are unchanged since the retraining of "
            f"{last['finished_at']} (MLflow run {last['mlflow_run_id']})"
        )
    decision = {
        "retrain": retrain,
        "reason": reason,
        "changes": changed,
        "forced": force,
        "fingerprint": current,
        "mlflow_run_id": run_id,
        "started_at": _now(),
    }
    logger.info(reason)
    run_tags = {f"retraining.{key}": value for key, value in current.items()}
    run_tags |= {"retraining.decision": "retrain" if retrain else "skipped", "retraining.reason": reason}
    if retrain:
        state["pending"] = decision
        _tag_run(run_id, run_tags)
    else:
        state["history"].append({**decision, "outcome": "skipped"})
        _tag_run(run_id, run_tags, status="FINISHED")
    state_file.save(state)
    return decision


def train(project: Path, pipeline: str, run_id: str, *, env: str | None = None) -> None:
    """Run ``<pipeline>_training`` inside the retraining's MLflow run (marks the attempt failed on error)."""
    project = Path(project).resolve()
    try:
        with _session(project, env, run_id) as session:
            session.run(pipeline_names=[BY_NAME[check_pipeline(pipeline)].training_pipeline])
    except Exception as error:
        fail(project, pipeline, run_id, f"{type(error).__name__}: {error}", env=env)
        raise


def run_nodes(
    project: Path,
    pipeline: str,
    run_id: str,
    node_names: list[str],
    *,
    env: str | None = None,
    wait_seconds: float = 0,
    owner: str | None = None,
    lease_seconds: float = 1800,
) -> None:
    """Run some nodes of ``<pipeline>_training`` inside the retraining's MLflow run (an Airflow task),
    holding the pipeline's lock (waiting ``wait_seconds`` for a run that holds it): with ``owner`` (the
    Airflow run), the run's lease, joined beside its other tasks and kept for the next ones."""
    project = Path(project).resolve()
    settings = storage_settings(project, env)
    lock = (
        _run_lock(project, pipeline, env, owner, wait_seconds, lease_seconds)
        if owner
        else locked(
            settings["data_root"],
            pipeline,
            wait_seconds,
            kind="run",
            lease_seconds=settings["lock_lease_seconds"],
        )
    )
    with lock, _session(project, env, run_id) as session:
        session.run(
            pipeline_names=[BY_NAME[check_pipeline(pipeline)].training_pipeline], node_names=node_names
        )


def finish(
    project: Path, pipeline: str, run_id: str, *, env: str | None = None, owner: str | None = None
) -> dict[str, Any]:
    """Record a successful retraining: its fingerprint becomes the one the next run compares with; the
    Airflow run ``owner``'s lease ends."""
    state_file = State(storage_settings(Path(project).resolve(), env)["data_root"], pipeline)
    state = state_file.load()
    pending = state.get("pending")
    if not pending or pending["mlflow_run_id"] != run_id:
        raise RetrainingError(f"No pending retraining of '{pipeline}' with MLflow run {run_id} to finish.")
    done = {**pending, "outcome": "retrained", "finished_at": _now()}
    state.update(last_success=done, pending=None)
    state["history"].append(done)
    state_file.save(state)
    _tag_run(run_id, {"retraining.outcome": "retrained"}, status="FINISHED")
    logger.info("Retraining of %s finished; fingerprint recorded", pipeline)
    if owner:
        release_run(project, pipeline, owner, env=env)
    return done


def fail(
    project: Path, pipeline: str, run_id: str, error: str, *, env: str | None = None, owner: str | None = None
) -> None:
    """Record a failed retraining; the last successful fingerprint (and the champion) stay as they were;
    the Airflow run ``owner``'s lease ends."""
    state_file = State(storage_settings(Path(project).resolve(), env)["data_root"], pipeline)
    state = state_file.load()
    pending = state.get("pending") or {"mlflow_run_id": run_id}
    state["history"].append({**pending, "outcome": "failed", "error": error[-2000:], "finished_at": _now()})
    state["pending"] = None
    state_file.save(state)
    _tag_run(run_id, {"retraining.outcome": "failed"}, status="FAILED")
    if owner:
        release_run(project, pipeline, owner, env=env)


def retrain(
    project: Path,
    pipeline: str,
    *,
    env: str | None = None,
    force: bool = False,
    wait_seconds: float = 0,
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One whole retraining under the pipeline's lock (the cron path): prepare → train → finish."""
    project = Path(project).resolve()
    settings = storage_settings(project, env)
    with locked(settings["data_root"], pipeline, wait_seconds, lease_seconds=settings["lock_lease_seconds"]):
        decision = prepare(project, pipeline, env=env, force=force, tags=tags)
        if decision["retrain"]:
            train(project, pipeline, decision["mlflow_run_id"], env=env)
            finish(project, pipeline, decision["mlflow_run_id"], env=env)
    return decision


def main(argv: list[str] | None = None) -> int:
    """``rnn-pipelines retrain PIPELINE [--env ENV] [--force] [--wait SECONDS]`` (the cron entry point)."""
    from rnn_pipelines.cli import invoke, retrain

    return invoke(retrain, argv, "rnn-pipelines retrain")
