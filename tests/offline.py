"""A Python start-up hook that blocks the network in every process of a test run (Snakemake and the
scripts of its jobs), writing down each attempt."""

import os
import textwrap
from pathlib import Path

# Imported by every Python process whose PYTHONPATH holds its folder: any connection other than a local
# unix socket fails and is written down.
SOCKET_BLOCKER = textwrap.dedent(
    """
    import errno, os, socket

    _connect = socket.socket.connect


    def _refuse(sock, address):
        if sock.family == socket.AF_UNIX:
            return _connect(sock, address)
        with open(os.environ["SOLAREV_BLOCKED_LOG"], "a") as log:
            log.write(f"{os.getpid()} {address!r}\\n")
        raise OSError(errno.ENETUNREACH, "network blocked by solarev's offline test")


    def _refuse_ex(sock, address):
        try:
            _refuse(sock, address)
        except OSError as error:
            return error.errno
        return 0


    socket.socket.connect = _refuse
    socket.socket.connect_ex = _refuse_ex
    """
)


def blocked_log(directory: Path) -> Path:
    """Where the processes of an offline_environment(directory) run write their connection attempts."""
    return directory / "blocked.log"


def offline_environment(directory: Path) -> dict[str, str]:
    """Environment variables for a subprocess (and its children) with the network blocked; the hook and
    the log of attempts live in `directory`."""
    hook = directory / "offline"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(SOCKET_BLOCKER)
    pythonpath = os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": pythonpath, "SOLAREV_BLOCKED_LOG": str(blocked_log(directory))}
