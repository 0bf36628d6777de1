#!/usr/bin/env bash
# Brings up a real single-node Kubernetes 1.20 cluster on this machine from Debian's packages only
# and prints the path of its admin kubeconfig on stdout (progress goes to stderr, "openeci-k8s:").
#
#   scripts/setup-kubernetes.sh            bring it up (or, when it already runs, just print the path)
#   scripts/setup-kubernetes.sh --down     tear it down (pods first, then the processes by recorded PID)
#   scripts/setup-kubernetes.sh --build-only   install packages and build/cache the binaries and images
#
# Run as root on Debian 12 (bookworm). What it does (details: docs/kubernetes.md, "A test cluster on
# one machine"):
# - apt: etcd-server containerd runc containernetworking-plugins golang-go rsync jq gcc make libc6-dev
#   openssl busybox-static iproute2 curl; kubectl 1.20 from kubernetes-client unpacked (dpkg-deb -x)
#   into the cache, never installed (it would clash with another kubectl).
# - kube-apiserver, kubelet, kube-scheduler, kube-controller-manager v1.20.2 are built ONCE from
#   Debian's source package `kubernetes` (with the vendored modern-go/reflect2 replaced by Debian's
#   1.0.2, which works with Go >= 1.18) and cached with the pause and busybox images in
#   $OPENECI_K8S_CACHE/<version> (default /var/cache/openeci/kubernetes); the 3.3 GB build tree is
#   deleted after a successful build. A later run or a fresh clone reuses the cache.
# - etcd, kube-apiserver, kube-controller-manager, kube-scheduler, containerd and kubelet run
#   detached with all state, logs, PIDs, certificates (self-made CA), static tokens and configs in
#   $OPENECI_K8S_DIR (default /var/lib/openeci/kubernetes). Everything listens on 127.0.0.1, except
#   the node address 10.244.0.1 on the host-only bridge oeci-k8s0 that also carries the pods (pod IPs
#   10.244.0.0/24 are reachable from this host only).
# - containerd pulls plain-HTTP images from registries on 127.0.0.1/localhost (the test registry).
# Only one such cluster per host. Coexists with Podman (scripts/setup-engine.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
K8S_VERSION=1.20.2
DIR="${OPENECI_K8S_DIR:-/var/lib/openeci/kubernetes}"
CACHE="${OPENECI_K8S_CACHE:-/var/cache/openeci/kubernetes}/$K8S_VERSION"
BIN="$CACHE/bin"
IMAGES="$CACHE/images"
BRIDGE=oeci-k8s0
NODE_IP=10.244.0.1
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.245.0.0/24
NODE_NAME=openeci-node
ETCD_CLIENT_PORT=23790
ETCD_PEER_PORT=23800
APISERVER_PORT=6443
KUBELET_PORT=10250
PAUSE_IMAGE=localhost/openeci-k8s/pause:3.4.1
BUSYBOX_IMAGE=localhost/openeci-test/busybox:1
ENTRYPOINT_IMAGE=localhost/openeci-test/entrypoint:1
KUBE_BINS="kube-apiserver kubelet kube-scheduler kube-controller-manager"

MODE=up
for a in "$@"; do
  case "$a" in
    --down) MODE=down ;;
    --build-only) MODE=build ;;
    *) echo "usage: $0 [--down|--build-only]" >&2; exit 2 ;;
  esac
done

say() { echo "openeci-k8s: $*" >&2; }
die() { say "$*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

[ "$(id -u)" = 0 ] || die "run this script as root (it installs packages and runs a kubelet)"
mkdir -p "$DIR" "$CACHE"
# Only one run at a time (the lock fd is closed for every process this script starts).
mkdir -p /run/lock
exec 9>/run/lock/openeci-kubernetes.lock
flock 9

apt_install() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages: ${missing[*]} (this script needs Debian 12)"
  say "installing ${missing[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d keeps the packages' init scripts (etcd, containerd) from starting services of their own.
  local prc=/usr/sbin/policy-rc.d created=0
  if [ ! -e "$prc" ]; then printf '#!/bin/sh\nexit 101\n' > "$prc"; chmod +x "$prc"; created=1; fi
  local ok=0
  if apt-get install -y -q --no-install-recommends "${missing[@]}" >"$DIR/apt.log" 2>&1; then ok=1
  else
    apt-get update -q >>"$DIR/apt.log" 2>&1 || true
    apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$DIR/apt.log" 2>&1 && ok=1
  fi
  [ "$created" = 1 ] && rm -f "$prc"
  [ "$ok" = 1 ] || { tail -20 "$DIR/apt.log" >&2; die "apt-get failed, see $DIR/apt.log"; }
}

# ---------------------------------------------------------------------------------------------
# Build (once per version) and cache: the four server binaries, kubectl, the pause and busybox images.
# ---------------------------------------------------------------------------------------------
have_bins() { for b in $KUBE_BINS kubectl; do [ -x "$BIN/$b" ] || return 1; done; }

fetch_source() { # -> prints the extracted tree's path
  local work="$1" src="$work/apt-src"
  mkdir -p "$src/lists/partial" "$src/archives/partial"
  # deb-src is not enabled on the machine: a private sources list with the system's URIs and suites.
  : > "$src/sources.list"
  local uris
  # Debian's own archive (the mirror the system uses).
  uris="$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -E '/debian/?$' | head -1 || true)"
  [ -n "$uris" ] || uris="$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -E '/debian/?$' | head -1 || true)"
  [ -n "$uris" ] || uris=http://deb.debian.org/debian
  local secuser
  secuser="$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -E 'debian-security/?$' | head -1 || true)"
  [ -n "$secuser" ] || secuser=http://deb.debian.org/debian-security
  cat > "$src/sources.list" <<EOF
deb-src $uris bookworm main
deb-src $uris bookworm-updates main
deb-src $secuser bookworm-security main
EOF
  local opts=(-o Dir::Etc::SourceList="$src/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o Dir::State::Lists="$src/lists" -o Dir::Cache::Archives="$src/archives")
  say "downloading Debian's kubernetes source package (deb-src from $uris) ..."
  apt-get "${opts[@]}" update -q >"$work/apt-src.log" 2>&1 || { tail -20 "$work/apt-src.log" >&2; die "apt-get update (deb-src) failed"; }
  ( cd "$work" && apt-get "${opts[@]}" source --download-only "kubernetes=1.20.5+really1.20.2-1.1+deb12u1" >>"$work/apt-src.log" 2>&1 \
      || apt-get "${opts[@]}" source --download-only kubernetes >>"$work/apt-src.log" 2>&1 ) \
    || { tail -20 "$work/apt-src.log" >&2; die "apt-get source kubernetes failed"; }
  local orig
  orig="$(ls "$work"/kubernetes_*.orig.tar.* 2>/dev/null | head -1)"
  [ -n "$orig" ] || die "no kubernetes_*.orig.tar.* in $work"
  say "unpacking $(basename "$orig") ..."
  mkdir -p "$work/tree"
  tar -xf "$orig" -C "$work/tree" --strip-components=1
  echo "$work/tree"
}

fix_reflect2() { # the vendored reflect2 1.0.1 crashes under Go >= 1.18: use Debian's 1.0.2
  local tree="$1" work="$2" deb
  mkdir -p "$work/reflect2"
  ( cd "$work/reflect2" && apt-get download golang-github-modern-go-reflect2-dev >"$work/reflect2.log" 2>&1 ) \
    || { cat "$work/reflect2.log" >&2; die "apt-get download golang-github-modern-go-reflect2-dev failed"; }
  deb="$(ls "$work"/reflect2/*.deb | head -1)"
  dpkg-deb -x "$deb" "$work/reflect2/x"
  local from
  from="$(dirname "$(find "$work/reflect2/x" -name reflect2.go -path '*modern-go/reflect2*' | head -1)")"
  [ -d "$from" ] || die "reflect2 sources not found in $deb"
  local to="$tree/vendor/github.com/modern-go/reflect2"
  [ -d "$to" ] || die "no vendored reflect2 in the tree"
  find "$to" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) -delete
  find "$from" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) ! -name '*_test.go' -exec cp {} "$to/" \;
  say "replaced vendored modern-go/reflect2 with $(basename "$deb")"
}

build_kubernetes() {
  local work="$CACHE/build" t0 tree
  t0="$(now)"
  rm -rf "$work"; mkdir -p "$work"
  tree="$(fetch_source "$work")"
  fix_reflect2 "$tree" "$work"
  say "building $KUBE_BINS v$K8S_VERSION (about 11 min on 2 idle cores; log: $work/make.log) ..."
  # No git tree: the version the binaries report comes from a version file.
  cat > "$work/version" <<EOF
KUBE_GIT_COMMIT='faecb196815e248d3ecfb03c680a4507229c2a56'
KUBE_GIT_TREE_STATE='clean'
KUBE_GIT_VERSION='v$K8S_VERSION'
KUBE_GIT_MAJOR='1'
KUBE_GIT_MINOR='20'
EOF
  ( cd "$tree" && env GOPROXY=off GOFLAGS=-mod=vendor KUBE_GIT_VERSION_FILE="$work/version" \
      make WHAT="cmd/kube-apiserver cmd/kubelet cmd/kube-scheduler cmd/kube-controller-manager" ) >"$work/make.log" 2>&1 \
    || { tail -30 "$work/make.log" >&2; die "make failed, see $work/make.log"; }
  mkdir -p "$BIN.new"
  for b in $KUBE_BINS; do cp "$tree/_output/bin/$b" "$BIN.new/$b"; done
  # pause: the sandbox's init process, from the same tree.
  gcc -Os -static -Wall -Werror -DVERSION=v3.4.1 -o "$BIN.new/pause" "$tree/build/pause/linux/pause.c" \
    || die "compiling pause.c failed"
  strip "$BIN.new/pause" 2>/dev/null || true
  cp "$work/make.log" "$CACHE/make.log"
  echo "$(since "$t0")" > "$CACHE/build-seconds"
  rm -rf "$BIN"; mv "$BIN.new" "$BIN"
  say "built in $(since "$t0") s; removing the build tree"
  rm -rf "$work"
}

install_kubectl() {
  [ -x "$BIN/kubectl" ] && return 0
  local work="$CACHE/kubectl-deb"
  rm -rf "$work"; mkdir -p "$work"
  ( cd "$work" && apt-get download kubernetes-client >"$work/download.log" 2>&1 ) \
    || { apt-get update -q >/dev/null 2>&1; ( cd "$work" && apt-get download kubernetes-client >>"$work/download.log" 2>&1 ); } \
    || { cat "$work/download.log" >&2; die "apt-get download kubernetes-client failed"; }
  dpkg-deb -x "$work"/kubernetes-client_*.deb "$work/x"
  mkdir -p "$BIN"
  cp "$work/x/usr/bin/kubectl" "$BIN/kubectl"
  rm -rf "$work"
}

ensure_binaries() {
  apt_install etcd-server containerd runc containernetworking-plugins golang-go rsync jq gcc make libc6-dev \
    openssl busybox-static iproute2 curl ca-certificates binutils
  if ! [ -x "$BIN/kube-apiserver" ] || ! [ -x "$BIN/kubelet" ] || ! [ -x "$BIN/kube-scheduler" ] \
     || ! [ -x "$BIN/kube-controller-manager" ] || ! [ -x "$BIN/pause" ]; then
    build_kubernetes
  fi
  install_kubectl
}


# ---------------------------------------------------------------------------------------------
# Images: docker-archive tarballs built once into the cache, imported into containerd's k8s.io
# namespace on every start (a no-op when present). Deterministic (sorted, mtime 0) so digests stay.
# ---------------------------------------------------------------------------------------------
make_image() { # make_image OUT.tar REFERENCE ROOTFS_DIR CONFIG_JSON_FRAGMENT
  local out="$1" ref="$2" rootfs="$3" cfg="$4" tmp layer_id diff config_id
  tmp="$(mktemp -d "$CACHE/img.XXXXXX")"
  tar --sort=name --mtime=@0 --numeric-owner -C "$rootfs" -cf "$tmp/layer.tar" .
  diff="sha256:$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)"
  layer_id="${diff#sha256:}"
  mkdir -p "$tmp/$layer_id"
  mv "$tmp/layer.tar" "$tmp/$layer_id/layer.tar"
  jq -cn --argjson c "$cfg" --arg d "$diff" \
    '{architecture:"amd64",os:"linux",created:"1970-01-01T00:00:00Z",config:$c,rootfs:{type:"layers",diff_ids:[$d]}}' > "$tmp/config.json"
  config_id="$(sha256sum "$tmp/config.json" | cut -d' ' -f1)"
  mv "$tmp/config.json" "$tmp/$config_id.json"
  jq -cn --arg c "$config_id.json" --arg r "$ref" --arg l "$layer_id/layer.tar" \
    '[{Config:$c,RepoTags:[$r],Layers:[$l]}]' > "$tmp/manifest.json"
  tar --sort=name --mtime=@0 --numeric-owner -C "$tmp" -cf "$out.new" manifest.json "$config_id.json" "$layer_id"
  mv "$out.new" "$out"
  rm -rf "$tmp"
}

busybox_rootfs() { # the same content as RootfsImages.fullBusybox() (what the Java ITs import into Podman)
  local r="$1"
  rm -rf "$r"; mkdir -p "$r"
  ( cd "$r"
    mkdir -p bin etc tmp www root home/app proc sys dev run var
    chmod 0755 bin etc www home proc sys dev run var; chmod 1777 tmp; chmod 0700 root
    chown 1000:1000 home/app; chmod 0755 home/app
    cp /bin/busybox bin/busybox; chmod 0755 bin/busybox
    /bin/busybox --list | grep -E '^[][A-Za-z0-9_.-]+$' | grep -vx busybox | while read -r a; do ln -s busybox "bin/$a"; done
    printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > etc/passwd
    printf 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n' > etc/group
    chmod 0644 etc/passwd etc/group )
}

ensure_images() {
  mkdir -p "$IMAGES"
  local busybox_sum
  busybox_sum="$(sha256sum /bin/busybox | cut -c1-12)"
  if [ ! -f "$IMAGES/pause.tar" ]; then
    local r="$IMAGES/rootfs-pause"; rm -rf "$r"; mkdir -p "$r"
    cp "$BIN/pause" "$r/pause"; chmod 0755 "$r/pause"
    make_image "$IMAGES/pause.tar" "$PAUSE_IMAGE" "$r" '{"Entrypoint":["/pause"],"User":"65535:65535"}'
    rm -rf "$r"
  fi
  # The busybox images follow the host's busybox-static: rebuilt when it changes.
  if [ "$(cat "$IMAGES/busybox.sum" 2>/dev/null)" != "$busybox_sum" ] || [ ! -f "$IMAGES/busybox.tar" ] || [ ! -f "$IMAGES/entrypoint.tar" ]; then
    local r="$IMAGES/rootfs-busybox"
    busybox_rootfs "$r"
    local env='["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]'
    make_image "$IMAGES/busybox.tar" "$BUSYBOX_IMAGE" "$r" "{\"Env\":$env}"
    make_image "$IMAGES/entrypoint.tar" "$ENTRYPOINT_IMAGE" "$r" "{\"Env\":$env,\"Entrypoint\":[\"/bin/echo\",\"ep:\"],\"Cmd\":[\"image-cmd\"]}"
    rm -rf "$r"
    echo "$busybox_sum" > "$IMAGES/busybox.sum"
  fi
}

if [ "$MODE" = build ]; then
  ensure_binaries
  ensure_images
  say "binaries in $BIN, images in $IMAGES"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Running cluster: processes recorded in $DIR/pids, logs in $DIR/logs.
# ---------------------------------------------------------------------------------------------
PIDS="$DIR/pids"
LOGS="$DIR/logs"
PKI="$DIR/pki"
KUBECONFIG_ADMIN="$DIR/admin.kubeconfig"
CONTAINERD_SOCK="$DIR/containerd/containerd.sock"
CGROUP_ROOT=/openeci-k8s
COMPONENTS="etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet"
KUBELET_SYSCTLS="vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes"

pid_of() { local f="$PIDS/$1.pid"; [ -f "$f" ] && cat "$f"; }
alive() { local p; p="$(pid_of "$1")" && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
kc() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" --request-timeout=10s "$@"; }
ctr_() { ctr --address "$CONTAINERD_SOCK" -n k8s.io "$@"; }

api_ready() { [ -f "$KUBECONFIG_ADMIN" ] && [ -x "$BIN/kubectl" ] && kc get --raw /readyz >/dev/null 2>&1; }
node_ready() {
  [ "$(kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}
all_alive() { local c; for c in $COMPONENTS; do alive "$c" || return 1; done; }

wait_for() { # wait_for SECONDS WHAT COMMAND...
  local secs="$1" what="$2"; shift 2
  local end=$(( $(date +%s) + secs ))
  until "$@"; do
    if [ "$(date +%s)" -ge "$end" ]; then say "$what: not reached within $secs s"; return 1; fi
    sleep 0.5
  done
}

start() { # start NAME LOGNAME COMMAND... : detached, own session, no inherited lock fd, PID recorded
  local name="$1"; shift
  mkdir -p "$PIDS" "$LOGS"
  setsid nohup "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 9>&- &
  echo $! > "$PIDS/$name.pid"
  say "started $name (pid $!, log $LOGS/$name.log)"
}

stop_pid() { # stop_pid NAME: TERM, up to 15 s, then KILL; only the recorded PID
  local name="$1" p
  p="$(pid_of "$name")" || return 0
  if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
    # Only a process that still runs the binary we started (a recycled PID is left alone).
    local exe; exe="$(readlink "/proc/$p/exe" 2>/dev/null || true)"
    case "$exe" in
      *"$name"*|*etcd*|*containerd*) ;;
      *) say "pid $p recorded for $name runs '$exe' now; leaving it alone"; rm -f "$PIDS/$name.pid"; return 0 ;;
    esac
    kill -TERM "$p" 2>/dev/null || true
    local i
    for i in $(seq 1 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then say "$name (pid $p) ignored TERM; killing it"; kill -KILL "$p" 2>/dev/null || true; sleep 0.2; fi
  fi
  rm -f "$PIDS/$name.pid"
}

down() {
  local t0; t0="$(now)"
  if [ ! -d "$PIDS" ] || [ -z "$(ls -A "$PIDS" 2>/dev/null)" ]; then
    say "nothing recorded in $PIDS: not running"
  fi
  # 1. No controllers recreating pods while they go.
  stop_pid kube-controller-manager
  stop_pid kube-scheduler
  # 2. Pods first, stopped by the kubelet (so the CNI releases their addresses and veths).
  if alive kube-apiserver && alive kubelet && alive containerd && api_ready; then
    say "deleting all pods ..."
    kc delete pods --all-namespaces --all --grace-period=0 --force --wait=false >/dev/null 2>&1 || true
    no_tasks() { [ -z "$(ctr_ tasks ls -q 2>/dev/null)" ]; }
    wait_for 60 "all pod containers stopped" no_tasks || true
  fi
  stop_pid kubelet
  # 3. Whatever still runs in containerd (the kubelet was gone or too slow): kill and remove the tasks.
  if alive containerd; then
    local t
    for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true; done
    for t in $(ctr_ tasks ls -q 2>/dev/null); do
      local i; for i in $(seq 1 50); do ctr_ tasks delete "$t" >/dev/null 2>&1 && break; sleep 0.1; done
    done
  fi
  stop_pid containerd
  stop_pid kube-apiserver
  stop_pid etcd
  # 4. What the kubelet and the CNI left on the host.
  if [ -d "$DIR" ]; then
    grep -F " $DIR/" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  fi
  ip link del "$BRIDGE" 2>/dev/null || true
  rm -rf "$DIR/cni/ipam"
  if [ -f "$DIR/sysctls.saved" ]; then
    local k v
    while read -r k v; do [ -n "$k" ] && sysctl -q -w "$k=$v" >/dev/null 2>&1 || true; done < "$DIR/sysctls.saved"
    rm -f "$DIR/sysctls.saved"
  fi
  local h
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h${CGROUP_ROOT#/}" ] && find "$h${CGROUP_ROOT#/}" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  say "down in $(since "$t0") s"
}

# ---------------------------------------------------------------------------------------------
# Certificates (self-made CA), static tokens, kubeconfigs: made once, kept in $DIR/pki.
# ---------------------------------------------------------------------------------------------
cert() { # cert NAME CN [O] [SANs]: key + certificate signed by the CA
  local name="$1" cn="$2" o="${3:-}" san="${4:-}"
  [ -f "$PKI/$name.crt" ] && [ -f "$PKI/$name.key" ] && return 0
  local subj="/CN=$cn"; [ -n "$o" ] && subj="/O=$o/CN=$cn"
  local ext="$PKI/$name.ext"
  { echo "basicConstraints=CA:FALSE"; echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [ -n "$san" ]; then echo "extendedKeyUsage=serverAuth,clientAuth"; echo "subjectAltName=$san"
    else echo "extendedKeyUsage=clientAuth"; fi; } > "$ext"
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
}

token() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

kubeconfig() { # kubeconfig FILE USER TOKEN
  local file="$1" user="$2" tok="$3"
  cat > "$file.new" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: openeci
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: $user
  user:
    token: $tok
contexts:
- name: openeci
  context:
    cluster: openeci
    user: $user
current-context: openeci
EOF
  chmod 0600 "$file.new"; mv "$file.new" "$file"
}

ensure_pki() {
  mkdir -p "$PKI"; chmod 0700 "$PKI"
  if [ ! -f "$PKI/ca.crt" ] || [ ! -f "$PKI/ca.key" ]; then
    openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
    openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=openeci-k8s-ca" -days 3650 -sha256 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
      -out "$PKI/ca.crt" 2>/dev/null
    rm -f "$PKI"/apiserver.* "$PKI"/kubelet.* "$PKI"/apiserver-kubelet-client.*
  fi
  cert apiserver kube-apiserver "" \
    "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.245.0.1,IP:$NODE_IP"
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  cert kubelet "$NODE_NAME" "" "DNS:$NODE_NAME,DNS:localhost,IP:$NODE_IP,IP:127.0.0.1"
  if [ ! -f "$PKI/sa.key" ]; then
    openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  fi
  if [ ! -f "$PKI/tokens.csv" ]; then
    local admin kubelet cm sched
    admin="$(token)"; kubelet="$(token)"; cm="$(token)"; sched="$(token)"
    { echo "$admin,openeci-admin,openeci-admin,system:masters"
      echo "$kubelet,system:node:$NODE_NAME,system:node:$NODE_NAME,system:nodes"
      echo "$cm,system:kube-controller-manager,system:kube-controller-manager"
      echo "$sched,system:kube-scheduler,system:kube-scheduler"; } > "$PKI/tokens.csv.new"
    chmod 0600 "$PKI/tokens.csv.new"; mv "$PKI/tokens.csv.new" "$PKI/tokens.csv"
  fi
  local t
  t="$(awk -F, '$2=="openeci-admin"{print $1}' "$PKI/tokens.csv")"; kubeconfig "$KUBECONFIG_ADMIN" openeci-admin "$t"
  t="$(awk -F, '$2=="system:node:'"$NODE_NAME"'"{print $1}' "$PKI/tokens.csv")"; kubeconfig "$DIR/kubelet.kubeconfig" "system:node:$NODE_NAME" "$t"
  t="$(awk -F, '$2=="system:kube-controller-manager"{print $1}' "$PKI/tokens.csv")"; kubeconfig "$DIR/controller-manager.kubeconfig" system:kube-controller-manager "$t"
  t="$(awk -F, '$2=="system:kube-scheduler"{print $1}' "$PKI/tokens.csv")"; kubeconfig "$DIR/scheduler.kubeconfig" system:kube-scheduler "$t"
}

# ---------------------------------------------------------------------------------------------
# Host: the node's bridge, cgroups, sysctls the kubelet will change.
# ---------------------------------------------------------------------------------------------
ensure_host() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  ip addr show dev "$BRIDGE" | grep -q " $NODE_IP/24 " || ip addr add "$NODE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  local fstype; fstype="$(stat -fc %T /sys/fs/cgroup)"
  if [ "$fstype" = cgroup2fs ]; then
    mkdir -p "/sys/fs/cgroup$CGROUP_ROOT"
  else
    local h
    for h in /sys/fs/cgroup/*/; do
      [ -L "${h%/}" ] && continue
      case "$h" in */unified/) continue ;; esac
      mkdir -p "$h${CGROUP_ROOT#/}" 2>/dev/null || true
      if [ -f "$h/cpuset.cpus" ]; then
        [ -s "$h${CGROUP_ROOT#/}/cpuset.cpus" ] && [ -n "$(cat "$h${CGROUP_ROOT#/}/cpuset.cpus")" ] \
          || cat "$h/cpuset.cpus" > "$h${CGROUP_ROOT#/}/cpuset.cpus"
        [ -n "$(cat "$h${CGROUP_ROOT#/}/cpuset.mems")" ] || cat "$h/cpuset.mems" > "$h${CGROUP_ROOT#/}/cpuset.mems"
      fi
    done
  fi
  if [ ! -f "$DIR/sysctls.saved" ]; then
    local k
    for k in $KUBELET_SYSCTLS; do echo "$k $(sysctl -n "$k" 2>/dev/null)"; done > "$DIR/sysctls.saved.new"
    mv "$DIR/sysctls.saved.new" "$DIR/sysctls.saved"
  fi
}

# ---------------------------------------------------------------------------------------------
# Configuration files
# ---------------------------------------------------------------------------------------------
write_configs() {
  mkdir -p "$DIR/containerd" "$DIR/cni/net.d" "$DIR/kubelet" "$DIR/etcd"
  local restrict=false
  # Without CAP_SYS_RESOURCE runc cannot lower oom_score_adj: every sandbox would fail.
  local capeff; capeff="$(awk '/^CapEff/{print $2}' /proc/self/status)"
  (( (0x$capeff >> 24) & 1 )) || restrict=true
  cat > "$DIR/containerd/config.toml" <<EOF
version = 2
root = "$DIR/containerd/root"
state = "$DIR/containerd/state"
oom_score = 0
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$DIR/containerd/opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$PAUSE_IMAGE"
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    disable_apparmor = true
    restrict_oom_score_adj = $restrict
    netns_mounts_under_state_dir = true
    enable_selinux = false
    max_container_log_line_size = 16384
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$DIR/cni/net.d"
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "$DIR/containerd/certs.d"
EOF
  # Registries on this host (the test registry, plain HTTP on 127.0.0.1:<any port>): containerd
  # already speaks plain HTTP to localhost/127.0.0.1 when no hosts.toml says otherwise.
  mkdir -p "$DIR/containerd/certs.d"
  cat > "$DIR/cni/net.d/10-openeci.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "openeci-k8s",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$DIR/cni/ipam",
        "ranges": [[{ "subnet": "$POD_CIDR", "rangeStart": "10.244.0.10", "gateway": "$NODE_IP" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    }
  ]
}
EOF
  cat > "$DIR/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI/kubelet.crt
tlsPrivateKeyFile: $PKI/kubelet.key
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $PKI/ca.crt
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
cgroupRoot: $CGROUP_ROOT
cgroupsPerQOS: true
failSwapOn: false
makeIPTablesUtilChains: false
podCIDR: $POD_CIDR
maxPods: 110
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: "50Mi"
  nodefs.available: "1%"
  nodefs.inodesFree: "1%"
  imagefs.available: "1%"
volumePluginDir: $DIR/kubelet/volume-plugins
EOF
}

# ---------------------------------------------------------------------------------------------
# Bring-up
# ---------------------------------------------------------------------------------------------
up() {
  local t0; t0="$(now)"
  ensure_binaries
  ensure_images
  ensure_pki
  ensure_host
  write_configs
  mkdir -p "$PIDS" "$LOGS"

  start etcd etcd --name openeci --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "openeci=http://127.0.0.1:$ETCD_PEER_PORT" --log-level warn
  etcd_ok() { curl -sf --max-time 2 "http://127.0.0.1:$ETCD_CLIENT_PORT/health" | grep -q '"health":"true"'; }
  wait_for 60 "etcd healthy" etcd_ok || { tail -20 "$LOGS/etcd.log" >&2; return 1; }

  start containerd containerd --config "$DIR/containerd/config.toml"

  start kube-apiserver "$BIN/kube-apiserver" \
    --bind-address=127.0.0.1 --secure-port="$APISERVER_PORT" --insecure-port=0 --advertise-address="$NODE_IP" \
    --etcd-servers="http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --token-auth-file="$PKI/tokens.csv" --client-ca-file="$PKI/ca.crt" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    --enable-admission-plugins=NodeRestriction \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --endpoint-reconciler-type=none --enable-priority-and-fairness=false \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --profiling=false --v=1

  ctr_ok() { ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; }
  wait_for 60 "containerd answers" ctr_ok || { tail -20 "$LOGS/containerd.log" >&2; return 1; }
  local img
  for img in pause busybox entrypoint; do
    ctr_ images import "$IMAGES/$img.tar" >/dev/null 2>>"$LOGS/import.log" \
      || { tail -5 "$LOGS/import.log" >&2; say "importing $img failed"; return 1; }
  done
  say "images imported: $PAUSE_IMAGE $BUSYBOX_IMAGE $ENTRYPOINT_IMAGE"

  wait_for 120 "kube-apiserver ready" api_ready || { tail -20 "$LOGS/kube-apiserver.log" >&2; return 1; }

  start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$DIR/controller-manager.kubeconfig" --authorization-kubeconfig="$DIR/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --port=0 --secure-port=0 --leader-elect=false \
    --use-service-account-credentials=true --service-account-private-key-file="$PKI/sa.key" \
    --root-ca-file="$PKI/ca.crt" --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --profiling=false --v=1
  start kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig="$DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig="$DIR/scheduler.kubeconfig" --authorization-kubeconfig="$DIR/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --port=0 --secure-port=0 --leader-elect=false --profiling=false --v=1
  start kubelet "$BIN/kubelet" \
    --config="$DIR/kubelet/config.yaml" --kubeconfig="$DIR/kubelet.kubeconfig" \
    --root-dir="$DIR/kubelet/root" --cert-dir="$DIR/kubelet/pki" \
    --container-runtime=remote --container-runtime-endpoint="unix://$CONTAINERD_SOCK" \
    --image-service-endpoint="unix://$CONTAINERD_SOCK" --runtime-request-timeout=5m \
    --pod-infra-container-image="$PAUSE_IMAGE" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --v=1

  wait_for 180 "node $NODE_NAME Ready" node_ready || { tail -30 "$LOGS/kubelet.log" >&2; return 1; }
  # Pods are refused until the namespace's default ServiceAccount and its token secret exist.
  sa_ok() { [ -n "$(kc -n default get serviceaccount default -o jsonpath='{.secrets[0].name}' 2>/dev/null)" ]; }
  wait_for 120 "ServiceAccount default/default" sa_ok || { tail -30 "$LOGS/kube-controller-manager.log" >&2; return 1; }
  echo "$(since "$t0")" > "$DIR/up-seconds"
  say "cluster up in $(since "$t0") s: node $NODE_NAME Ready (kubectl: $BIN/kubectl --kubeconfig $KUBECONFIG_ADMIN)"
}

case "$MODE" in
  down) down; exit 0 ;;
  up)
    if all_alive && api_ready && node_ready; then
      echo "$KUBECONFIG_ADMIN"; exit 0
    fi
    if [ -d "$PIDS" ] && [ -n "$(ls -A "$PIDS" 2>/dev/null)" ]; then
      say "a previous cluster is partly running; tearing it down first"
      down
    fi
    if ! up; then
      say "bring-up failed (logs in $LOGS); tearing down what was started"
      down
      exit 1
    fi
    echo "$KUBECONFIG_ADMIN"
    ;;
esac
