#!/usr/bin/env bash
# A local Redis Cluster on loopback ports, for the tests and benchmarks: 3 masters and 3
# replicas (`redis-server --cluster-enabled yes`, joined by `redis-cli --cluster create`).
#
#   bash scripts/redis_cluster.sh start [BASE_PORT] [DIR]   # ports BASE..BASE+5 (default 7300)
#   bash scripts/redis_cluster.sh stop  [BASE_PORT] [DIR]
#
# Installs redis-server through apt when it is absent (as root). Node timeout is 1 s so a
# killed master's replica is promoted within a few seconds. No persistence (the tests own the
# data); every node daemonizes with its pid file, log and nodes.conf under DIR/<port>.
set -euo pipefail
cmd=${1:-start}
base=${2:-7300}
dir=${3:-/tmp/sawt-redis-cluster-$base}
ports=$(seq "$base" $((base + 5)))

install_redis() {
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "redis cluster: install redis-server 7 (Debian: apt-get install redis-server)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends redis-server redis-tools
}

stop() {
  for p in $ports; do
    redis-cli -h 127.0.0.1 -p "$p" shutdown nosave >/dev/null 2>&1 || true
  done
  for p in $ports; do  # anything still there after SHUTDOWN (bounded wait, then SIGKILL)
    pidfile="$dir/$p/redis.pid"
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$dir"
}

start() {
  install_redis
  stop
  for p in $ports; do
    mkdir -p "$dir/$p"
    redis-server --port "$p" --bind 127.0.0.1 --protected-mode no \
      --cluster-enabled yes --cluster-config-file "$dir/$p/nodes.conf" \
      --cluster-node-timeout 1000 --cluster-replica-validity-factor 0 \
      --save "" --appendonly no --dir "$dir/$p" \
      --daemonize yes --pidfile "$dir/$p/redis.pid" --logfile "$dir/$p/redis.log"
  done
  for p in $ports; do
    for _ in $(seq 1 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  # shellcheck disable=SC2046
  redis-cli --cluster create $(for p in $ports; do printf '127.0.0.1:%s ' "$p"; done) \
    --cluster-replicas 1 --cluster-yes >"$dir/create.log"
  for p in $ports; do  # every node agrees the cluster is up (bounded)
    for _ in $(seq 1 100); do
      redis-cli -p "$p" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break
      sleep 0.1
    done
    redis-cli -p "$p" cluster info | grep -q 'cluster_state:ok' || {
      echo "redis cluster: node $p not ok" >&2; exit 1; }
  done
  echo "redis cluster up: 127.0.0.1:$base-$((base + 5)) ($dir)"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [BASE_PORT] [DIR]" >&2; exit 2 ;;
esac
