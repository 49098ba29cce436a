#!/usr/bin/env bash
# Stops the test cluster that tests/slurm/start.sh started, by the PIDs it recorded: its jobs are cancelled
# first, then slurmd, slurmctld and (only when start.sh started it) munged; its /etc/slurm files go too.
# Safe to run when nothing runs.
#
#   tests/slurm/stop.sh [STATE_DIR]    (default $SOLAREV_SLURM_DIR or /tmp/solarev-slurm)
set -euo pipefail

STATE=$(realpath -m "${1:-${SOLAREV_SLURM_DIR:-/tmp/solarev-slurm}}")
CONF_DIR=/etc/slurm
export SLURM_CONF=$CONF_DIR/slurm.conf

alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_daemon() { # TERM, then KILL after 10 s
    local pidfile=$1 pid
    alive "$pidfile" || return 0
    pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    kill -9 "$pid" 2>/dev/null || true
}

if alive "$STATE/slurmctld.pid"; then
    # Jobs outlive slurmd (slurmstepd runs them), so cancel them while the controller still answers.
    squeue --noheader --format=%A 2>/dev/null | xargs --no-run-if-empty scancel 2>/dev/null || true
    for _ in $(seq 50); do
        [[ -z $(squeue --noheader --states=RUNNING,COMPLETING 2>/dev/null) ]] && break
        sleep 0.2
    done
fi
stop_daemon "$STATE/slurmd.pid"
stop_daemon "$STATE/slurmctld.pid"
stop_daemon "$STATE/munged.pid"
rm -f "$STATE/munged.pid"
if grep -qxsF "# Written by tests/slurm/start.sh" "$SLURM_CONF"; then
    rm -f "$SLURM_CONF" "$CONF_DIR/gres.conf"
fi
