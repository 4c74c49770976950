"""``deploy/local-cluster up | down``: a whole Airflow cluster for the project on this machine's loopback.

``up`` starts what a real deployment runs on several machines, as plain processes, each on a free port:
PostgreSQL (Airflow's metadata database and the MLflow server's backend store), Redis (the Celery broker),
an S3 API server (the team's bucket: data, models, champions, locks, the MLflow artifacts), the MLflow
server, and Airflow 3: ``api-server``, ``scheduler``, ``dag-processor`` and ``--workers`` Celery workers.
Each worker runs in **its own working copy of the project** (its own folder, working directory, TMPDIR and
local cache; the package is the installed one), so they share only what a real cluster shares: the bucket,
the MLflow server, the Airflow database and the broker. It waits until each component answers, prints the
addresses on stderr and, last on stdout, ``export NAME=value`` lines for a client:

    eval "$(uv run deploy/local-cluster up)"   # AIRFLOW_HOME, MLFLOW_TRACKING_URI, the data root ...
    uv run airflow dags trigger rnn_pipelines_forecasting
    uv run deploy/local-cluster down             # stops every process it started, removes its folders

Its folder is ``RNN_PIPELINES_CLUSTER_DIR`` (default ``$TMPDIR/rnn-pipelines-cluster``); ``cluster.json``
there records the processes ``down`` stops. The DAGs are generated from the project's template for
``--env`` (default ``smoke``) with no schedule (a local cluster runs what you trigger).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from deploy.project import copy_configuration
from deploy.services import (
    Service,
    exit_on_sigterm,
    free_port,
    start,
    start_mlflow,
    start_postgres,
    start_s3,
    stop_process,
    wait_until,
)

BUCKET = "rnn-cluster"
PIPELINES = ("sentiment", "forecasting", "text_generation")
STATE = "cluster.json"


def default_folder() -> Path:
    return Path(
        os.environ.get("RNN_PIPELINES_CLUSTER_DIR") or Path(tempfile.gettempdir()) / "rnn-pipelines-cluster"
    )


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def start_redis(folder: Path) -> Service:
    """Redis on a free port, in memory only (the broker's queue needs no persistence here)."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "redis.log"
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = start(command, log, cwd=folder)
    service = Service("redis", f"redis://127.0.0.1:{port}/0", [process.pid])
    try:
        import redis

        wait_until(lambda: redis.Redis(port=port).ping(), "Redis", 30, process, log)
    except BaseException:
        service.stop()
        raise
    return service


def airflow_config(home: Path, database: str, broker: str, api_port: int, dags: Path) -> Path:
    """``airflow.cfg`` shared by every component (a real cluster keeps it homogeneous too)."""
    home.mkdir(parents=True, exist_ok=True)
    config = f"""[core]
executor = CeleryExecutor
dags_folder = {dags}
load_examples = False
hostname_callable = rnn_pipelines.workers.hostname
execution_api_server_url = http://127.0.0.1:{api_port}/execution/
simple_auth_manager_all_admins = True
dags_are_paused_at_creation = False

[database]
sql_alchemy_conn = {database}
sql_alchemy_conn_async = {database}

[celery]
broker_url = {broker}
result_backend = db+{database}
worker_concurrency = 1

[api]
host = 127.0.0.1
port = {api_port}
base_url = http://127.0.0.1:{api_port}

[api_auth]
jwt_secret = {secrets.token_hex(32)}

[scheduler]
# a lost worker's task is noticed after this many seconds without a heartbeat, then retried (default 300)
task_instance_heartbeat_timeout = 30
task_instance_heartbeat_timeout_detection_interval = 5

[dag_processor]
refresh_interval = 30
"""
    path = home / "airflow.cfg"
    path.write_text(config)
    return path


def airflow(*args: str) -> list[str]:
    return [sys.executable, "-m", "airflow", *args]


def generate_dags(project: Path, env: str, pipelines: tuple[str, ...], params: dict[str, Any]) -> Path:
    """The project's DAGs (kedro-airflow, the project's template), triggered by hand only; ``params``
    override ``conf/<env>/airflow.yml`` (e.g. a shorter ``retry_delay``)."""
    from importlib.resources import files

    template = str(files("rnn_pipelines").joinpath("airflow_dag.j2"))
    settings = ",".join(f"{key}={value}" for key, value in {"schedule": "null", **params}.items())
    command = [sys.executable, "-m", "kedro", "airflow", "create", "--env", env, "--group-by", "memory"]
    command += ["--pipelines", ",".join(f"{p}_training" for p in pipelines), "--jinja-file", template]
    command += ["--target-dir", "airflow_dags", "--params", settings]
    env_vars = {**os.environ, "DO_NOT_TRACK": "1"}
    result = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False, env=env_vars)
    if result.returncode != 0:
        raise RuntimeError(f"kedro airflow create failed:\n{result.stderr[-3000:]}")
    return project / "airflow_dags"


class Cluster:
    """The processes and folders of a local cluster, recorded in ``<folder>/cluster.json`` as they start."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.state: dict[str, Any] = {
            "folder": str(folder),
            "services": [],
            "folders": [str(folder)],
            "workers": {},
        }

    def keep(self, service: Service) -> Service:
        self.state["services"].append(service.__dict__ | {"pids": list(service.pids)})
        self.save()
        return service

    def save(self) -> None:
        (self.folder / STATE).write_text(json.dumps(self.state, indent=2))

    def shared_services(self) -> tuple[Service, Service, Service, Service]:
        """PostgreSQL (databases ``airflow`` and ``mlflow``), Redis, the S3 server, the MLflow server."""
        database_folder = Path(tempfile.mkdtemp(prefix="rnn-pipelines-postgres-"))
        database_folder.chmod(0o755)  # the server runs as `postgres`
        self.state["folders"].append(str(database_folder))
        postgres = self.keep(start_postgres(database_folder, "airflow", "mlflow"))
        say(f"PostgreSQL     {postgres.url} (and .../mlflow)")
        redis = self.keep(start_redis(self.folder / "redis"))
        say(f"Redis          {redis.url}")
        s3 = self.keep(start_s3(self.folder / "s3", (BUCKET,)))
        say(f"S3 API         {s3.url} (bucket {BUCKET})")
        backend = postgres.url.rsplit("/", 1)[0] + "/mlflow"
        mlflow = self.keep(
            start_mlflow(self.folder / "mlflow", backend, f"s3://{BUCKET}/mlflow-artifacts", s3.env)
        )
        say(f"MLflow server  {mlflow.url}")
        return postgres, redis, s3, mlflow

    def airflow(self, base: dict[str, str], api_port: int) -> str:
        """``airflow db migrate``, then the API server, the scheduler and the DAG processor; the API's URL."""
        import requests

        migrate = subprocess.run(
            airflow("db", "migrate"), env=base, capture_output=True, text=True, timeout=600, check=False
        )
        if migrate.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{migrate.stderr[-3000:]}")
        components = {
            "api-server": airflow("api-server", "--port", str(api_port), "--host", "127.0.0.1"),
            "scheduler": airflow("scheduler"),
            "dag-processor": airflow("dag-processor"),
        }
        for name, command in components.items():
            process = start(
                command, self.folder / "airflow" / f"{name}.log", env=base, cwd=self.folder / "scheduler"
            )
            self.keep(Service(f"airflow {name}", "", [process.pid]))
        api = f"http://127.0.0.1:{api_port}"
        health = f"{api}/api/v2/monitor/health"
        log = self.folder / "airflow" / "api-server.log"
        wait_until(lambda: requests.get(health, timeout=2).ok, "the Airflow API server", 180, None, log)
        say(f"Airflow API    {api} (UI and REST API; every user is an admin on this local cluster)")
        return api

    def worker(
        self, name: str, base: dict[str, str], config: Path, dags: Path, conf: Mapping[str, str]
    ) -> Path:
        """A Celery worker in a working copy of its own (folder, working directory, TMPDIR, local cache,
        Airflow home and logs), with the DAGs and ``conf`` deployed to it; returns the copy."""
        root = self.folder / "workers" / name
        copy = configured_copy(root / "project", conf)
        shutil.copytree(dags, copy / "airflow_dags")
        (root / "tmp").mkdir(parents=True)
        (root / "airflow").mkdir()
        shutil.copy(config, root / "airflow" / "airflow.cfg")
        env = base | {
            "AIRFLOW_HOME": str(root / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(copy / "airflow_dags"),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "RNN_PIPELINES_WORKER_NAME": name,
            "RNN_PIPELINES_PROJECT": str(copy),
            "RNN_PIPELINES_CACHE_DIR": str(root / "cache"),
            "TMPDIR": str(root / "tmp"),
        }
        log = root / "worker.log"
        command = airflow("celery", "worker", "--celery-hostname", f"{name}@%h", "--concurrency", "1")
        process = start(command, log, env=env, cwd=copy)
        self.keep(Service(f"airflow celery {name}", "", [process.pid]))
        wait_until(
            lambda: "ready." in log.read_text(errors="replace"),
            f"the Celery worker {name}",
            180,
            process,
            log,
        )
        self.state["workers"][name] = {
            "project": str(copy),
            "logs": str(root / "airflow" / "logs"),
            "pid": process.pid,
        }
        say(f"Celery worker  {name}: its own copy {copy}")
        return copy


def configured_copy(project: Path, conf: Mapping[str, str]) -> Path:
    """A working copy of the project (``deploy.project.copy_configuration``) with the files ``conf``
    (path in the project → text) written over its own, as a team deploys its configuration."""
    copy = copy_configuration(project)
    for relative, text in conf.items():
        (copy / relative).parent.mkdir(parents=True, exist_ok=True)
        (copy / relative).write_text(text)
    return copy


def up(
    folder: Path,
    *,
    env: str = "smoke",
    workers: int = 2,
    pipelines: tuple[str, ...] = PIPELINES,
    dag_params: dict[str, Any] | None = None,
    conf: Mapping[str, str] | None = None,
) -> dict:
    """Start the cluster in ``folder``; returns what ``down`` needs and the client's environment.
    ``conf`` (path in the project → text, e.g. ``conf/smoke/globals.yml``) is written into every copy
    before the DAGs are generated from it."""
    import requests

    if (folder / STATE).exists():
        raise SystemExit(f"A cluster is already up in {folder} (its {STATE} is there): `down` it first.")
    folder.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(folder)
    postgres, redis, s3, mlflow = cluster.shared_services()
    team = {**s3.env, **mlflow.env, "RNN_PIPELINES_DATA_ROOT": f"s3://{BUCKET}/rnn-pipelines"}
    conf = dict(conf or {})
    scheduler_copy = configured_copy(folder / "scheduler" / "project", conf)
    dags = generate_dags(scheduler_copy, env, pipelines, dag_params or {})
    api_port = free_port()
    home = folder / "airflow"
    config = airflow_config(home, postgres.url, redis.url, api_port, dags)
    base = {**os.environ, **team, "AIRFLOW_HOME": str(home), "DO_NOT_TRACK": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    api = cluster.airflow(base, api_port)
    copies = [scheduler_copy] + [
        cluster.worker(f"worker-{chr(ord('a') + i)}", base, config, dags, conf) for i in range(workers)
    ]
    expected = {f"rnn_pipelines_{p}" for p in pipelines}

    def parsed() -> bool:
        found = requests.get(f"{api}/api/v2/dags", timeout=5).json().get("dags", [])
        return expected <= {d["dag_id"] for d in found}

    wait_until(
        parsed, "the DAGs in the Airflow database", 180, None, folder / "airflow" / "dag-processor.log"
    )
    say(f"DAGs           {', '.join(sorted(expected))} (env {env}, triggered by hand)")
    cluster.state |= {
        "env": {"AIRFLOW_HOME": str(home), **team},
        "api": api,
        "copies": [str(c) for c in copies],
    }
    cluster.save()
    return cluster.state


def down(folder: Path) -> list[str]:
    """Stop every process ``up`` started in ``folder`` (by pid, newest first) and remove its folders."""
    path = folder / STATE
    if not path.exists():
        return []
    state = json.loads(path.read_text())
    stopped = []
    for service in reversed(state["services"]):
        if service.get("stop_command"):
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                subprocess.run(service["stop_command"], capture_output=True, timeout=60, check=False)
        for pid in service["pids"]:
            stop_process(pid, group=service.get("groups", True))
        stopped.append(service["name"])
    for name in state["folders"]:
        shutil.rmtree(name, ignore_errors=True)
    return stopped


def exports(state: dict) -> str:
    """The ``export`` lines a client evaluates to talk to the cluster."""
    return "\n".join(f"export {key}={value}" for key, value in state["env"].items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="deploy/local-cluster", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["up", "down"])
    parser.add_argument("--dir", type=Path, default=None, help="the cluster's folder (default: %(default)s)")
    parser.add_argument("--env", default="smoke", help="the configuration environment of the DAGs")
    parser.add_argument("--workers", type=int, default=2, help="Celery workers, each in its own copy")
    args = parser.parse_args(argv)
    folder = (args.dir or default_folder()).resolve()
    exit_on_sigterm()
    if args.command == "down":
        stopped = down(folder)
        say(f"stopped {len(stopped)} processes; removed {folder}" if stopped else f"no cluster in {folder}")
        return 0
    started = time.monotonic()
    try:
        state = up(folder, env=args.env, workers=args.workers)
    except BaseException:
        say("the cluster did not come up: stopping what started")
        down(folder)
        raise
    say(f"up in {time.monotonic() - started:.0f} s; `deploy/local-cluster down` stops it")
    print(exports(state))
    return 0


if __name__ == "__main__":
    sys.exit(main())
