"""How a job that trains or runs an agent uses the CPU, for both backends: torch (sb3) and JAX (sbx).

A job runs on the threads its rule declares (`threads`, one for training): the jobs fill the cores side by
side, and a run repeats exactly whatever the machine's core count, since a matrix product split over more
threads adds its partial sums in another order. Torch takes its count at any time; JAX reads XLA_FLAGS once,
when its CPU backend starts, so the flags are set before the first JAX computation: by the job's scripts,
which call limit_threads before building anything, else to one thread when an sbx class is first loaded
(configure_jax); a later call with another count is refused rather than silently ignored. No torch or JAX
import at module level: the scripts call this first, and rules/train.smk imports solarev.rl.presets.

JAX runs on the CPU (jaxlib is installed without CUDA; torch is the GPU path), so it does not probe for
accelerators. sbx compiles its networks' updates when a model first trains (~8 s of a test preset's 300-step
SAC run, measured); JAX's compilation cache keeps the compiled programs on disk, so that the next job with
the same shapes loads them (3.6 s for that run instead of 11.4). It lives in the machine's temporary folder,
per user: compiled CPU code must not travel to a node with other instruction sets through a shared home
folder.
"""

import functools
import os
import sys
import tempfile
from pathlib import Path

# XLA's CPU flags: Eigen's thread pool for the products off on one thread, and its intra-op parallelism.
EIGEN_FLAG = "--xla_cpu_multi_thread_eigen"
INTRA_OP_FLAG = "intra_op_parallelism_threads"


def xla_flags(threads: int, existing: str = "") -> str:
    """XLA_FLAGS for `threads` CPU threads: the existing flags with ours replaced."""
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    ours = (EIGEN_FLAG, INTRA_OP_FLAG)
    kept = [flag for flag in existing.split() if flag.split("=")[0] not in ours]
    return " ".join([*kept, f"{EIGEN_FLAG}={str(threads > 1).lower()}", f"{INTRA_OP_FLAG}={threads}"])


def jax_started() -> bool:
    """Whether JAX has started its backends (after which XLA_FLAGS no longer apply)."""
    if "jax" not in sys.modules:
        return False
    from jax._src import xla_bridge

    return xla_bridge.backends_are_initialized()


def limit_threads(threads: int) -> None:
    """Run torch and JAX on `threads` CPU threads in this process."""
    flags = xla_flags(threads, os.environ.get("XLA_FLAGS", ""))
    if jax_started() and flags != os.environ.get("XLA_FLAGS"):
        raise RuntimeError(f"JAX started before its threads were set to {threads}: call limit_threads first")
    os.environ["XLA_FLAGS"] = flags
    import torch

    torch.set_num_threads(threads)


JAX_CACHE_DIR = Path(tempfile.gettempdir()) / f"solarev-jax-cache-{os.getuid()}"


@functools.cache  # once per process
def configure_jax(cache_dir: Path = JAX_CACHE_DIR) -> None:
    """JAX on the CPU on one thread unless limit_threads said otherwise, every compiled program kept in
    `cache_dir` (JAX's defaults keep only those that took over a second to compile)."""
    if EIGEN_FLAG not in os.environ.get("XLA_FLAGS", "") and not jax_started():
        os.environ["XLA_FLAGS"] = xla_flags(1, os.environ.get("XLA_FLAGS", ""))
    import jax

    jax.config.update("jax_platforms", "cpu")
    jax.config.update("jax_compilation_cache_dir", str(cache_dir))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
