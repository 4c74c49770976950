"""Project hooks."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl

_ACTIVE: dict[str, Any] = {}


class ConfigForRegistryHook:
    """Hands the run's config loader (with its ``--env``) to ``register_pipelines``.

    Kedro creates the context before it builds the pipelines, so the registry can read the model
    variants a run actually configured (``conf/smoke`` or ``conf/local`` included).
    """

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        _ACTIVE["config_loader"] = context.config_loader


def active_config_loader() -> Any | None:
    """The config loader of the current Kedro context, or ``None`` outside a run."""
    return _ACTIVE.get("config_loader")


def restore_user_tracking_uri() -> None:
    """Put back the user's own ``MLFLOW_TRACKING_URI`` (or its absence), as ``ProjectConfigLoader`` saw it
    before kedro-mlflow's set-up exported the project's: a run that stops in ``before_pipeline_run``
    gets no ``after_pipeline_run`` or ``on_pipeline_error`` to do it."""
    import os

    user = getattr(active_config_loader(), "user_tracking_uri", None)
    if user is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = user


class CloseMlflowRunHook:
    """Leaves MLflow as the session found it when ``kedro run`` ends, so a second session in the same
    process (tests, notebooks, orchestrators) tracks into its own project.

    - kedro-mlflow 2.0.3 re-opens its run before every node; MLflow >= 3.13 stacks a re-opened active
      run instead of refusing it, so after the pipeline one ``end_run`` leaves the run active. This
      closes the stack (a run that was active before the session, an orchestrator's, stays open).
    - ``mlflow.set_tracking_uri`` exports ``MLFLOW_TRACKING_URI``, which the next session's
      ``mlflow.yml`` would read as the user's choice. This restores the user's own value (or its
      absence), as ``ProjectConfigLoader`` saw it before kedro-mlflow's set-up.

    Project hooks run after plugin hooks, so this sees the state kedro-mlflow leaves behind.
    """

    def __init__(self) -> None:
        self._outer_run_id: str | None = None
        self._user_tracking_uri: str | None = None
        self._run_id: str | None = None  # the pipeline's run: a failure's traceback is logged to it

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        import os

        import mlflow

        # MLflow prints "View run … at <url>" each time kedro-mlflow closes its run (once per node) when
        # tracking on a server; the run summary logs the review address once instead
        os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
        active = mlflow.active_run()
        self._outer_run_id = active.info.run_id if active else None
        self._user_tracking_uri = getattr(context.config_loader, "user_tracking_uri", None)

    def _close(self, status: str) -> None:
        import os

        import mlflow

        while (active := mlflow.active_run()) is not None and active.info.run_id != self._outer_run_id:
            mlflow.end_run(status)
        if self._user_tracking_uri is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = self._user_tracking_uri

    @hook_impl
    def after_pipeline_run(self, *args: Any, **kwargs: Any) -> None:
        self._close("FINISHED")

    @hook_impl
    def before_pipeline_run(self, *args: Any, **kwargs: Any) -> None:
        import mlflow

        active = mlflow.active_run()  # kedro-mlflow's run for the pipeline (plugin hooks ran first)
        self._run_id = active.info.run_id if active and active.info.run_id != self._outer_run_id else None

    @hook_impl
    def on_pipeline_error(self, error: Exception, *args: Any, **kwargs: Any) -> None:
        record_failure(self._run_id, error)  # while the project's tracking URI is still set
        self._close("FAILED")


def record_failure(run_id: str | None, error: BaseException) -> None:
    """Keep a failed pipeline's error with its MLflow run: the traceback as ``error/traceback.txt`` and
    the message as the ``error`` tag (the command line prints a user's mistake without its traceback)."""
    if run_id is None:
        return
    import logging
    import traceback

    import mlflow

    try:
        client = mlflow.MlflowClient()
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        client.log_text(run_id, text, "error/traceback.txt")
        client.set_tag(run_id, "error", f"{type(error).__name__}: {error}"[:5000])
    except Exception as failure:  # the run's own error matters more than its record
        logging.getLogger(__name__).warning("Could not keep the error in MLflow run %s: %s", run_id, failure)


class StorageCheckHook:
    """Stops a session before anything is read, written or tracked when its storage or its tracking server
    cannot be used: the data root (an unknown scheme, a missing driver, an unreachable endpoint, a missing
    bucket, refused credentials) and an MLflow server that does not answer. One sentence names the setting,
    the address and what failed. It runs as the context is created: before kedro-mlflow talks to the server
    and builds the catalog's datasets (some of which open their file system)."""

    @hook_impl(tryfirst=True)  # before kedro-mlflow talks to the server and builds every dataset
    def after_context_created(self, context: Any) -> None:
        import os

        from rnn_pipelines.datasets.storage import ROOT_VARIABLE, check_root
        from rnn_pipelines.datasets.tracking import check_tracking_server

        setting = f"data_root ({ROOT_VARIABLE})" if os.environ.get(ROOT_VARIABLE) else "data_root"
        check_root(setting, context.config_loader["globals"]["data_root"])
        check_tracking_server(context.config_loader["mlflow"]["server"]["mlflow_tracking_uri"])


class PipelineLockHook:
    """One run of a domain's pipeline at a time for every machine that shares the data root: ``kedro run``
    takes the same per-pipeline lock as ``rnn-pipelines retrain`` (``retraining.locked``) for every domain
    whose nodes it runs, before any node runs or any MLflow run opens, and releases it when the run ends.
    A second run refuses at once with a message naming the running one, or waits
    ``RNN_PIPELINES_LOCK_WAIT`` seconds. Runs of different domains run side by side; a retraining holding
    the lock runs its own session under it.
    """

    def __init__(self) -> None:
        self._locks = ExitStack()

    @hook_impl(tryfirst=True)  # before kedro-mlflow opens the run's MLflow run
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        from rnn_pipelines.domains import BY_NAME
        from rnn_pipelines.retraining import held_here, lock_wait_seconds, locked, storage_settings

        domains = {node.namespace.split(".")[0] for node in pipeline.nodes if node.namespace} & set(BY_NAME)
        try:
            settings = storage_settings(Path(run_params["project_path"]), run_params.get("env"))
            wait = lock_wait_seconds()
            for domain in sorted(domains):
                if not held_here(settings["data_root"], domain):
                    self._locks.enter_context(
                        locked(
                            settings["data_root"],
                            domain,
                            wait,
                            kind="run",
                            lease_seconds=settings["lock_lease_seconds"],
                        )
                    )
        except BaseException:
            self._release()
            restore_user_tracking_uri()
            raise

    def _release(self) -> None:
        self._locks.close()
        self._locks = ExitStack()

    @hook_impl
    def after_pipeline_run(self, *args: Any, **kwargs: Any) -> None:
        self._release()

    @hook_impl
    def on_pipeline_error(self, *args: Any, **kwargs: Any) -> None:
        self._release()


def _check_layers(parameters: dict[str, Any], sections: list[str], node_names: set[str]) -> None:
    """The layers of every variant the run trains (a node in its namespace ``<domain>.<variant>.``) against
    Keras (known layer types, their arguments' names), before the first node: the ``check_variants`` node
    checks them again with the vocabulary's sizes. A run without such nodes (an Airflow task that
    compares, reports or blesses) does not import Keras for it."""
    from rnn_pipelines.domains import BY_NAME

    for section in sections:
        if section in BY_NAME:
            for variant, spec in parameters[section]["variants"].items():
                if any(name.startswith(f"{section}.{variant}.") for name in node_names):
                    from rnn_pipelines.models.builder import validate_spec

                    validate_spec(variant, spec, {"Embedding": {"input_dim": 2}})  # sizes: from the data


class ParameterCheckHook:
    """Checks the parameters a run reads against their schemas (``rnn_pipelines.schemas``) before any
    node runs, any lock is taken or any MLflow run opens: one ``ParameterError`` lists every problem,
    each with its key path, value, rule and the file (or ``--params``) it came from."""

    @hook_impl(tryfirst=True)
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        from kedro.framework.project import settings

        from rnn_pipelines.schemas import check_parameters, sections_of

        parameters, sections = catalog.load("parameters"), sections_of(pipeline)
        try:
            check_parameters(
                parameters,
                sections,
                conf=Path(run_params["project_path"]) / settings.CONF_SOURCE,
                env=run_params.get("env"),
                runtime=run_params.get("runtime_params"),
            )
            _check_layers(parameters, sections, {node.name for node in pipeline.nodes})
        except Exception:
            restore_user_tracking_uri()  # the session stops here: leave the process as it was
            raise


class ProgressHook:
    """Says which row of how many the run is training (``variant 3/7: sentiment.bilstm``) as each
    training node starts, for its log line and its epochs' progress (``rnn_pipelines.logs``)."""

    def __init__(self) -> None:
        self._training: list[str] = []
        self._started = 0

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        self._training = [node.name for node in pipeline.nodes if is_training(node.name)]
        self._started = 0

    @hook_impl
    def before_node_run(self, node: Any, *args: Any, **kwargs: Any) -> None:
        import logging

        from rnn_pipelines import logs

        if node.name in self._training:
            self._started += 1
            logs.set_row(self._started, len(self._training))
            row = node.name.rsplit(".", 1)[0]
            logging.getLogger(__name__).info(
                "Training %s (%d of %d in this run)", row, self._started, len(self._training)
            )

    @hook_impl
    def after_node_run(self, node: Any, *args: Any, **kwargs: Any) -> None:
        from rnn_pipelines import logs

        if node.name in self._training:
            logs.set_row()

    @hook_impl
    def on_node_error(self, *args: Any, **kwargs: Any) -> None:
        from rnn_pipelines import logs

        logs.set_row()


def is_training(node_name: str) -> bool:
    """Whether a node trains a row (``<domain>.<row>.train_<what>``), as the Airflow DAGs also tell."""
    return ".train_" in node_name
