"""The deploy files start exactly the commands README § Scale-out documents, and the template
lists every variable of the README's configuration table."""

import configparser
import re
import shlex
from pathlib import Path

import pytest

from tests.scale.run import queue_command, web_command

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
README = (ROOT / "README.md").read_text()


def normalized(command: str) -> list[str]:
    """Tokens, with the program's directory dropped (``/opt/duebell/.venv/bin/python`` and
    ``python`` are the same command)."""
    words = shlex.split(command)
    return [Path(words[0]).name, *words[1:]]


def readme_commands() -> list[list[str]]:
    section = README[README.index("### Scale-out mode") : README.index("## The admin workspace")]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [normalized(line) for line in block.splitlines() if line and not line.startswith("#")]


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    # systemd allows repeated keys (several ExecStart= in a oneshot): keep them all.
    text = (DEPLOY / name).read_text()
    parser.read_string(text)
    parser.exec_starts = [
        normalized(line.split("=", 1)[1]) for line in text.splitlines()
        if line.startswith("ExecStart=")
    ]  # fmt: skip
    return parser


def procfile() -> dict[str, list[list[str]]]:
    entries = {}
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        if line and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name] = [normalized(part) for part in command.split("&&")]
    return entries


MIGRATE = [
    ["python", "manage.py", "migrate", "--noinput"],
    ["python", "manage.py", "createcachetable"],
    ["python", "manage.py", "collectstatic", "--noinput"],
]
WEB = [
    "gunicorn", "config.wsgi", "--workers", "5", "--bind", "0.0.0.0:8000",
    "--logger-class", "notifications.logs.RedactingGunicornLogger", "--access-logfile", "-",
    "--graceful-timeout", "30",
]  # fmt: skip
QUEUE = ["python", "manage.py", "qcluster"]


def test_the_readme_documents_migrate_web_and_queue_commands():
    assert readme_commands() == [*MIGRATE, WEB, QUEUE]


def test_systemd_units_start_the_readme_commands():
    assert unit("duebell-migrate.service").exec_starts == MIGRATE
    assert unit("duebell-web.service").exec_starts == [WEB]
    assert unit("duebell-queue.service").exec_starts == [QUEUE]


def test_web_and_queue_units_restart_and_stop_gracefully_from_one_environment_file():
    for name in ("duebell-web.service", "duebell-queue.service"):
        service = unit(name)["Service"]
        assert (service["Restart"], service["KillSignal"]) == ("always", "SIGTERM")
        assert service["EnvironmentFile"] == "/etc/duebell/duebell.env"
        assert unit(name)["Install"]["WantedBy"] == "multi-user.target"
    # The queue waits longer than a send can take (5 s connect + 20 s read).
    assert int(unit("duebell-queue.service")["Service"]["TimeoutStopSec"]) > 25
    # gunicorn's own grace ends before systemd's.
    assert int(unit("duebell-web.service")["Service"]["TimeoutStopSec"]) > 30


def test_the_sandbox_unit_cannot_be_enabled():
    sandbox = unit("duebell-sandbox.service")
    assert not sandbox.has_section("Install")
    assert sandbox.exec_starts == [["python", "manage.py", "onemsg_sandbox", "--port", "8765"]]


def test_the_procfile_runs_the_same_commands():
    assert procfile() == {"release": MIGRATE, "web": [WEB], "queue": [QUEUE]}


def test_the_scale_harness_starts_what_the_units_start():
    web = normalized(shlex.join(web_command("10.0.0.11", 8000, 5)))
    assert web == [*WEB[:5], "10.0.0.11:8000", *WEB[6:]]
    assert normalized(shlex.join(queue_command())) == QUEUE


def configuration_variables() -> list[str]:
    table = README[README.index("## Configuration") : README.index("## Architecture")]
    names = []
    for row in re.findall(r"^\| (`[A-Z_]+`(?:, `[A-Z_]+`)*) \|", table, re.M):
        names += re.findall(r"`([A-Z_]+)`", row)
    return names


@pytest.mark.parametrize("variable", configuration_variables())
def test_the_environment_template_lists_every_configuration_variable(variable):
    template = (DEPLOY / "duebell.env").read_text()
    assert re.search(rf"^#?{variable}=", template, re.M)


def test_the_configuration_table_is_read():
    variables = configuration_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "HTTPS_PROXY", "PORT"} <= set(variables)
    assert len(variables) == len(set(variables)) > 20
