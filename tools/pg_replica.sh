#!/usr/bin/env bash
# A PostgreSQL primary and a streaming replica of it (pg_basebackup), each a local cluster on its
# own port, for `make test-replica`: the replica tests need a real standby, and the shared
# cluster on 5432 is left as it is.
#
#   tools/pg_replica.sh up      create once, then start both (idempotent)
#   tools/pg_replica.sh down    stop both
#   tools/pg_replica.sh drop    stop and remove both clusters
#
# Ports: REPLICA_PRIMARY_PORT (5440) and REPLICA_STANDBY_PORT (5441). Needs root (pg_createcluster)
# and Debian's postgresql-common.
set -euo pipefail

VERSION=$(ls /etc/postgresql | sort -n | tail -1)
BIN=/usr/lib/postgresql/$VERSION/bin
PRIMARY=wangge_primary
STANDBY=wangge_standby
PRIMARY_PORT=${REPLICA_PRIMARY_PORT:-5440}
STANDBY_PORT=${REPLICA_STANDBY_PORT:-5441}

exists() { pg_lsclusters -h | awk -v v="$VERSION" -v n="$1" '$1 == v && $2 == n {found=1} END {exit !found}'; }
start() { pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$1" start >/dev/null 2>&1 || true; }
ready() {
  for _ in $(seq 1 60); do
    "$BIN/pg_isready" -q -h 127.0.0.1 -p "$1" && return 0
    sleep 0.5
  done
  echo "PostgreSQL on port $1 did not start" >&2
  return 1
}

up() {
  if ! exists "$PRIMARY"; then
    pg_createcluster "$VERSION" "$PRIMARY" --port "$PRIMARY_PORT" -- --auth=trust >/dev/null
    conf=/etc/postgresql/$VERSION/$PRIMARY
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "wal_level = replica"
      echo "max_wal_senders = 5"
      echo "fsync = off"  # a throw-away test cluster
    } >>"$conf/postgresql.conf"
    echo "host replication all 127.0.0.1/32 trust" >>"$conf/pg_hba.conf"
  fi
  start "$PRIMARY"
  ready "$PRIMARY_PORT"
  if ! exists "$STANDBY"; then
    pg_createcluster "$VERSION" "$STANDBY" --port "$STANDBY_PORT" -- --auth=trust >/dev/null
    data=/var/lib/postgresql/$VERSION/$STANDBY
    find "$data" -mindepth 1 -delete
    # -R writes standby.signal and primary_conninfo: the copy follows the primary from now on.
    runuser -u postgres -- "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
      -D "$data" -R -X stream -c fast
    echo "listen_addresses = '127.0.0.1'" >>"/etc/postgresql/$VERSION/$STANDBY/postgresql.conf"
    echo "hot_standby = on" >>"/etc/postgresql/$VERSION/$STANDBY/postgresql.conf"
  fi
  start "$STANDBY"
  ready "$STANDBY_PORT"
  in_recovery=$(psql -h 127.0.0.1 -p "$STANDBY_PORT" -U postgres -Atc "select pg_is_in_recovery()")
  if [ "$in_recovery" != "t" ]; then
    echo "the cluster on $STANDBY_PORT is not a standby" >&2
    exit 1
  fi
  echo "primary 127.0.0.1:$PRIMARY_PORT, streaming replica 127.0.0.1:$STANDBY_PORT"
}

down() {
  for c in "$STANDBY" "$PRIMARY"; do
    exists "$c" && pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$c" stop 2>/dev/null || true
  done
}

drop() {
  for c in "$STANDBY" "$PRIMARY"; do
    exists "$c" && pg_dropcluster --stop "$VERSION" "$c" || true
  done
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  drop) drop ;;
  *) echo "usage: $0 up|down|drop" >&2; exit 2 ;;
esac
