#!/usr/bin/env bash
# openeci's performance targets, measured in one run against the raw engine (docs/performance.md).
#
#   scripts/bench.sh [--runs N] [--groups N] [--describe-seconds S] [--describe-threads K] [--idle-seconds S]
#                    [--backend local|kubernetes] [--kubeconfig FILE] [--seeded "500 10000"|none]
#
# Builds if needed, starts `./openeci serve` on a free loopback port with a temporary data dir,
# runs the bench driver (src/test/java/dev/openeci/e2e/Bench.java) and prints one table. The server,
# its data dir and every engine container it or the driver made are removed at the end, also on
# failure or Ctrl-C. Extra JVM flags for the server: OPENECI_JAVA_OPTS (as for ./openeci serve).
# --backend kubernetes: groups run on the cluster of --kubeconfig (else $OPENECI_TEST_KUBECONFIG,
# else the one scripts/setup-kubernetes.sh brings up) and the raw side is the same Pod made with
# fabric8; its pods, and the driver's namespace, are removed at the end (default --groups 200).
# --seeded SIZES: first, for each size, a server whose store was seeded with that many finished groups
# (BenchSeed) against a Docker API that holds nothing (scripts/bench-null-engine.py): paged and by-id
# Describe with that many groups stored (default "500 10000"; none to skip). --seeded-only: only those
# (no engine needed; a quick loop for the Describe path).
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
cd "$ROOT"

RUNS=5 NGROUPS="" SEEDED="500 10000" SEEDED_ONLY=0 DESCRIBE_SECONDS=20 DESCRIBE_THREADS=4 IDLE_SECONDS=60 BACKEND=local KUBECONFIG_FILE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --groups) NGROUPS="$2"; shift 2 ;;
    --describe-seconds) DESCRIBE_SECONDS="$2"; shift 2 ;;
    --describe-threads) DESCRIBE_THREADS="$2"; shift 2 ;;
    --idle-seconds) IDLE_SECONDS="$2"; shift 2 ;;
    --backend) BACKEND="$2"; shift 2 ;;
    --kubeconfig) KUBECONFIG_FILE="$2"; shift 2 ;;
    --seeded) SEEDED="$2"; shift 2 ;;
    --seeded-only) SEEDED_ONLY=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bench: unknown option $1" >&2; exit 2 ;;
  esac
done

say() { echo "bench: $*" >&2; }
case "$BACKEND" in
  local) NGROUPS="${NGROUPS:-500}" ;;
  kubernetes) NGROUPS="${NGROUPS:-200}" ;;
  *) echo "bench: --backend must be local or kubernetes" >&2; exit 2 ;;
esac

if [ -z "${JAVA_HOME:-}" ]; then
  for d in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do [ -x "$d/bin/javac" ] && { JAVA_HOME="$d"; break; }; done
fi
export JAVA_HOME

ENGINE=""
if [ "$BACKEND" = kubernetes ]; then
  if [ -z "$KUBECONFIG_FILE" ]; then
    if [ -n "${OPENECI_TEST_KUBECONFIG:-}" ] && [ -r "$OPENECI_TEST_KUBECONFIG" ]; then
      KUBECONFIG_FILE="$OPENECI_TEST_KUBECONFIG"
    else
      KUBECONFIG_FILE="$(scripts/setup-kubernetes.sh)"
    fi
  fi
  [ -r "$KUBECONFIG_FILE" ] || { echo "bench: cannot read kubeconfig $KUBECONFIG_FILE" >&2; exit 2; }
  KUBECONFIG_FILE="$(readlink -f "$KUBECONFIG_FILE")"
  KUBECTL="$(command -v kubectl || true)"
else
  ENGINE="$(scripts/setup-engine.sh)"
  export DOCKER_HOST="$ENGINE"
fi

# Build: the server jar and the test classes (the driver), only when sources changed.
STAMP=target/bench.cp
if [ ! -f target/openeci.jar ] || [ ! -f "$STAMP" ] \
   || [ -n "$(find src pom.xml -newer "$STAMP" -print -quit)" ]; then
  say "building ..."
  ./mvnw -B -q -o -DskipTests package >&2 || ./mvnw -B -q -DskipTests package >&2
  CP=(dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$STAMP")
  ./mvnw -B -q -o "${CP[@]}" >&2 2>/dev/null || ./mvnw -B -q "${CP[@]}" >&2
  touch "$STAMP"
fi

DATA="$(mktemp -d /tmp/openeci-bench.XXXXXX)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export OPENECI_ACCESS_KEY_ID="bench$(date +%s)"
export OPENECI_ACCESS_KEY_SECRET="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
SERVER_PID=""
SEED_PID="" NULL_PID="" SEED_DATA=""
ROWS="$DATA.rows"

engine_curl() { # METHOD PATH: the engine's Docker API (unix sockets only)
  case "$ENGINE" in
    unix://*) curl -sf --max-time 60 --unix-socket "${ENGINE#unix://}" -X "$1" "http://d/v1.41$2" ;;
    *) curl -sf --max-time 60 -X "$1" "http://${ENGINE#tcp://}/v1.41$2" ;;
  esac
}

stop_pid() { # PID: TERM, wait up to 30 s, then KILL (only processes this script started)
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

stop_seeded() {
  stop_pid "$SEED_PID"; SEED_PID=""
  stop_pid "$NULL_PID"; NULL_PID=""
  [ -n "$SEED_DATA" ] && rm -rf "$SEED_DATA"; SEED_DATA=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_seeded
  rm -f "$ROWS"
  # BENCH_SERVER_LOG=FILE keeps the server's log (timelines of creates and deletes; docs/performance.md).
  [ -n "${BENCH_SERVER_LOG:-}" ] && [ -f "$DATA/server.log" ] && cp "$DATA/server.log" "$BENCH_SERVER_LOG"
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "$BACKEND" = kubernetes ]; then
    # Backstop for an interrupted driver: the pods of this server instance, then the namespaces its
    # backend made (this instance ends with the bench; the driver removes its own namespace).
    if [ -f "$DATA/instance-id" ] && [ -n "$KUBECTL" ]; then
      local sel
      sel="openeci.dev/owner=$(tr -d '\n' < "$DATA/instance-id")"
      "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" --request-timeout=30s delete pods --all-namespaces -l "$sel" \
        --grace-period=0 --force --wait=false >/dev/null 2>&1 || true
      "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" --request-timeout=30s delete namespaces -l "$sel" --wait=false \
        >/dev/null 2>&1 || true
    fi
    rm -rf "$DATA"
    exit $rc
  fi
  # Backstop for an interrupted driver: whatever this server instance or the driver left in the engine.
  if [ -f "$DATA/instance-id" ]; then
    local owner filter ids
    owner="$(tr -d '\n' < "$DATA/instance-id")"
    filter="$(python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.dumps({"label":["openeci.owner="+sys.argv[1]]})))' "$owner")"
    ids="$(engine_curl GET "/containers/json?all=true&filters=$filter" | python3 -c 'import json,sys; print(" ".join(c["Id"] for c in json.load(sys.stdin)))' || true)"
    for id in $ids; do engine_curl DELETE "/containers/$id?force=true&v=true" >/dev/null || true; done
    [ -n "$ids" ] && say "removed $(echo $ids | wc -w) leftover containers of instance $owner"
  fi
  ids="$(engine_curl GET "/containers/json?all=true" | python3 -c 'import json,sys; print(" ".join(c["Id"] for c in json.load(sys.stdin) if any(n.startswith("/openeci-bench-") for n in c.get("Names") or [])))' || true)"
  for id in $ids; do engine_curl DELETE "/containers/$id?force=true" >/dev/null || true; done
  rm -rf "$DATA"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CLASSPATH_BENCH="target/test-classes:target/classes:$(cat "$STAMP")"
wait_port() { # PORT PID LOG (a server loading 10,000 groups on a busy machine may take minutes)
  for _ in $(seq 1 6000); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { cat "$3" >&2; say "server exited"; exit 1; }
    sleep 0.1
  done
  say "server on port $1 did not answer"; exit 1
}

# Describe with many groups stored: the real server on a store seeded before it starts, against a
# Docker API that holds nothing (so no engine work, and nothing to clean up in the engine).
if [ "$BACKEND" = local ] && [ "$SEEDED" != none ]; then
  for n in $SEEDED; do
    SEED_DATA="$(mktemp -d /tmp/openeci-bench-seeded.XXXXXX)"
    say "seeding $n finished groups into $SEED_DATA ..."
    "$JAVA_HOME/bin/java" -cp "$CLASSPATH_BENCH" dev.openeci.e2e.BenchSeed "$SEED_DATA" "$n" 2>"$SEED_DATA/seed.log" \
      || { cat "$SEED_DATA/seed.log" >&2; exit 1; }
    python3 scripts/bench-null-engine.py "$SEED_DATA/engine.sock" & NULL_PID=$!
    for _ in $(seq 1 100); do [ -S "$SEED_DATA/engine.sock" ] && break; sleep 0.1; done
    SEED_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    ./openeci serve --listen "127.0.0.1:$SEED_PORT" --data-dir "$SEED_DATA" --engine "unix://$SEED_DATA/engine.sock" \
      --rate-limit 0 > "$SEED_DATA/server.log" 2>&1 &
    SEED_PID=$!
    wait_port "$SEED_PORT" "$SEED_PID" "$SEED_DATA/server.log"
    say "seeded server pid $SEED_PID on 127.0.0.1:$SEED_PORT ($n groups)"
    "$JAVA_HOME/bin/java" -cp "$CLASSPATH_BENCH" dev.openeci.e2e.Bench --mode describe-only --rows "$ROWS" \
      --endpoint "127.0.0.1:$SEED_PORT" --engine none --pid "$SEED_PID" --data-dir "$SEED_DATA" \
      --describe-seconds "$DESCRIBE_SECONDS" --describe-threads "$DESCRIBE_THREADS"
    stop_seeded
  done
  if [ "$SEEDED_ONLY" = 1 ]; then
    python3 - "$ROWS" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t", 2) for l in open(sys.argv[1]) if l.strip()]
w0 = max(10, *(len(r[0]) for r in rows)); w1 = max(5, *(len(r[1]) for r in rows))
print("| %-*s | %*s | %s |" % (w0, "measure", w1, "value", "detail"))
print("|%s|%s:|%s|" % ("-" * (w0 + 2), "-" * (w1 + 1), "-" * 10))
for r in rows: print("| %-*s | %*s | %s |" % (w0, r[0], w1, r[1], r[2]))
PY
    exit 0
  fi
fi

if [ "$BACKEND" = kubernetes ]; then
  TARGET=(--backend kubernetes --kubeconfig "$KUBECONFIG_FILE")
  say "starting ./openeci serve on 127.0.0.1:$PORT (data $DATA, cluster of $KUBECONFIG_FILE)"
else
  TARGET=(--engine "$ENGINE")
  say "starting ./openeci serve on 127.0.0.1:$PORT (data $DATA, engine $ENGINE)"
fi
# --rate-limit 0: the bench measures the server's capacity from one account, which the per-account
# rate limit (docs/security.md) would otherwise cap at 200 requests/s.
./openeci serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" "${TARGET[@]}" --rate-limit 0 \
  > "$DATA/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$DATA/server.log" >&2; say "server exited"; exit 1; }
  sleep 0.1
done
say "server pid $SERVER_PID ($(tr '\0' ' ' < /proc/$SERVER_PID/cmdline | cut -c1-200))"
say "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)"

"$JAVA_HOME/bin/java" -cp "$CLASSPATH_BENCH" dev.openeci.e2e.Bench --rows "$ROWS" \
  --endpoint "127.0.0.1:$PORT" --engine "${ENGINE:-none}" --pid "$SERVER_PID" --data-dir "$DATA" \
  --backend "$BACKEND" --kubeconfig "${KUBECONFIG_FILE:-none}" \
  --runs "$RUNS" --groups "$NGROUPS" --describe-seconds "$DESCRIBE_SECONDS" \
  --describe-threads "$DESCRIBE_THREADS" --idle-seconds "$IDLE_SECONDS"
