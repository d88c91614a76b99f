#!/bin/sh
# Create the Redis Cluster once (docker compose's redis-cluster-init, the k8s Job
# sawt-redis-cluster-init, which carries a copy of this file in its ConfigMap).
#
# REDIS_NODES names every node, "host:port" separated by spaces (6 or more; redis-cli makes
# the first half masters, one replica each). Waits until every node answers; when any node
# already knows other nodes the cluster exists (a re-run, a restarted Job) and nothing is
# created, else `redis-cli --cluster create ... --cluster-replicas 1 --cluster-yes`. Either
# way it ends once the cluster reports cluster_state:ok, or fails after REDIS_WAIT_TRIES.
# CLUSTER MEET takes IP addresses only: hosts are resolved here; the nodes announce their
# host names to clients themselves (cluster-announce-hostname).
set -eu
: "${REDIS_NODES:?names every node: host:port separated by spaces}"
TRIES=${REDIS_WAIT_TRIES:-90}
first=${REDIS_NODES%% *}
first_host=${first%:*}
first_port=${first##*:}
exists=0
addresses=""
for node in $REDIS_NODES; do
  host=${node%:*}
  port=${node##*:}
  i=0
  until [ "$(redis-cli -h "$host" -p "$port" ping 2>/dev/null)" = "PONG" ]; do
    i=$((i + 1))
    if [ "$i" -ge "$TRIES" ]; then
      echo "redis-cluster-init: $node never answered" >&2
      exit 1
    fi
    sleep 2
  done
  known=$(redis-cli -h "$host" -p "$port" cluster info | sed -n 's/^cluster_known_nodes:\([0-9]*\).*/\1/p')
  if [ "${known:-1}" -gt 1 ]; then
    exists=1
  fi
  ip=$(getent hosts "$host" | awk '{ print $1; exit }')
  addresses="$addresses ${ip:-$host}:$port"
done
if [ "$exists" = 1 ]; then
  echo "redis-cluster-init: the cluster exists; not creating it again"
else
  # shellcheck disable=SC2086  # one argument per node
  redis-cli --cluster create $addresses --cluster-replicas 1 --cluster-yes
fi
i=0
until redis-cli -h "$first_host" -p "$first_port" cluster info | grep -q '^cluster_state:ok'; do
  i=$((i + 1))
  if [ "$i" -ge "$TRIES" ]; then
    echo "redis-cluster-init: cluster_state is not ok; see redis-cli --cluster check $first" >&2
    exit 1
  fi
  sleep 2
done
echo "redis-cluster-init: cluster_state:ok"
