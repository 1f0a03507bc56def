#!/bin/bash
# (grep without -q after a tar pipe: -q exits early and pipefail would blame tar's SIGPIPE)
# layers_test.sh: layers made from the fixture locks are what dpkg would install, and their
# /var/lib/dpkg/status.d entries are a status database dpkg-query itself reads.
# Arguments: BOOKWORM_LOCK TRIXIE_LOCK, then the layer files (bookworm's, then trixie's).
set -euo pipefail
# shellcheck disable=SC2034 # TRIXIE_LOCK is accepted for symmetry; the trixie checks need only its layers
bookworm_lock=$1 trixie_lock=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
layer() { # RELEASE PACKAGE -> the layer file
  for f in "${layers[@]}"; do [[ $f == *"_$1_fixture_$2/layer.tar.gz" ]] && { echo "$f"; return; }; done
  fail "no layer for $1 $2 among ${layers[*]}"
}
layers=("$@")

# Every entry is owned by root as dpkg installs it; the one exception is base-files' setgid
# /var/local, which Debian gives to group staff (50).
for f in "${layers[@]}"; do
  owners=$(tar -tzvf "$f" --numeric-owner | awk '$2 != "0/0" {print $1, $2, $6}')
  [[ -z $owners || ($f == *base-files* && $owners == "drwxrwsr-x 0/50 var/local/") ]] || fail "$f has entries not owned by root: $owners"
done
echo "ok: all entries of ${#layers[@]} layers are owned 0:0 (bookworm's /var/local: 0:50 setgid, as dpkg installs it)"

# dpkg-query reads the concatenated status.d entries: every package installed, at the locked version.
mkdir -p "$work/admin/status.d"
for p in base-files libc6 netbase tzdata; do
  tar -xzf "$(layer bookworm "$p")" -C "$work/admin" --strip-components=3 "var/lib/dpkg/status.d/$p"
  [[ -s $work/admin/status.d/$p ]] || fail "bookworm $p: no status.d entry"
  cat "$work/admin/status.d/$p" && echo
done >"$work/admin/status"
got=$(dpkg-query --admindir="$work/admin" -W -f '${Package} ${Version} ${db:Status-Abbrev}\n' | sed 's/ *$//')
want=$(jq -r '.packages.amd64 | to_entries[] | "\(.key) \(.value.version) ii"' "$bookworm_lock" | sort)
[[ $got == "$want" ]] || fail "dpkg-query lists:
$got
expected:
$want"
echo "ok: dpkg-query --admindir reads the status.d entries: $(wc -l <<<"$got") packages installed at their locked versions"
tar -tzf "$(layer bookworm libc6)" | grep -x >/dev/null 'var/lib/dpkg/status.d/libc6.md5sums' || fail "libc6: no md5sums"

# bookworm keeps /bin, /lib, /sbin real directories; base-files' /tmp is sticky and world-writable.
listing=$(tar -tzvf "$(layer bookworm base-files)")
grep -qE '^drwxrwxrwt .* tmp/?$' <<<"$listing" || fail "bookworm base-files: /tmp is not 1777"
for f in "${layers[@]}"; do
  [[ $f == *bookworm* ]] || continue
  if tar -tzvf "$f" | grep -E >/dev/null '^l.* (bin|sbin|lib|lib64) -> '; then fail "$f turns a top-level directory into a symlink"; fi
done
tar -tzvf "$(layer bookworm libc6)" | grep -E >/dev/null '^l.* lib64/ld-linux-x86-64.so.2 -> ' || fail "bookworm libc6: no lib64/ld-linux-x86-64.so.2 symlink"
echo "ok: bookworm layers keep /bin, /lib, /sbin directories; /tmp is 1777; symlinks kept"

# trixie (merged /usr): base-files carries the symlinks, libc6 only paths below /usr, and the two
# applied in order give a working /lib/x86_64-linux-gnu/libc.so.6.
tar -tzvf "$(layer trixie base-files)" | grep -E >/dev/null '^l.* lib -> usr/lib$' || fail "trixie base-files: no lib -> usr/lib"
if tar -tzf "$(layer trixie libc6)" | grep -E >/dev/null '^(\./)?(bin|sbin|lib|lib64)(/|$)'; then
  fail "trixie libc6 has paths outside /usr that would break the merged-/usr symlinks"
fi
mkdir "$work/rootfs"
tar -xzf "$(layer trixie base-files)" -C "$work/rootfs"
tar -xzf "$(layer trixie libc6)" -C "$work/rootfs"
[[ -L $work/rootfs/lib && -f $work/rootfs/lib/x86_64-linux-gnu/libc.so.6 ]] || fail "trixie: /lib is not a symlink with libc.so.6 behind it"
echo "ok: trixie layers keep the merged-/usr symlinks of base-files and resolve through them"
