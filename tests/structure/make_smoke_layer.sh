#!/bin/bash
# A copy of tests/smoke/make_layer.sh (whose targets are private to //tests/smoke), so that
# :smoke_index here has the files of //tests/smoke:index. Remove once //tests/smoke is visible.
# make_layer.sh BUSYBOX_DEB OUT.tar.gz: a deterministic layer with busybox and the distroless users.
set -euo pipefail
deb=$1 out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/deb" "$tmp/fs/bin" "$tmp/fs/etc" "$tmp/fs/home/nonroot" "$tmp/fs/tmp"
dpkg-deb --extract "$deb" "$tmp/deb"
cp "$tmp/deb/bin/busybox" "$tmp/fs/bin/busybox"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$tmp/fs/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' >"$tmp/fs/etc/group"
echo "hello from the smoke layer" >"$tmp/fs/etc/hello"
chmod 1777 "$tmp/fs/tmp"
tar -C "$tmp/fs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu -cf - . | gzip -n -9 >"$out"
