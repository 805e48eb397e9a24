#!/usr/bin/env bash
# A single-node Slurm cluster on localhost, entirely under one folder, for the e2e tests.
#
#   cluster.sh start DIR   write DIR/slurm.conf, start munged, slurmctld and slurmd (as root),
#                          return once the node takes jobs; prints the SLURM_CONF to export
#   cluster.sh stop DIR    cancel the cluster's jobs and stop the daemons started for DIR
#
# Needs the Debian packages slurmctld, slurmd, slurm-client and munge (Slurm 22.05) and root.
# Everything the cluster writes (config, munge key and socket, state, spool, logs, pids) lies
# under DIR, so it runs beside a system munge or Slurm and leaves nothing behind; the ports are
# the first free pair from 6817 up. Client commands find the cluster through
# SLURM_CONF=DIR/slurm.conf. No systemd: the daemons run in the foreground in sessions of their
# own, their output in DIR/log/; the pids of the daemons started are in DIR/pids.
#
# Daemon output never goes to /dev/null: on some machines that is a plain file, which munged
# refuses when it daemonises; munged runs in the foreground (-F) for the same reason.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
cmd=$1
dir=$2
[[ $cmd == start || $cmd == stop ]] || usage

# True while process $1 runs (a zombie, finished but not yet reaped, counts as stopped).
alive() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>&- || return 1
  # the state is the field after the command name in parentheses, which may contain spaces
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# Stop the daemons listed in DIR/pids: SIGTERM, up to 10 s, then SIGKILL.
stop_daemons() {
  [[ -f $dir/pids ]] || return 0
  local pid i
  local -a pids
  mapfile -t pids <"$dir/pids"
  for pid in "${pids[@]}"; do if alive "$pid"; then kill -TERM "$pid" 2>&- || true; fi; done
  for pid in "${pids[@]}"; do
    for ((i = 0; i < 100; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then kill -KILL "$pid" 2>&- || true; fi
  done
  rm -f "$dir/pids"
}

if [[ $cmd == stop ]]; then
  [[ -d $dir ]] || exit 0
  if [[ -f $dir/slurm.conf && -f $dir/pids ]]; then
    export SLURM_CONF=$dir/slurm.conf
    # jobs first, so that slurmd ends their processes before it stops
    if scancel --quiet --full --user="$(id -un)" 2>>"$dir/log/stop.log"; then
      for ((i = 0; i < 50; i++)); do
        [[ -z $(squeue --noheader --user="$(id -un)" 2>>"$dir/log/stop.log") ]] && break
        sleep 0.1
      done
    fi
  fi
  stop_daemons
  exit 0
fi

# --- start ---
for tool in munged slurmctld slurmd sbatch scontrol setpriv setsid; do
  [[ -n $(type -P "$tool") ]] || {
    echo "cluster.sh: $tool not found: install slurmctld slurmd slurm-client munge (see .ci/run)" >&2
    exit 1
  }
done
[[ $(id -u) -eq 0 ]] || {
  echo "cluster.sh: the daemons run as root (SlurmUser=root); run as root" >&2
  exit 1
}
[[ -n $(getent passwd munge) ]] || {
  echo "cluster.sh: no user munge (the munge package creates it)" >&2
  exit 1
}

dir=$(realpath -m "$dir")
mkdir -p "$dir"
[[ ! -e $dir/pids ]] || {
  echo "cluster.sh: $dir already holds a cluster; stop it first" >&2
  exit 1
}
# munged runs as munge and must reach its folder under DIR
chmod 0755 "$dir"
mkdir -p "$dir/log" "$dir/state" "$dir/spool" "$dir/run"
: >"$dir/log/empty"
install -d -o munge -g munge -m 0755 "$dir/munge"
setpriv --reuid=munge --regid=munge --init-groups test -w "$dir/munge" || {
  echo "cluster.sh: the user munge cannot reach $dir/munge: every folder above $dir must be searchable by others (chmod o+x)" >&2
  exit 1
}
: >"$dir/pids"
trap 'status=$?; if ((status != 0)); then stop_daemons; fi' EXIT

# munge: a key of this cluster's own, socket, pid, seed and log under DIR/munge
setpriv --reuid=munge --regid=munge --init-groups mungekey --create --keyfile="$dir/munge/munge.key"
munge_socket=$dir/munge/munge.socket
setsid setpriv --reuid=munge --regid=munge --init-groups munged -F \
  --socket="$munge_socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/munge/munged.pid" \
  --seed-file="$dir/munge/munged.seed" --log-file="$dir/munge/munged.log" \
  >"$dir/log/munged.out" 2>&1 <"$dir/log/empty" &
echo $! >>"$dir/pids"
for ((i = 0; i < 100; i++)); do
  [[ -S $munge_socket ]] && break
  alive "$(tail -n1 "$dir/pids")" || break
  sleep 0.1
done
[[ -S $munge_socket ]] || {
  echo "cluster.sh: munged did not start; its log:" >&2
  cat "$dir/log/munged.out" "$dir/munge/munged.log" >&2 || true
  exit 1
}

# the first free pair of ports from 6817 (slurmctld's default) up
port_used() { (: <"/dev/tcp/127.0.0.1/$1") 2>&-; }
ctld_port=6817
while port_used "$ctld_port" || port_used $((ctld_port + 1)); do
  ctld_port=$((ctld_port + 2))
  ((ctld_port < 6917)) || {
    echo "cluster.sh: no free pair of ports in 6817-6917" >&2
    exit 1
  }
done

host=$(hostname -s)
cpus=$(nproc)
mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
cat >"$dir/slurm.conf" <<EOF
# single-node test cluster written by test/e2e/slurm/cluster.sh
ClusterName=rnnfc-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$((ctld_port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SchedulerParameters=sched_interval=1
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$dir/slurm.conf

setsid slurmctld -D -c -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 <"$dir/log/empty" &
echo $! >>"$dir/pids"
setsid slurmd -D -N "$host" -f "$SLURM_CONF" >"$dir/log/slurmd.out" 2>&1 <"$dir/log/empty" &
echo $! >>"$dir/pids"

# up once the node is idle (or mixed/allocated, should jobs already run)
state=
for ((i = 0; i < 300; i++)); do
  state=$(sinfo --noheader --nodes="$host" --format=%T 2>>"$dir/log/cluster.log" || true)
  [[ $state == idle* || $state == mixed* || $state == allocated* ]] && break
  sleep 0.1
done
[[ $state == idle* || $state == mixed* || $state == allocated* ]] || {
  echo "cluster.sh: the node did not come up (state '${state:-none}'); the logs:" >&2
  tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" "$dir/log/slurmctld.out" "$dir/log/slurmd.out" >&2 || true
  exit 1
}
echo "SLURM_CONF=$SLURM_CONF"
