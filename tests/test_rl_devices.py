"""GPU count at DAG time, device choice and GPU claims, all testable without a GPU."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from solarev.rl.devices import (
    claimed_gpu,
    cuda_visible_devices,
    gpus_per_job,
    nvidia_gpu_present,
    resolve_device,
    visible_gpu_ids,
)
from solarev.rl.presets import load_agent_settings
from solarev.rl.training import training_device

REPO = Path(__file__).resolve().parents[1]


def no_gpu() -> bool:
    return False


def a_gpu() -> bool:
    return True


def test_gpus_per_job_passes_integers_through() -> None:
    assert gpus_per_job(0, {}, a_gpu) == 0
    assert gpus_per_job(2, {}, no_gpu) == 2


def test_gpus_per_job_auto_follows_the_hardware() -> None:
    assert gpus_per_job("auto", {}, no_gpu) == 0
    assert gpus_per_job("auto", {}, a_gpu) == 1


@pytest.mark.parametrize("hidden", ["", "-1", " -1,0"])
def test_gpus_per_job_auto_is_zero_when_cuda_visible_devices_hides_them(hidden: str) -> None:
    assert gpus_per_job("auto", {"CUDA_VISIBLE_DEVICES": hidden}, a_gpu) == 0


@pytest.mark.parametrize("setting", ["some", -1, True])
def test_gpus_per_job_rejects_other_settings(setting: object) -> None:
    with pytest.raises(ValueError, match="training.gpus_per_job"):
        gpus_per_job(setting, {}, no_gpu)  # type: ignore[arg-type]


def test_gpus_per_job_does_not_import_torch() -> None:
    code = (
        "import sys; from solarev.rl.devices import gpus_per_job; gpus_per_job('auto'); "
        "sys.exit('torch' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_gpu_detection_reads_driver_files(tmp_path: Path) -> None:
    proc, dev = tmp_path / "proc", tmp_path / "dev"
    proc.mkdir()
    dev.mkdir()
    assert not nvidia_gpu_present(proc, dev, nvidia_smi=None)
    (proc / "0000:01:00.0").mkdir()
    assert nvidia_gpu_present(proc, dev, nvidia_smi=None)
    assert nvidia_gpu_present(tmp_path / "absent", dev, nvidia_smi=None) is False
    (dev / "nvidia0").touch()
    assert nvidia_gpu_present(tmp_path / "absent", dev, nvidia_smi=None)


@pytest.mark.parametrize(("listing", "present"), [("GPU 0: NVIDIA A100 (UUID: GPU-1)", True), ("", False)])
def test_gpu_detection_asks_nvidia_smi(tmp_path: Path, listing: str, present: bool) -> None:
    fake = tmp_path / "nvidia-smi"
    fake.write_text(f"#!/bin/sh\necho '{listing}'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    assert nvidia_gpu_present(tmp_path / "absent", tmp_path, nvidia_smi=str(fake)) is present


def test_this_machine_without_gpu() -> None:
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    assert gpus_per_job("auto") == 0


@pytest.mark.parametrize(
    ("requested", "preferred", "cuda", "device"),
    [
        ("auto", "auto", False, "cpu"),
        ("auto", "auto", True, "cuda"),
        ("auto", "cpu", True, "cpu"),
        ("cpu", "auto", True, "cpu"),
        ("cuda", "cpu", True, "cuda"),
    ],
)
def test_resolve_device(requested: str, preferred: str, cuda: bool, device: str) -> None:
    assert resolve_device(requested, preferred, cuda) == device


def test_cuda_without_a_gpu_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="no GPU"):
        resolve_device("cuda", "auto", cuda_available=False)
    with pytest.raises(RuntimeError, match="no GPU"):
        resolve_device("auto", "cuda", cuda_available=False)


def test_visible_gpu_ids() -> None:
    assert cuda_visible_devices({}) is None
    assert visible_gpu_ids({}, 3) == ["0", "1", "2"]
    assert visible_gpu_ids({"CUDA_VISIBLE_DEVICES": "2,3"}, 2) == ["2", "3"]
    assert visible_gpu_ids({"CUDA_VISIBLE_DEVICES": "GPU-ab,GPU-cd,-1,3"}, 2) == ["GPU-ab", "GPU-cd"]


def test_jobs_claim_different_gpus_and_release_them(tmp_path: Path) -> None:
    gpus = ["2", "3"]
    with claimed_gpu(gpus, tmp_path) as first, claimed_gpu(gpus, tmp_path) as second:
        assert {first, second} == {0, 1}
        with claimed_gpu(gpus, tmp_path) as third:  # more jobs than GPUs: shares one
            assert third in (0, 1)
    with claimed_gpu(gpus, tmp_path) as again:
        assert again == 0


def test_a_killed_job_releases_its_gpu(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; from solarev.rl.devices import claimed_gpu\n"
        f"with claimed_gpu(['0', '1'], Path({str(tmp_path)!r})) as ordinal:\n"
        "    print(ordinal, flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "0"
        with claimed_gpu(["0", "1"], tmp_path) as ordinal:
            assert ordinal == 1
    finally:
        os.kill(holder.pid, 9)
        holder.wait()
    with claimed_gpu(["0", "1"], tmp_path) as ordinal:
        assert ordinal == 0


def test_a_single_visible_gpu_needs_no_lock(tmp_path: Path) -> None:
    with claimed_gpu(["5"], tmp_path / "locks") as ordinal:
        assert ordinal == 0
    assert not (tmp_path / "locks").exists()


def test_claiming_without_a_visible_gpu_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="no GPU is visible"), claimed_gpu([], tmp_path):
        pass


def test_training_device_on_this_machine(tmp_path: Path) -> None:
    sac = load_agent_settings(REPO / "config" / "agents.yaml", "original", "sac")
    with training_device("cpu", sac, tmp_path) as device:
        assert device == "cpu"
    with training_device("auto", sac, tmp_path) as device:
        assert device == ("cuda:0" if torch.cuda.is_available() else "cpu")


def test_sbx_trains_on_the_cpu(tmp_path: Path) -> None:
    sac = load_agent_settings(REPO / "config" / "agents.yaml", "test", "sac")
    assert sac.backend == "sbx"
    with training_device("auto", sac, tmp_path) as device:
        assert device == "cpu"
    with (
        pytest.raises(RuntimeError, match="backend sbx trains on the CPU only"),
        training_device("cuda", sac, tmp_path),
    ):
        pass
