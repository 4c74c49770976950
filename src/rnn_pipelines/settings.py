"""Project settings: https://docs.kedro.org/en/stable/kedro_project_setup/settings.html"""

import os
from pathlib import Path
from typing import Any

from kedro.config import OmegaConfigLoader
from kedro.utils import find_kedro_project
from omegaconf import OmegaConf
from omegaconf.resolvers import oc

SERVER_SCHEMES = ("http", "https", "databricks")  # tracking URIs of an MLflow server


class ProjectConfigLoader(OmegaConfigLoader):
    """``OmegaConfigLoader`` plus two resolvers, and ``data_root`` made absolute.

    - ``${project_path:}``, the absolute project folder: ``conf/base/mlflow.yml`` needs it for an absolute
      SQLite tracking URI inside the project, wherever ``kedro`` is started from.
    - ``${artifacts_beside:URI}``: where a new experiment keeps its artifacts: beside a tracking store in
      the project (``mlflow/artifacts``), or ``null`` for an MLflow server, whose experiments take the
      artifact root the server was started with (a proxied store every client reaches).
    - ``globals``' ``data_root``: a relative folder is made absolute against the project, so the catalog,
      the locks and the retraining records find the same folder wherever the process was started; a URL
      stays as it is.

    The resolvers are re-registered by each loader, so several projects (tests, notebooks) loaded one
    after another in one process each resolve to their own folder.
    """

    def __init__(self, conf_source: str, *args, **kwargs) -> None:
        # MLflow's set_tracking_uri exports MLFLOW_TRACKING_URI for subprocesses; remember the user's
        # own value from before this session's kedro-mlflow set-up (CloseMlflowRunHook restores it).
        self.user_tracking_uri = os.environ.get("MLFLOW_TRACKING_URI")
        project = find_kedro_project(Path(conf_source).resolve()) or Path(conf_source).resolve().parent
        self.project_path = project
        OmegaConf.register_resolver("project_path", project.as_posix, replace=True)
        OmegaConf.register_resolver(
            "artifacts_beside",
            lambda uri: (
                None if str(uri).split(":", 1)[0] in SERVER_SCHEMES else f"{project}/mlflow/artifacts"
            ),
            replace=True,
        )
        super().__init__(conf_source, *args, **kwargs)

    def __getitem__(self, key: str) -> Any:
        """The configuration; for ``parameters``, every domain's ``variants`` shrunk by its ``shrink``
        rule when the environment sets one (``conf/smoke``: caps on units and embedding width), so a
        variant added to ``conf/base`` runs in the smoke environment without being listed there."""
        config = super().__getitem__(key)
        if key == "globals" and config.get("data_root"):
            from rnn_pipelines.datasets.storage import absolute

            config["data_root"] = absolute(str(config["data_root"]), self.project_path)
        if key in ("globals", "airflow"):
            from rnn_pipelines.schemas.check import check_file_config

            check_file_config(key, config, Path(self.conf_source), self.env)
        if key == "parameters":
            from rnn_pipelines.models.builder import shrink_variants

            for section in config.values():
                if isinstance(section, dict) and section.get("shrink") and "variants" in section:
                    section["variants"] = shrink_variants(section["variants"], section["shrink"])
        return config


CONFIG_LOADER_CLASS = ProjectConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # ${oc.env:RNN_PIPELINES_DATA_MIRROR,null} in globals.yml: the data mirror comes from the
    # environment unless conf/local sets it; MLFLOW_TRACKING_URI likewise in mlflow.yml.
    "custom_resolvers": {"oc.env": oc.env},
    # conf/smoke and conf/local list only the keys they change; the rest comes from conf/base.
    "merge_strategy": {"parameters": "soft", "globals": "soft", "catalog": "soft", "mlflow": "soft"},
    # kedro-mlflow adds this pattern when its hook runs; the project reads mlflow.yml before that (the
    # tracking server is checked before kedro-mlflow talks to it) and outside runs (predict, notebooks)
    "config_patterns": {"mlflow": ["mlflow*", "mlflow*/**", "**/mlflow*"]},
}

from rnn_pipelines import logs  # noqa: E402
from rnn_pipelines.hooks import (  # noqa: E402
    CloseMlflowRunHook,
    ConfigForRegistryHook,
    ParameterCheckHook,
    PipelineLockHook,
    ProgressHook,
    StorageCheckHook,
)

# conf/logging.yml plus what a YAML file cannot say: plain unwrapped lines when the output is a file or
# a task log, and the dependencies' warnings a user cannot act on filtered (rnn_pipelines/logs.py)
logs.setup()

# StorageCheckHook checks the data root and the tracking server as the context is created; before the
# pipeline runs, pluggy calls the last registered of the tryfirst hooks first: parameters, then the lock
HOOKS = (
    ConfigForRegistryHook(),
    PipelineLockHook(),
    StorageCheckHook(),
    ParameterCheckHook(),
    CloseMlflowRunHook(),
    ProgressHook(),
)
