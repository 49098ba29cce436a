#!/usr/bin/env bash
# A real one-node SLURM on this machine (munged, slurmctld, slurmd) for the cluster tests, after
# ../shared/notes/slurm-single-node.md. Needs root; installs Debian's slurm-wlm and munge when missing.
#
#   tests/slurm/start.sh [STATE_DIR]    (default $SOLAREV_SLURM_DIR or /tmp/solarev-slurm)
#
# State, logs and PID files live in STATE_DIR. slurm.conf and gres.conf go to /etc/slurm, where every client
# finds them: SLURM_CONF cannot point elsewhere because the plugin's job step drops SLURM_* variables before
# its nested srun. A slurm.conf there that this script did not write is never overwritten. Prints nothing on
# success; running it again while the cluster is up returns at once.
set -euo pipefail

STATE=$(realpath -m "${1:-${SOLAREV_SLURM_DIR:-/tmp/solarev-slurm}}")
CONF_DIR=/etc/slurm
export SLURM_CONF=$CONF_DIR/slurm.conf
MARKER="# Written by tests/slurm/start.sh"
NODE=localhost

fail() {
    echo "tests/slurm/start.sh: $*" >&2
    exit 1
}

alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

node_state() { sinfo --noheader --nodes="$NODE" --format=%T 2>/dev/null | head -n1; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...: poll every 0.2 s
    local deadline=$((SECONDS + $1)) what=$2
    shift 2
    until "$@"; do
        ((SECONDS < deadline)) || fail "$what did not happen within the time limit; see $STATE/*.log"
        sleep 0.2
    done
}

node_idle() { [[ $(node_state) == idle ]]; }

[[ $(id -u) == 0 ]] || fail "must run as root (it installs packages and starts daemons)"

if alive "$STATE/slurmctld.pid" && alive "$STATE/slurmd.pid" && [[ -n $(node_state) ]]; then
    exit 0
fi
if [[ -e $SLURM_CONF ]] && ! grep -qxF "$MARKER" "$SLURM_CONF"; then
    fail "$SLURM_CONF belongs to another cluster; not touching it"
fi

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    command -v apt-get >/dev/null || fail "slurm-wlm and munge are missing and apt-get is unavailable"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

# Clean state each start: a drain reason or a stale job would otherwise survive into the next run.
"$(dirname "$0")/stop.sh" "$STATE" >/dev/null
rm -rf "$STATE"
mkdir -p "$STATE/ctld" "$STATE/spool" "$CONF_DIR"

# munged: reuse one that answers (the machine's own), else start it and note that we did, for stop.sh.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    [[ -s /etc/munge/munge.key ]] || fail "/etc/munge/munge.key is missing (reinstall munge)"
    mkdir -p /run/munge
    chown munge:munge /run/munge
    su -s /bin/sh munge -c "/usr/sbin/munged --pid-file=/run/munge/munged.pid"
    cp /run/munge/munged.pid "$STATE/munged.pid"
    wait_for 10 "munged answering" sh -c 'munge -n | unmunge >/dev/null 2>&1'
fi

# The node as slurmd sees it (CPUs, memory), so that it never registers as INVAL for asking too much.
read -r CPUS MEMORY < <(slurmd -C | sed -n 's/.* CPUs=\([0-9]*\) .* RealMemory=\([0-9]*\).*/\1 \2/p')
[[ -n ${CPUS:-} && -n ${MEMORY:-} ]] || fail "could not read CPUs and RealMemory from 'slurmd -C'"

cat >"$SLURM_CONF" <<EOF
$MARKER
# A one-node test cluster without accounting; state in $STATE.
ClusterName=solarev
SlurmctldHost=$NODE
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
GresTypes=gpu
DefMemPerCPU=500
# Without it a job asking for more than the node has is accepted and pends forever.
EnforcePartLimits=ALL
# squeue, the workflow's job status source without accounting, shows finished jobs this long (s).
MinJobAge=3600
NodeName=$NODE CPUs=$CPUS RealMemory=$MEMORY Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF

# One GPU for scheduling only: a count without File does not register, /dev/null does.
cat >"$CONF_DIR/gres.conf" <<EOF
AutoDetect=off
NodeName=$NODE Name=gpu File=/dev/null
EOF

slurmctld -c -f "$SLURM_CONF"
wait_for 20 "slurmctld answering" sh -c 'scontrol ping | grep -q UP'
# -N: the machine's hostname is not the node's name.
slurmd -N "$NODE" -f "$SLURM_CONF"
wait_for 30 "node $NODE idle" node_idle
