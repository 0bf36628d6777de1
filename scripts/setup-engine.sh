#!/usr/bin/env bash
# Makes sure a Docker-API container engine answers, and prints its endpoint (unix://...) on stdout.
#
#   scripts/setup-engine.sh [--with-registry-tools]
#
# 1. If an engine answers GET /_ping at $DOCKER_HOST (unix sockets), /run/podman/podman.sock or
#    /var/run/docker.sock, print it and exit 0 (nothing is installed or started).
# 2. Otherwise, as root on Debian/Ubuntu: install Podman from the distribution, render the
#    project's etc/podman/containers.conf into $OPENECI_ENGINE_DIR (default /var/lib/openeci/engine),
#    start `podman system service` on /run/podman/podman.sock with CONTAINERS_CONF pointing at it
#    (detached; log and pid file in the same directory), wait for it, print its endpoint.
# 3. Else fail with what to install.
# --with-registry-tools also installs what the registry tests use: docker-registry, skopeo,
# apache2-utils (htpasswd), openssl, busybox-static; and iproute2 (tc, ip) and util-linux (nsenter)
# for IngressBandwidth/EgressBandwidth shaping; chromium, chromium-driver and fonts-dejavu-core for
# the web console's browser test (ConsoleIT, headless); prometheus for promtool
# (OpsEndpointsIT parses /metrics with it).
# Idempotent; progress goes to stderr prefixed "openeci:".
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
ENGINE_DIR="${OPENECI_ENGINE_DIR:-/var/lib/openeci/engine}"
PODMAN_SOCK=/run/podman/podman.sock
WITH_REGISTRY=0
for a in "$@"; do
  case "$a" in
    --with-registry-tools) WITH_REGISTRY=1 ;;
    *) echo "usage: $0 [--with-registry-tools]" >&2; exit 2 ;;
  esac
done

say() { echo "openeci: $*" >&2; }

ping_sock() { [ -S "$1" ] && curl -sf --max-time 2 --unix-socket "$1" http://d/_ping >/dev/null 2>&1; }

answering() {
  if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST#unix://}" != "$DOCKER_HOST" ] && ping_sock "${DOCKER_HOST#unix://}"; then
    echo "$DOCKER_HOST"; return 0
  fi
  for s in "$PODMAN_SOCK" /var/run/docker.sock; do
    if ping_sock "$s"; then echo "unix://$s"; return 0; fi
  done
  return 1
}

apt_install() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "missing packages: ${missing[*]}; install them (Debian/Ubuntu: apt-get install ${missing[*]})"; return 1
  fi
  say "installing ${missing[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$ENGINE_DIR/apt.log" 2>&1; then
    apt-get update -q >>"$ENGINE_DIR/apt.log" 2>&1
    apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$ENGINE_DIR/apt.log" 2>&1 \
      || { say "apt-get failed, see $ENGINE_DIR/apt.log"; tail -20 "$ENGINE_DIR/apt.log" >&2; return 1; }
  fi
}

mkdir -p "$ENGINE_DIR" 2>/dev/null || true

if [ "$WITH_REGISTRY" = 1 ]; then
  apt_install busybox-static docker-registry skopeo apache2-utils openssl curl iproute2 util-linux prometheus
  apt_install chromium chromium-driver fonts-dejavu-core
fi

# A service we started whose working directory was deleted still answers pings, but conmon cannot
# start a single container any more ("Failed to get working directory"): restart it below.
if [ -f "$ENGINE_DIR/podman-service.pid" ] && kill -0 "$(cat "$ENGINE_DIR/podman-service.pid")" 2>/dev/null \
   && [ "$(readlink "/proc/$(cat "$ENGINE_DIR/podman-service.pid")/cwd" 2>/dev/null)" != / ]; then
  say "podman service (pid $(cat "$ENGINE_DIR/podman-service.pid")) runs outside / (its directory may be gone); restarting it"
  kill "$(cat "$ENGINE_DIR/podman-service.pid")" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$(cat "$ENGINE_DIR/podman-service.pid")" 2>/dev/null || break; sleep 0.1; done
elif endpoint="$(answering)"; then
  echo "$endpoint"; exit 0
fi

. /etc/os-release 2>/dev/null || true
case " ${ID:-} ${ID_LIKE:-} " in
  *" debian "*|*" ubuntu "*) ;;
  *) say "no container engine answers and this is not Debian/Ubuntu: start Docker or Podman's API service"
     say "(podman system service --time=0 unix://$PODMAN_SOCK), or set DOCKER_HOST"; exit 1 ;;
esac
if [ "$(id -u)" != 0 ]; then
  say "no container engine answers; run this script as root to install and start Podman, or start Docker/Podman yourself"
  exit 1
fi

apt_install podman runc netavark aardvark-dns iptables catatonit busybox-static curl iproute2 util-linux

nofile="$(ulimit -Hn)"
if [ "$nofile" = unlimited ] || [ "$nofile" -gt 1048576 ]; then nofile=1048576; fi
sed "s/@NOFILE@/$nofile/g" "$ROOT/etc/podman/containers.conf" > "$ENGINE_DIR/containers.conf"

mkdir -p /run/podman
if [ -f "$ENGINE_DIR/podman-service.pid" ] && kill -0 "$(cat "$ENGINE_DIR/podman-service.pid")" 2>/dev/null; then
  say "podman service (pid $(cat "$ENGINE_DIR/podman-service.pid")) runs but does not answer; restarting it"
  kill "$(cat "$ENGINE_DIR/podman-service.pid")" 2>/dev/null || true
  sleep 2
fi
rm -f "$PODMAN_SOCK"
say "starting podman system service on $PODMAN_SOCK (log: $ENGINE_DIR/podman-service.log)"
# From /, never from the caller's directory: a long-lived service must not depend on a checkout
# (or test directory) that may be deleted while it runs.
CONTAINERS_CONF="$ENGINE_DIR/containers.conf" setsid nohup env -C / podman system service --time=0 \
  "unix://$PODMAN_SOCK" >>"$ENGINE_DIR/podman-service.log" 2>&1 </dev/null &
echo $! > "$ENGINE_DIR/podman-service.pid"
for _ in $(seq 1 300); do
  if ping_sock "$PODMAN_SOCK"; then echo "unix://$PODMAN_SOCK"; exit 0; fi
  sleep 0.1
done
say "podman service did not answer within 30 s; log follows"
tail -30 "$ENGINE_DIR/podman-service.log" >&2
exit 1
