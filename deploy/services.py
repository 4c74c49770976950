"""The shared services of a team set-up, started as plain processes on loopback: a throwaway PostgreSQL
cluster, an S3 API server (moto), and an MLflow tracking server on both.

Used by the integration tests and by ``deploy/local-cluster``. Every service is started on a free port in a
folder of its own, waited for until it answers, and stopped by its process id (its whole process group);
nothing is left running after ``stop``. A real team runs managed equivalents (RDS, S3, a hosted MLflow):
the project needs only their addresses (README, "Team set-up").
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

S3_CREDENTIALS = {  # moto accepts any; a real store's come from the team's secrets
    "AWS_ACCESS_KEY_ID": "rnn-pipelines-test",
    "AWS_SECRET_ACCESS_KEY": "rnn-pipelines-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(
    check: Callable[[], bool],
    what: str,
    timeout: float,
    process: subprocess.Popen | None = None,
    log: Path | None = None,
) -> None:
    """Poll ``check`` until it is true; stop with the service's log when it exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except Exception:  # not up yet: refused, reset, 503
            pass
        if process is not None and process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with code {process.returncode}:\n{tail}")
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} did not answer within {timeout:.0f} s:\n{tail}")
        time.sleep(0.3)


def stop_process(pid: int, timeout: float = 30, *, group: bool = True) -> None:
    """Stop the process ``pid`` and, with ``group``, the process group it leads (SIGTERM, then SIGKILL
    after ``timeout``)."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
        try:
            os.killpg(pid, sig) if group else os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                finished, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not our child: poll its existence
                finished = 0 if _alive(pid) else pid
            if finished == pid:
                return
            time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def start(
    command: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen:
    """Start ``command`` in a process group of its own (so ``stop_process`` stops its children too)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True
        )


@dataclass
class Service:
    """A started service: its name, address, process ids (to stop) and the environment a client needs."""

    name: str
    url: str
    pids: list[int] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    stop_command: list[str] | None = None  # a clean stop first (pg_ctl stop); the pids after, if still there
    groups: bool = True  # each pid leads a process group of its own (started by ``start``)

    def stop(self) -> None:
        if self.stop_command:
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                subprocess.run(self.stop_command, capture_output=True, timeout=60, check=False)
        for pid in self.pids:
            stop_process(pid, group=self.groups)


def _postgres_bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian: apt-get install postgresql).")
    return found


def start_postgres(folder: Path, database: str = "rnn_pipelines", *others: str) -> Service:
    """A throwaway PostgreSQL cluster in ``folder`` on a free port (as the ``postgres`` user when run as root:
    the server refuses to run as root); its ``url`` is ``postgresql+psycopg://`` of ``database``; ``others``
    are created beside it (same address, their own name at the end of the URL)."""
    folder.mkdir(parents=True, exist_ok=True)
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(folder, "postgres")
    data, port = folder / "pgdata", free_port()
    subprocess.run(
        [*as_user, _postgres_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "rnn", "-E", "UTF8"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={folder} -c fsync=off"
    log = folder / "postgres.log"
    subprocess.run(
        [
            *as_user,
            _postgres_bin("pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(log),
            "-w",
            "-t",
            "60",
            "start",
        ],
        capture_output=True,
        check=True,
        timeout=120,
    )
    service = Service(
        "postgresql",
        f"postgresql+psycopg://rnn@127.0.0.1:{port}/{database}",
        pids=[int((data / "postmaster.pid").read_text().split()[0])],
        env={"PGPORT": str(port)},
        stop_command=[*as_user, _postgres_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
        groups=False,
    )
    try:
        for name in (database, *others):
            subprocess.run(
                [_postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "rnn", name],
                capture_output=True,
                check=True,
                timeout=60,
            )
    except BaseException:
        service.stop()
        raise
    return service


def start_s3(folder: Path, buckets: tuple[str, ...] = ()) -> Service:
    """An S3 API server (moto's, a real HTTP endpoint with conditional writes) on a free port, with
    ``buckets`` created. Its ``env`` is what a client sets: ``AWS_ENDPOINT_URL`` and credentials."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "s3.log"
    process = start([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], log)
    service = Service("s3", url, [process.pid], {"AWS_ENDPOINT_URL": url, **S3_CREDENTIALS})
    try:
        import requests

        wait_until(lambda: requests.get(f"{url}/moto-api/", timeout=2).ok, "the S3 server", 60, process, log)
        import boto3

        client = boto3.client("s3", endpoint_url=url, **_boto_credentials())
        for bucket in buckets:
            client.create_bucket(Bucket=bucket)
    except BaseException:
        service.stop()
        raise
    return service


def _boto_credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "region_name": S3_CREDENTIALS["AWS_DEFAULT_REGION"],
    }


def start_mlflow(folder: Path, backend_store_uri: str, artifacts: str, s3_env: dict[str, str]) -> Service:
    """``mlflow server`` on a free port: runs in ``backend_store_uri`` (after ``mlflow db upgrade``) and
    artifacts proxied to ``artifacts`` (``s3://bucket/prefix``), so clients need no S3 credentials."""
    env = {**os.environ, **s3_env, "MLFLOW_S3_ENDPOINT_URL": s3_env["AWS_ENDPOINT_URL"]}
    # the project uses none of the server's jobs (GenAI evaluation, trace roll-ups): without this the
    # server starts 7 job workers of ~280 MB each
    env.setdefault("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
    env.pop("MLFLOW_TRACKING_URI", None)
    mlflow = [sys.executable, "-m", "mlflow"]
    subprocess.run(
        [*mlflow, "db", "upgrade", backend_store_uri], env=env, capture_output=True, check=True, timeout=300
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "mlflow.log"
    command = [
        *mlflow,
        "server",
        "--backend-store-uri",
        backend_store_uri,
        "--artifacts-destination",
        artifacts,
    ]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    process = start(command, log, env=env, cwd=folder)
    service = Service("mlflow", url, [process.pid], {"MLFLOW_TRACKING_URI": url})
    try:
        import requests

        wait_until(
            lambda: requests.get(f"{url}/health", timeout=2).ok, "the MLflow server", 180, process, log
        )
    except BaseException:
        service.stop()
        raise
    return service


def exit_on_sigterm() -> None:
    """Turn SIGTERM (``kill``, a CI timeout) into ``SystemExit``, so ``finally`` blocks stop the services."""
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))


@contextlib.contextmanager
def team_services(folder: Path, bucket: str = "rnn-team") -> Iterator[dict[str, Service]]:
    """PostgreSQL, the S3 server (with ``bucket``) and the MLflow server on both, stopped afterwards,
    pass or fail."""
    started: list[Service] = []
    # the server runs as `postgres` (as root): its folder must be reachable by that user, which a test's
    # private temporary folder is not
    database = Path(tempfile.mkdtemp(prefix="rnn-pipelines-postgres-"))
    database.chmod(0o755)

    def stop() -> None:
        for service in reversed(started):
            service.stop()
        started.clear()
        shutil.rmtree(database, ignore_errors=True)

    atexit.register(stop)  # when a second Ctrl-C cuts the `finally` short
    try:
        postgres = start_postgres(database)
        started.append(postgres)
        s3 = start_s3(folder / "s3", (bucket,))
        started.append(s3)
        mlflow = start_mlflow(folder / "mlflow", postgres.url, f"s3://{bucket}/mlflow-artifacts", s3.env)
        started.append(mlflow)
        yield {"postgresql": postgres, "s3": s3, "mlflow": mlflow}
    finally:
        stop()
        atexit.unregister(stop)
