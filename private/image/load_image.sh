#!/bin/bash
# The container CLI behind every `<image>_load` target: docker when its daemon answers, else
# podman (a docker CLI without a daemon is common, and podman needs none). Called by rules_oci's
# oci_load as `load_image.sh load --input FILE`.
set -euo pipefail
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  exec docker "$@"
elif command -v podman >/dev/null 2>&1; then
  exec podman "$@"
fi
echo "load_image: neither a running docker daemon nor podman was found; install one of them" >&2
exit 1
