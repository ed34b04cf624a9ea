"""How a task runs one of the platform's programs: the batch producer or spark-submit of a job.

The kind comes from configuration (`market_data_runner`), never from the DAG:

- `docker` (dev): a container from the functions or Spark image on the local Docker engine;
- `kubernetes` (prod): a pod from the program's pod template (image, service account, env with
  secret references), through the Kubernetes provider;
- `local`: the same commands as processes of the worker (tests, or a machine without containers).

A program's last line of output is its result (the batch producer's summary); in a pod it writes
that line to the pod's XCom file instead.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from market_data.settings import CONNECTIONS, RunnerSettings, connection_env

# Where KubernetesPodOperator's sidecar reads a pod's result from.
POD_RESULT_FILE = "/airflow/xcom/return.json"


class ProgramFailedError(Exception):
    """The program exited non-zero; the message carries its last lines."""


@dataclass(frozen=True)
class Program:
    name: str
    args: list[str]
    # Values of this run (dates, symbols); the program's standing env comes from the runner settings.
    env: dict[str, str]
    # Whether the caller reads the program's result (its last line).
    wants_result: bool = False


def secret_env(secrets: list[str], get_connection: Any) -> dict[str, str]:
    """Credentials a program gets from the deployment's connections, by the contract's variable names."""
    env: dict[str, str] = {}
    if "s3" in secrets:
        s3 = get_connection(CONNECTIONS["s3"])
        if s3.login:
            env["AWS_ACCESS_KEY_ID"] = s3.login
            env["AWS_SECRET_ACCESS_KEY"] = s3.password or ""
    if "kafka" in secrets:
        extra = connection_env(get_connection(CONNECTIONS["kafka"]))
        if extra.get("sasl.username"):
            env["KAFKA_USERNAME"] = str(extra["sasl.username"])
            env["KAFKA_PASSWORD"] = str(extra.get("sasl.password", ""))
    return env


def last_line(output: str) -> str | None:
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else None


def run_program(runner: RunnerSettings, program: Program, context: Mapping[str, Any], timeout_seconds: int) -> str | None:
    """Runs `program` to completion; returns its last line when asked, raises ProgramFailedError on a non-zero exit."""
    from airflow.sdk import BaseHook

    argv = [*runner.command(program.name), *program.args]
    env = {**runner.env(program.name), **program.env}
    secrets = list(runner.programs[program.name].get("secrets", []))
    if runner.kind == "local":
        return _run_local(argv, env, secret_env(secrets, BaseHook.get_connection), timeout_seconds)
    if runner.kind == "docker":
        return _run_docker(runner, program, argv, env, secrets=secret_env(secrets, BaseHook.get_connection), context=context)
    return _run_pod(runner, program, argv, env, context=context, timeout_seconds=timeout_seconds)


def _run_local(argv: list[str], env: dict[str, str], secrets: dict[str, str], timeout_seconds: int) -> str | None:
    # The worker's own settings (its connections' secrets among them) stay out of the program's environment.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    try:
        done = subprocess.run(
            argv, env={**inherited, **env, **secrets}, capture_output=True, text=True, timeout=timeout_seconds, check=False
        )
    except subprocess.TimeoutExpired as err:
        raise ProgramFailedError(f"{argv[0]} did not finish within {timeout_seconds} s") from err
    print(done.stdout[-20_000:], end="")
    print(done.stderr[-20_000:], end="")
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
        raise ProgramFailedError(f"{' '.join(argv[:3])} exited with {done.returncode}:\n{tail}")
    return last_line(done.stdout)


def _run_docker(
    runner: RunnerSettings,
    program: Program,
    argv: list[str],
    env: dict[str, str],
    *,
    secrets: dict[str, str],
    context: Mapping[str, Any],
) -> str | None:
    from airflow.providers.docker.operators.docker import DockerOperator

    spec = runner.programs[program.name]
    operator = DockerOperator(
        task_id=f"{context['ti'].task_id}-container",
        image=spec["image"],
        command=argv,
        environment=env,
        private_environment=secrets,
        docker_url=runner.options.get("docker_url"),
        network_mode=runner.options.get("network"),
        hostname=runner.options.get("hostname"),
        user=spec.get("user"),
        auto_remove="force",
        mount_tmp_dir=False,
        do_xcom_push=True,
        execution_timeout=None,
    )
    try:
        result = operator.execute(dict(context))  # type: ignore[arg-type]
    except Exception as err:
        raise ProgramFailedError(f"{program.name} failed in its container: {err}") from err
    return result if isinstance(result, str) else None


def _run_pod(
    runner: RunnerSettings, program: Program, argv: list[str], env: dict[str, str], *, context: Mapping[str, Any], timeout_seconds: int
) -> str | None:
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    spec = runner.programs[program.name]
    pod_env = {**env, **({"BATCH_SUMMARY_FILE": POD_RESULT_FILE} if program.wants_result else {})}
    operator = KubernetesPodOperator(
        task_id=f"{context['ti'].task_id}-pod",
        name=f"{program.name}-{context['ti'].task_id}".replace("_", "-"),
        namespace=runner.options.get("namespace"),
        pod_template_dict=spec["pod_template"],
        arguments=argv,
        env_vars=pod_env,
        do_xcom_push=program.wants_result,
        get_logs=True,
        on_finish_action="delete_pod",
        startup_timeout_seconds=int(runner.options.get("startup_timeout_seconds", 300)),
        # The namespace enforces `restricted`: the XCom sidecar must meet it too, and no pod gets an API token.
        xcom_sidecar_container_security_context=runner.options.get("sidecar_security_context"),
        automount_service_account_token=False,
        active_deadline_seconds=timeout_seconds,
    )
    try:
        result = operator.execute(dict(context))  # type: ignore[arg-type]
    except Exception as err:
        raise ProgramFailedError(f"{program.name} failed in its pod: {err}") from err
    if result is None:
        return None
    return result if isinstance(result, str) else json.dumps(result)
