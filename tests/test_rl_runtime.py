"""A job's threads for torch and JAX: XLA's flags, one thread by default, and a refusal to change them once
JAX has started."""

import subprocess
import sys

from solarev.rl.runtime import xla_flags


def test_xla_flags_replace_ours_and_keep_the_others() -> None:
    existing = "--xla_dump_to=/tmp/x --xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=8"
    assert xla_flags(1, existing) == (
        "--xla_dump_to=/tmp/x --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    )
    assert xla_flags(4) == "--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=4"


def test_jax_gets_one_thread_unless_told_and_cannot_change_once_started() -> None:
    """Loading an sbx class without limit_threads (a test, a notebook) sets one thread; XLA reads its flags
    when its backend starts, so a later change, which would be silently ignored, is refused."""
    job = (
        "import os, jax.numpy, pytest\n"
        "from solarev.rl.presets import algorithm_class\n"
        "from solarev.rl.runtime import limit_threads\n"
        "algorithm_class('sac', 'sbx')\n"
        "assert os.environ['XLA_FLAGS'].endswith('=false intra_op_parallelism_threads=1')\n"
        "jax.numpy.ones(1).block_until_ready()\n"
        "limit_threads(1)  # the same threads: nothing to change\n"
        "with pytest.raises(RuntimeError, match='JAX started before its threads were set to 2'):\n"
        "    limit_threads(2)\n"
    )
    subprocess.run([sys.executable, "-c", job], check=True)
