"""The layer store's overlay of an image equals umoci's unpack of it (files, modes, owners,
contents, link targets, whiteouts, opaque directories, hard links), layers are extracted once and
shared, a sealed image carries the test's files, and pruning drops the least recently used."""

import io
import os
import shutil
import subprocess
import tarfile

import pytest
from conftest import make_layer

from private.structure_test import image_diff, layer_store, oci

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("umoci") is None or shutil.which("unshare") is None,
    reason="mounts overlays and unpacks with umoci as root (inside the toolchain root: tools/test)",
)


def special_layer() -> bytes:
    """A hard link, a setuid file, a sticky directory and a file whose parents have no entry."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, kind, mode, data in [
            ("bin", tarfile.DIRTYPE, 0o755, b""),
            ("bin/tool", tarfile.REGTYPE, 0o4755, b"tool\n"),
            ("tmp", tarfile.DIRTYPE, 0o1777, b""),
            ("opt/deep/file", tarfile.REGTYPE, 0o600, b"deep\n"),
        ]:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.size = kind, mode, len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("bin/same-tool")
        link.type, link.linkname = tarfile.LNKTYPE, "bin/tool"
        tar.addfile(link)
    return out.getvalue()


LAYERS = [
    make_layer(
        {
            "etc": None,
            "etc/passwd": b"root:x:0:0:root:/root:/sbin/nologin\n",
            "etc/gone": b"removed later\n",
            "etc/conf.d": None,
            "etc/conf.d/old": b"old\n",
            "home": None,
            "home/nonroot": None,
            "home/nonroot/.profile": (b"x\n", 0o600, 65532),
            "lib": None,
            "lib/link": ("link", "/etc/passwd"),
        }
    ),
    special_layer(),
    make_layer(
        {
            "etc": None,
            "etc/.wh.gone": b"",
            "etc/conf.d": None,
            "etc/conf.d/.wh..wh..opq": b"",
            "etc/conf.d/new": b"new\n",
        }
    ),
]


@pytest.fixture(scope="module")
def namespace():
    """This test process in a mount namespace of its own, with private propagation, so the
    overlays mounted here never reach the host and vanish with the process."""
    os.unshare(os.CLONE_NEWNS)
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)


def test_overlay_equals_umoci_unpack(namespace, layouts, tmp_path):
    image = oci.platform_images(layouts("image", {"linux/amd64": LAYERS}))[0]
    unpacked = oci.unpack(image, tmp_path / "umoci")
    with layer_store.LayerStore(tmp_path / "store") as store:
        assembled = layer_store.AssembledImage(store, image, tmp_path / "work")
        try:
            expected = image_diff.file_entries(unpacked.rootfs)
            found = image_diff.file_entries(assembled.rootfs)
            assert image_diff.diff_mapping(expected, found, show=lambda e: e.describe()) == []
            assert "/etc/gone" not in found and "/etc/conf.d/old" not in found
            assert found["/bin/tool"].mode == "urwxr-xr-x"
            assert found["/tmp"].mode == "dtrwxrwxrwx"
            assert found["/home/nonroot/.profile"].owner == "65532:65532"
            assert os.stat(assembled.rootfs / "bin/same-tool").st_nlink == 2
            assert assembled.runtime_config == unpacked.runtime_config
        finally:
            assembled.close()


def test_layers_shared_and_sealed_with_files(namespace, layouts, tmp_path):
    first = oci.platform_images(layouts("first", {"linux/amd64": LAYERS[:2]}))[0]
    second = oci.platform_images(layouts("second", {"linux/amd64": LAYERS}))[0]
    with layer_store.LayerStore(tmp_path / "store") as store:
        one = layer_store.AssembledImage(store, first, tmp_path / "one")
        two = layer_store.AssembledImage(store, second, tmp_path / "two")
        try:
            assert len(list(store.layers.iterdir())) == 3  # two layers in common
            (two.rootfs / "tmp" / "added").write_text("test file\n")
            lower = two.seal()
            with pytest.raises(OSError):
                (two.rootfs / "etc" / "x").write_text("read-only now\n")
            assert (two.rootfs / "tmp" / "added").read_text() == "test file\n"
            assert oct((two.rootfs / "tmp").stat().st_mode & 0o7777) == "0o1777"  # copied up
            assert not (one.rootfs / "tmp" / "added").exists()
            # What command overlays stack on: a writable copy, the sealed image untouched.
            merged, upper = tmp_path / "cmd" / "merged", tmp_path / "cmd" / "upper"
            upper.mkdir(parents=True)
            with layer_store.mounted(merged, lower, upper):
                (merged / "etc" / "passwd").write_text("changed\n")
                assert (merged / "tmp" / "added").is_file()
            assert (two.rootfs / "etc" / "passwd").read_text().startswith("root:")
        finally:
            one.close()
            two.close()


def test_prune_keeps_recent_layers_within_the_limit(namespace, layouts, tmp_path):
    image = oci.platform_images(layouts("image", {"linux/amd64": LAYERS}))[0]
    root = tmp_path / "store"
    with layer_store.LayerStore(root) as store:
        names = [
            store.layer(oci.blob_path(image, la["digest"]), la["digest"]) for la in image.layers
        ]
        for age, name in enumerate(names):  # the first layer is the least recently used
            os.utime(store.layers / name, (1000 + age, 1000 + age))
        sizes = [int((store.sizes / name).read_text()) for name in names]
        (store.layers / ".half-extracted-by-a-killed-runner").mkdir()
    with layer_store.LayerStore(root, max_bytes=sum(sizes[1:])):
        pass
    assert sorted(p.name for p in (root / "layers").iterdir()) == sorted(names[1:])
    assert sorted(p.name for p in (root / "sizes").iterdir()) == sorted(names[1:])


def test_prune_drops_a_layer_of_unknown_size(namespace, layouts, tmp_path):
    image = oci.platform_images(layouts("image", {"linux/amd64": LAYERS[:2]}))[0]
    root = tmp_path / "store"
    with layer_store.LayerStore(root) as store:
        kept, lost = (
            store.layer(oci.blob_path(image, la["digest"]), la["digest"]) for la in image.layers
        )
        (store.sizes / lost).unlink()
    with layer_store.LayerStore(root):  # far below the limit
        pass
    assert [p.name for p in (root / "layers").iterdir()] == [kept]


def test_no_pruning_while_another_runner_uses_the_store(namespace, layouts, tmp_path):
    image = oci.platform_images(layouts("image", {"linux/amd64": LAYERS[:1]}))[0]
    root = tmp_path / "store"
    with layer_store.LayerStore(root) as store:
        store.layer(oci.blob_path(image, image.layers[0]["digest"]), image.layers[0]["digest"])
        with layer_store.LayerStore(root, max_bytes=0):
            pass
        assert len(list(store.layers.iterdir())) == 1


def test_bad_layer_is_one_error_and_leaves_nothing(namespace, tmp_path):
    blob = tmp_path / "blob"
    blob.write_bytes(b"not a tar archive at all" * 100)
    with layer_store.LayerStore(tmp_path / "store") as store:
        with pytest.raises(layer_store.StoreError, match="tar could not extract layer sha256:ab"):
            store.layer(blob, "sha256:" + "ab" * 32)
        assert list(store.layers.iterdir()) == []
        assert list(store.sizes.iterdir()) == []
