"""Where a training job runs: GPUs per job (decided at DAG time, so without importing torch), the device a
job uses, and which of several local GPUs it takes."""

import fcntl
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

NVIDIA_PROC_GPUS = Path("/proc/driver/nvidia/gpus")
# Per user, so that jobs of different users never fight over lock file permissions.
GPU_LOCK_DIR = Path(tempfile.gettempdir()) / f"solarev-gpu-locks-{os.getuid()}"

log = logging.getLogger(__name__)


def cuda_visible_devices(environ: Mapping[str, str]) -> list[str] | None:
    """Entries of CUDA_VISIBLE_DEVICES (None when unset). CUDA ignores everything from the first negative
    entry on, so "-1" or "" hides every GPU."""
    if "CUDA_VISIBLE_DEVICES" not in environ:
        return None
    entries = []
    for entry in environ["CUDA_VISIBLE_DEVICES"].split(","):
        entry = entry.strip()
        if not entry or entry.startswith("-"):
            break
        entries.append(entry)
    return entries


def nvidia_gpu_present(
    proc_gpus: Path = NVIDIA_PROC_GPUS, dev_dir: Path = Path("/dev"), nvidia_smi: str | None = "nvidia-smi"
) -> bool:
    """An NVIDIA GPU on this machine, from the driver's files or `nvidia-smi -L` (None skips it)."""
    if proc_gpus.is_dir() and any(proc_gpus.iterdir()):
        return True
    if (dev_dir / "nvidia0").exists():
        return True
    executable = shutil.which(nvidia_smi) if nvidia_smi else None
    if executable is None:
        return False
    try:
        listing = subprocess.run([executable, "-L"], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return False
    return any(line.startswith("GPU ") for line in listing.stdout.splitlines())


def gpus_per_job(
    setting: int | str,
    environ: Mapping[str, str] = os.environ,
    gpu_present: Callable[[], bool] = nvidia_gpu_present,
) -> int:
    """The `gpu` resource a training job reserves: `auto` is 1 when a GPU is visible, else 0, so that on a
    machine without one CPU trainings do not queue behind `--resources gpu=1`."""
    if isinstance(setting, int) and not isinstance(setting, bool) and setting >= 0:
        return setting
    if setting != "auto":
        raise ValueError(
            f"training.gpus_per_job: {setting!r} is not allowed (allowed: auto or an integer >= 0)"
        )
    if cuda_visible_devices(environ) == []:
        return 0
    return int(gpu_present())


def resolve_device(requested: str, preferred: str, cuda_available: bool) -> str:
    """`cpu` or `cuda`: training.device unless it is auto, then the algorithm's preference from
    agents.yaml; auto there means CUDA when available."""
    choice = preferred if requested == "auto" else requested
    if choice == "auto":
        return "cuda" if cuda_available else "cpu"
    if choice == "cuda" and not cuda_available:
        raise RuntimeError("device cuda was asked for (training.device or agents.yaml) but torch sees no GPU")
    if choice not in ("cpu", "cuda"):
        raise ValueError(f"device {choice!r} is not allowed (allowed: auto, cpu, cuda)")
    return choice


def visible_gpu_ids(environ: Mapping[str, str], device_count: int) -> list[str]:
    """Names of the GPUs torch numbers 0..device_count-1: CUDA_VISIBLE_DEVICES's entries when set."""
    visible = cuda_visible_devices(environ)
    return (visible if visible is not None else [str(index) for index in range(device_count)])[:device_count]


def try_lock(path: Path) -> int | None:
    """A file descriptor holding an exclusive lock on `path`, or None when another process holds it.
    The kernel releases the lock when the process ends, even when killed."""
    descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def first_free_gpu(gpu_ids: Sequence[str], lock_dir: Path) -> tuple[int, int] | None:
    """(ordinal, lock file descriptor) of the first GPU whose lock no other process holds."""
    for ordinal, gpu in enumerate(gpu_ids):
        descriptor = try_lock(lock_dir / f"gpu-{re.sub(r'[^A-Za-z0-9_.-]', '_', gpu)}.lock")
        if descriptor is not None:
            return ordinal, descriptor
    return None


@contextmanager
def claimed_gpu(gpu_ids: Sequence[str], lock_dir: Path = GPU_LOCK_DIR) -> Iterator[int]:
    """Torch ordinal of a GPU that no other job on this machine holds, held until the block ends.

    Snakemake counts `gpu` resources but does not say which GPU a job got, so jobs claim one through lock
    files. A single visible GPU (a Slurm job's own) is used without a lock. When every GPU is held (more jobs
    than GPUs were allowed), the job shares one rather than waiting."""
    if not gpu_ids:
        raise RuntimeError("no GPU is visible to claim")
    if len(gpu_ids) == 1:
        yield 0
        return
    lock_dir.mkdir(parents=True, exist_ok=True)
    claim = first_free_gpu(gpu_ids, lock_dir)
    if claim is None:
        ordinal = os.getpid() % len(gpu_ids)
        log.warning("all %d GPUs are held by other jobs; sharing GPU %s", len(gpu_ids), gpu_ids[ordinal])
        yield ordinal
        return
    ordinal, descriptor = claim
    try:
        yield ordinal
    finally:
        os.close(descriptor)
