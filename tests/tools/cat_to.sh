#!/bin/bash
# Usage: cat_to.sh [--out=OUT] FILE...   prints each FILE, and writes their content to OUT;
# with DOCKER_CONFIG set, prints the names in that directory too.
# Relative paths are the caller's, as for any `bazel run` program: from BUILD_WORKING_DIRECTORY,
# printed first ("cwd: ...") so that a test sees where they resolve.
set -euo pipefail
cd "${BUILD_WORKING_DIRECTORY:-.}"
out=
files=()
for a in "$@"; do
  case $a in
    --out=*) out=${a#--out=} ;;
    *) files+=("$a") ;;
  esac
done
echo "cwd: $PWD"
if [[ -n ${DOCKER_CONFIG:-} ]]; then echo "docker config:" "$(ls "$DOCKER_CONFIG")"; fi
if [[ ${#files[@]} -gt 0 ]]; then cat -- "${files[@]}"; fi
if [[ -n $out ]]; then cat -- "${files[@]}" >"$out"; fi
