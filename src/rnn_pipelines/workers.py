"""What a worker of an Airflow cluster needs from the project beyond its pipelines: the name it reports.

Airflow records the host of every task instance (``hostname``) from ``[core] hostname_callable``. Several
workers on one machine share its host name; a deployment that sets ``RNN_PIPELINES_WORKER_NAME`` per worker
(``deploy/local-cluster`` does) and ``AIRFLOW__CORE__HOSTNAME_CALLABLE=rnn_pipelines.workers.hostname`` sees
which worker ran each task.
"""

from __future__ import annotations

import os
import socket

NAME_VARIABLE = "RNN_PIPELINES_WORKER_NAME"


def hostname() -> str:
    """``RNN_PIPELINES_WORKER_NAME``, else the machine's fully qualified name (Airflow's default)."""
    return os.environ.get(NAME_VARIABLE) or socket.getfqdn()
