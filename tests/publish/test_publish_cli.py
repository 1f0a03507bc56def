"""The publisher's command line and failure handling (private/publish/), against a
small fake plan: arguments, the dry-run plan, filters, and one clear line per failure (missing
key, unreadable key, unreachable registry, plain HTTP without --insecure, refused credentials)
with the real crane and cosign. The end-to-end publish is publish_e2e.py (a Bazel test)."""

from __future__ import annotations

import hashlib
import http.server
import json
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from private.publish import errors, flow, plan, publish, registry

needs_cosign = pytest.mark.skipif(not shutil.which("cosign"), reason="cosign is not installed")
needs_crane = pytest.mark.skipif(not shutil.which("crane"), reason="crane is not installed")


def _layout(path: Path, digest_seed: str) -> str:
    digest = "sha256:" + hashlib.sha256(digest_seed.encode()).hexdigest()
    path.mkdir(parents=True)
    (path / "index.json").write_text(json.dumps({"manifests": [{"digest": digest}]}))
    return digest


@pytest.fixture
def runfiles(tmp_path: Path) -> Path:
    """A runfiles tree with a plan of two indexes (static-debian12:latest, :nonroot) and
    cc-debian12:latest, one amd64 image each."""
    root = tmp_path / "runfiles"
    main = root / "_main"
    (main / "locks").mkdir(parents=True)
    (main / "locks" / "debian12.lock.json").write_text('{"release": "debian12"}\n')
    indexes = []
    for repository, tag in (
        ("static-debian12", "latest"),
        ("static-debian12", "nonroot"),
        ("cc-debian12", "latest"),
    ):
        stem = f"{repository}_{tag}"
        _layout(main / stem / "index", stem)
        _layout(main / stem / "amd64", stem + "amd64")
        (main / stem / "sbom.spdx.json").write_text("{}")
        (main / stem / "sbom.cdx.json").write_text("{}")
        indexes.append(
            {
                "repository": repository,
                "tag": tag,
                "layout": f"_main/{stem}/index",
                "lock": "_main/locks/debian12.lock.json",
                "images": [
                    {
                        "arch": "amd64",
                        "tag": f"{tag}-amd64",
                        "layout": f"_main/{stem}/amd64",
                        "spdx": f"_main/{stem}/sbom.spdx.json",
                        "cyclonedx": f"_main/{stem}/sbom.cdx.json",
                    }
                ],
            }
        )
    (main / "plan.json").write_text(json.dumps({"indexes": indexes}))
    return root


def run_main(runfiles: Path, *args: str) -> int:
    return publish.main([*args, "--plan", "_main/plan.json", "--runfiles", str(runfiles)])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def key_pair(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("COSIGN_PASSWORD", "")
    subprocess.run(
        ["cosign", "generate-key-pair", "--output-key-prefix", str(tmp_path / "cosign")],
        check=True,
        capture_output=True,
    )
    return tmp_path / "cosign.key"


class _Refusing(http.server.BaseHTTPRequestHandler):
    """A registry that wants credentials nobody has."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="test"')
        self.send_header("Content-Type", "application/json")
        body = b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET  # noqa: N815

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def refusing_registry():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


# ---- the plan -----------------------------------------------------------------------------------


def test_dry_run_prints_every_tag_and_contacts_nothing(runfiles, capsys):
    registry = f"127.0.0.1:{closed_port()}/distroless"
    assert run_main(runfiles, "--registry", registry, "--key", "absent.key", "--dry-run") == 0
    out = capsys.readouterr().out
    lock = hashlib.sha256((runfiles / "_main/locks/debian12.lock.json").read_bytes()).hexdigest()
    assert f"{registry}/static-debian12:latest " in out
    assert f"latest, latest-{lock[:12]}" in out
    assert f"{registry}/static-debian12:nonroot-amd64 " in out
    assert "dry run: 3 indexes and 3 images; nothing was contacted" in out


def test_filter_by_repository_or_by_tag(runfiles):
    indexes = plan.load_plan(runfiles / "_main/plan.json", runfiles)
    assert [i.name for i in plan.select(indexes, ["static-debian12*"])] == [
        "static-debian12:latest",
        "static-debian12:nonroot",
    ]
    assert [i.name for i in plan.select(indexes, ["*:nonroot"])] == ["static-debian12:nonroot"]
    assert len(plan.select(indexes, ["cc-*", "static-debian12:latest"])) == 2
    with pytest.raises(errors.UsageError, match="repositories: cc-debian12, static-debian12"):
        plan.select(indexes, ["python3*"])


def test_per_lock_tag_is_the_lock_files_hash(runfiles):
    indexes = plan.load_plan(runfiles / "_main/plan.json", runfiles)
    lock = hashlib.sha256(b'{"release": "debian12"}\n').hexdigest()[:12]
    assert [i.lock_tag for i in indexes] == [f"latest-{lock}", f"nonroot-{lock}", f"latest-{lock}"]


# ---- arguments ----------------------------------------------------------------------------------


def test_registry_is_required(runfiles, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_main(runfiles, "--key", "cosign.key")
    assert exit_info.value.code == 2
    assert "--registry" in capsys.readouterr().err


@pytest.mark.parametrize("signing", [[], ["--key", "cosign.key", "--keyless"]])
def test_exactly_one_signing_mode(runfiles, signing, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_main(runfiles, "--registry", "127.0.0.1:1/x", *signing)
    assert exit_info.value.code == 2
    assert "--key" in capsys.readouterr().err


@pytest.mark.parametrize(
    "registry", ["http://127.0.0.1:5000/x", "127.0.0.1:5000/x:latest", "r.io/x@sha256:00"]
)
def test_registry_with_scheme_tag_or_digest_is_refused(runfiles, registry, capsys):
    assert run_main(runfiles, "--registry", registry, "--key", "k", "--dry-run") == 2
    assert "HOST[:PORT]/PATH" in capsys.readouterr().err


def test_filter_matching_nothing_is_an_error(runfiles, capsys):
    assert (
        run_main(runfiles, "--registry", "r.io/x", "--key", "k", "--filter", "nope*", "--dry-run")
        == 2
    )
    assert "--filter nope* matches nothing" in capsys.readouterr().err


# ---- failures: one actionable line, non-zero exit -----------------------------------------------


def test_missing_key(runfiles, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BUILD_WORKING_DIRECTORY", str(tmp_path))
    assert run_main(runfiles, "--registry", "127.0.0.1:1/x", "--key", "cosign.key") == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert f"no such file ({tmp_path / 'cosign.key'})" in err
    assert "cosign generate-key-pair" in err


@needs_cosign
def test_key_with_the_wrong_password(runfiles, key_pair, monkeypatch, capsys):
    subprocess.run(
        ["cosign", "generate-key-pair", "--output-key-prefix", str(key_pair.parent / "locked")],
        check=True,
        capture_output=True,
        env={"COSIGN_PASSWORD": "right", "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    monkeypatch.setenv("COSIGN_PASSWORD", "wrong")
    locked = str(key_pair.parent / "locked.key")
    assert run_main(runfiles, "--registry", "127.0.0.1:1/x", "--key", locked) == 1
    assert "cannot read the key" in capsys.readouterr().err


@needs_cosign
def test_unreachable_registry(runfiles, key_pair, capsys):
    registry = f"127.0.0.1:{closed_port()}/x"
    assert run_main(runfiles, "--registry", registry, "--key", str(key_pair), "--insecure") == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "unreachable" in err and "start it or fix --registry" in err


@needs_cosign
def test_plain_http_registry_without_insecure(runfiles, key_pair, refusing_registry, capsys):
    assert run_main(runfiles, "--registry", f"{refusing_registry}/x", "--key", str(key_pair)) == 1
    assert "plain-HTTP or self-signed registry needs --insecure" in capsys.readouterr().err


@needs_cosign
@needs_crane
def test_refused_credentials(runfiles, key_pair, refusing_registry, capsys):
    code = run_main(
        runfiles, "--registry", f"{refusing_registry}/x", "--key", str(key_pair), "--insecure"
    )
    assert code == 1
    captured = capsys.readouterr()
    errors = captured.err.strip().splitlines()
    # One line for the first index; the others were not tried after the credentials were refused.
    assert len(errors) <= 3
    assert "refused the credentials" in errors[0] and "crane auth login" in errors[0]
    assert "FAILED: registry" in captured.out


# ---- pieces -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stderr", "kind"),
    [
        (
            'Error: Get "https://h/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
            errors.RegistryUnreachable,
        ),
        (
            "Error: GET http://h/v2/x/manifests/y: UNAUTHORIZED: authentication required",
            errors.AuthRefused,
        ),
        (
            "Error: PUT https://h/v2/x/blobs/uploads/: DENIED: requested access is denied",
            errors.AuthRefused,
        ),
        ("http: server gave HTTP response to HTTPS client", errors.RegistryUnreachable),
        ("Error: signing: no such key", errors.PublishError),
    ],
)
def test_classify(stderr, kind):
    error = registry.classify(stderr, "push x", "h:5000/p")
    assert type(error) is kind
    assert "\n" not in str(error)


def test_summary_counts_and_failures():
    rows = [
        flow.Outcome(
            "a:latest", "sha256:" + "1" * 64, push="pushed", sign="signed", tags=["latest*"]
        ),
        flow.Outcome(
            "a:latest-amd64", "sha256:" + "2" * 64, push="skipped", sign="already", sbom="already"
        ),
        flow.Outcome("b:latest", "sha256:" + "3" * 64, error="registry r unreachable"),
    ]
    text = publish.summary(rows, "r/p")
    assert "r/p: 1 pushed, 1 skipped (already there), 1 newly signed, 1 failed" in text
    assert "FAILED: registry r unreachable" in text
    assert "sha256:222222222222  skipped  already" in text


def test_failures_name_the_cause_once(capsys):
    publish.print_failures(
        {
            "a:latest": "registry r unreachable",
            "b:x": flow.NOT_ATTEMPTED,
            "c:y": flow.NOT_ATTEMPTED,
        }
    )
    assert capsys.readouterr().err.splitlines() == [
        "sign_and_push: a:latest: registry r unreachable",
        "sign_and_push: 2 more indexes not attempted: b:x, c:y",
    ]
