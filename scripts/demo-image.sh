#!/usr/bin/env bash
# Make the offline demo image localhost/openeci-demo/busybox:1 in the local container engine, from
# Debian's busybox-static (no registry, no network beyond apt if busybox-static is missing).
# Idempotent: an existing image is left as it is (pass --force to rebuild it).
#   scripts/demo-image.sh [--force]
# The engine: DOCKER_HOST (unix:///... or tcp://...), else /run/podman/podman.sock, else
# /var/run/docker.sock. The image: the busybox binary and its applet links, /tmp, /www/index.html;
# CMD httpd -f -p 8080 -h /www (a web server on port 8080).
set -euo pipefail
IMAGE="localhost/openeci-demo/busybox"
TAG="1"
force=0
[ "${1:-}" = "--force" ] && force=1

sock=""
case "${DOCKER_HOST:-}" in
  unix://*) sock="${DOCKER_HOST#unix://}" ;;
  tcp://*) ;;
  "") for s in /run/podman/podman.sock /var/run/docker.sock; do [ -S "$s" ] && { sock="$s"; break; }; done ;;
esac
if [ -n "$sock" ]; then
  api() { curl -fsS --unix-socket "$sock" "$@"; }
  base="http://d"
elif [ -n "${DOCKER_HOST:-}" ]; then
  api() { curl -fsS "$@"; }
  base="http://${DOCKER_HOST#tcp://}"
else
  echo "demo-image: no engine answers (run ./openeci serve once, or scripts/setup-engine.sh, or set DOCKER_HOST)" >&2
  exit 1
fi

if [ "$force" = 0 ] && api "$base/images/$IMAGE:$TAG/json" >/dev/null 2>&1; then
  echo "$IMAGE:$TAG"; exit 0
fi

if ! dpkg -s busybox-static >/dev/null 2>&1; then
  echo "demo-image: installing busybox-static" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static >&2; }
fi
BB="$(dpkg -L busybox-static | grep -E '/bin/busybox$' | head -1)"
[ -x "$BB" ] || { echo "demo-image: busybox-static installed but no busybox binary found" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/bin" "$root/tmp" "$root/www" "$root/etc"
chmod 1777 "$root/tmp"
cp "$BB" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
cat > "$root/www/index.html" <<'HTML'
<!doctype html>
<title>openeci demo</title>
<h1>Hello from openeci</h1>
<p>This page is served by busybox httpd in a container group.</p>
HTML
tar -C "$root" -cf "$work/rootfs.tar" .

# Docker Engine API import (Podman and Docker both answer it): changes set CMD, PATH and the port.
q="fromSrc=-&repo=$IMAGE%3A$TAG"  # repo NAME:TAG (Podman ignores a separate tag=)
# (URL-encoded: CMD ["httpd","-f","-p","8080","-h","/www"], ENV PATH=/bin, EXPOSE 8080)
q="$q&changes=CMD%20%5B%22httpd%22%2C%22-f%22%2C%22-p%22%2C%228080%22%2C%22-h%22%2C%22%2Fwww%22%5D"
q="$q&changes=ENV%20PATH%3D%2Fbin&changes=EXPOSE%208080"
api -X POST -H 'Content-Type: application/x-tar' --data-binary "@$work/rootfs.tar" "$base/v1.41/images/create?$q" >/dev/null
api "$base/images/$IMAGE:$TAG/json" >/dev/null
echo "$IMAGE:$TAG"
