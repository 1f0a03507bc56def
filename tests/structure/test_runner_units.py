"""Unit tests of the runner's pieces: CST parsing, Go-compatible expansion and mode strings,
in-image path resolution, the checks (with a fake command runner), invariants, platform choice."""

import os
import stat
from pathlib import Path

import pytest

from private.structure_test import checks, cst_config, invariants, oci, rootfs


def test_go_mode_string():
    assert rootfs.go_mode_string(stat.S_IFREG | 0o644) == "-rw-r--r--"
    assert rootfs.go_mode_string(stat.S_IFDIR | 0o1777) == "dtrwxrwxrwx"
    assert rootfs.go_mode_string(stat.S_IFREG | 0o4755) == "urwxr-xr-x"
    assert rootfs.go_mode_string(stat.S_IFREG | 0o2755) == "grwxr-xr-x"
    assert rootfs.go_mode_string(stat.S_IFLNK | 0o777) == "Lrwxrwxrwx"
    assert rootfs.go_mode_string(stat.S_IFCHR | 0o666) == "Dcrw-rw-rw-"


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("$PATH", "/bin"),
        ("${PATH}:/x", "/bin:/x"),
        ("$$5", "5"),  # Go's special variable "$", not an escape
        ("cost $", "cost $"),
        ("${}x", "x"),
        ("$(uname -m)", "$(uname -m)"),
        ("$NOPE.", "."),
        ("${UNCLOSED", "UNCLOSED"),
    ],
)
def test_go_expand(text, expanded):
    assert checks.go_expand(text, _lookup) == expanded


def _lookup(name: str) -> str:
    return {"PATH": "/bin"}.get(name, "")


def test_parse_versions_and_defaults():
    parsed = cst_config.parse(
        """
schemaVersion: "1.0.0"
commandTests:
  - name: list form
    command: ["/bin/a", "-x"]
fileExistenceTests:
  - name: f
    path: /etc/x
""",
        "v1.yaml",
    )
    assert parsed.command_tests[0].command == ["/bin/a", "-x"]
    assert parsed.command_tests[0].exit_code == 0
    existence = parsed.file_existence_tests[0]
    assert existence.should_exist is True and existence.uid is None
    v2 = cst_config.parse(
        'schemaVersion: "2.0.0"\ncommandTests: [{name: n, command: /bin/a, args: [b]}]', "v2"
    )
    assert v2.command_tests[0].command == ["/bin/a", "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('schemaVersion: "3.0.0"', "schemaVersion must be one of"),
        ('schemaVersion: "2.0.0"\nfoo: 1', "unknown key(s) foo"),
        ('schemaVersion: "2.0.0"\ncommandTests: [{name: n}]', "command is required"),
        (
            'schemaVersion: "2.0.0"\ncommandTests: [{name: n, command: a, exitCode: true}]',
            "exitCode",
        ),
        ('schemaVersion: "2.0.0"\nfileExistenceTests: [{name: n, path: /x, uid: "0"}]', "uid"),
        ('schemaVersion: "2.0.0"\ncontainerRunOptions: {privileged: true}', "not supported"),
        ("schemaVersion: [", "not valid YAML"),
    ],
)
def test_parse_errors(text, message):
    with pytest.raises(
        cst_config.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        cst_config.parse(text, "bad.yaml")


@pytest.fixture
def image_root(tmp_path: Path) -> Path:
    root = tmp_path / "rootfs"
    (root / "usr/lib").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "usr/lib/os-release").write_text('PRETTY_NAME="Distroless"\n')
    (root / "etc/os-release").symlink_to("/usr/lib/os-release")
    (root / "etc/escape").symlink_to("../../../../../../etc/hostname")
    (root / "etc/loop").symlink_to("loop")
    return root


def test_resolve_stays_inside_the_image(image_root):
    assert rootfs.read(image_root, "/etc/os-release") == b'PRETTY_NAME="Distroless"\n'
    assert rootfs.resolve(image_root, "/etc/escape") == image_root / "etc/hostname"
    assert rootfs.go_mode_string(rootfs.lstat(image_root, "/etc/os-release").st_mode)[0] == "L"
    with pytest.raises(rootfs.PathError, match="too many levels"):
        rootfs.read(image_root, "/etc/loop")
    with pytest.raises(rootfs.PathError, match="is a directory"):
        rootfs.read(image_root, "/etc")


def _target(root: Path, env=None, **config) -> checks.Target:
    image_config = oci.ImageConfig(
        env=env or {"PATH": "/bin"},
        entrypoint=config.get("entrypoint"),
        cmd=None,
        workdir=config.get("workdir", ""),
        user=config.get("user", ""),
        labels=config.get("labels", {}),
        exposed_ports=[],
        volumes=[],
    )
    return checks.Target("img", oci.Platform("linux", "amd64"), "sha256:0", image_config, root)


def test_command_check_with_a_fake_runner(image_root):
    seen = {}

    def run(setup, argv, teardown, env, user):
        seen.update(argv=argv, env=env, user=user)
        return checks.Outcome(stdout="hello world\n", stderr="warn\n", exit_code=3)

    test = cst_config.CommandTest(
        name="t",
        command=["/bin/echo", "$PATH"],
        env_vars=[cst_config.EnvVar("PATH", "$PATH:/x")],
        exit_code=3,
        expected_output=["^hello"],
        excluded_output=["bye"],
        expected_error=["warn"],
    )
    result = checks.check_command(test, _target(image_root), [], "", run)
    assert result.passed, result.errors
    assert seen["argv"] == ["/bin/echo", "/bin"]
    assert seen["env"]["PATH"] == "/bin:/x"
    wrong = cst_config.CommandTest(name="t", command=["/x"], expected_output=["bye"])
    failed = checks.check_command(wrong, _target(image_root), [], "", run)
    assert failed.errors == [
        "expected exit code 0, got 3",
        "expected stdout to match 'bye'",
    ]
    assert "actual stdout: 'hello world\\n'" in failed.details


def test_metadata_check(image_root):
    target = _target(image_root, workdir="/home/nonroot", user="65532", labels={"a": "b"})
    good = cst_config.MetadataTest(
        env_vars=[cst_config.EnvVar("PATH", "^/b", is_regex=True)],
        labels=[cst_config.EnvVar("a", "b")],
        workdir="/home/nonroot",
        user="65532",
        entrypoint=[],
    )
    assert checks.check_metadata(good, target).passed
    bad = cst_config.MetadataTest(
        env_vars=[cst_config.EnvVar("SSL_CERT_FILE", "/x")], unbound_env_vars=["PATH"], user="0"
    )
    assert checks.check_metadata(bad, target).errors == [
        "env var SSL_CERT_FILE is not set in the image (expected '/x')",
        "env var PATH should not be set (it is '/bin')",
        "expected user '0', got '65532'",
    ]


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_invariants(tmp_path):
    root = tmp_path / "rootfs"
    for d in ("tmp", "home/nonroot", "bin", "usr/bin", "var/tmp", "var/local", "var/cache"):
        (root / d).mkdir(parents=True)
    os.chmod(root / "tmp", 0o1777)
    os.chmod(root / "var/tmp", 0o1777)  # Debian's base-files: sticky and world-writable
    for path in root.rglob("*"):
        os.chown(path, 0, 0)
    os.chown(root, 0, 0)
    os.chown(root / "home/nonroot", 65532, 65532)
    os.chown(root / "var/local", 0, 50)  # Debian's base-files: root:staff
    target = _target(root)
    assert all(r.passed for r in invariants.check_invariants(target, debug=False))
    os.chown(root / "var/cache", 0, 50)  # the staff exception is /var/local's alone
    failed = {r.name: r.errors for r in invariants.check_invariants(target, debug=False)}
    owned = "owned by 0:0 except /home/nonroot (65532:65532) and /var/local (0:50)"
    assert failed[owned] == ["owned by: /var/cache (0:50)"]
    os.chown(root / "var/cache", 0, 0)
    (root / "usr/bin/dpkg-query").write_text("")
    (root / "bin/sh").symlink_to("dash")
    os.chmod(root / "tmp", 0o777)
    failed = {r.name: r.errors for r in invariants.check_invariants(target, debug=False)}
    assert failed["no dpkg/apt binaries"] == ["package manager: /usr/bin/dpkg-query"]
    assert failed["no shell in a non-debug image"] == ["shell: /bin/sh"]
    writable = "nothing world-writable but sticky /tmp, /var/tmp, /var/lock"
    assert failed[writable] == ["writable: /tmp (drwxrwxrwx)"]
    debug = {r.name: r.errors for r in invariants.check_invariants(target, debug=True)}
    assert debug["debug image has /busybox/sh"] == ["missing: /busybox", "missing: /busybox/sh"]


def test_select_platforms():
    def image(arch, variant=""):
        return oci.PlatformImage(
            Path("/x"),
            "sha256:" + arch,
            {"platform": {}},
            oci.Platform("linux", arch, variant),
            None,
            {},
            [],
        )

    images = [image("amd64"), image("arm64", "v8"), image("s390x")]
    assert [
        i.platform.architecture for i in oci.select(images, ["amd64"], ["arm64", "riscv64"])
    ] == [
        "amd64",
        "arm64",
    ]
    assert len(oci.select(images, ["amd64"], ["all"])) == 3
    assert oci.select(images, ["arm64/v8"], [])[0].platform.variant == "v8"
    with pytest.raises(oci.ImageError, match="no platform 'riscv64'"):
        oci.select(images, ["riscv64"], [])


def test_license_words_count_in_dep5_license_fields_only(tmp_path):
    doc = tmp_path / "usr/share/doc/pkg"
    doc.mkdir(parents=True)
    copyright_file = doc / "copyright"
    path = "/usr/share/doc/pkg/copyright"
    dep5 = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
    # base-files lists the licence texts it ships; that is not its own licence.
    copyright_file.write_text(dep5 + "Files: licenses/AGPL-*\nLicense: verbatim\n")
    assert checks._license_problem(tmp_path, path) is None
    copyright_file.write_text(dep5 + "Files: *\nLicense: AGPL-3+\n")
    assert "names AGPL" in checks._license_problem(tmp_path, path)
    # Free-form copyright files are searched whole, as container-structure-test does.
    copyright_file.write_text("This program is under the WTFPL.\n")
    assert "names WTFPL" in checks._license_problem(tmp_path, path)
