"""Reading and checking a debian_package_manager lock file in Starlark."""

# How a user runs the lock tool, from any module (it writes into the caller's workspace).
LOCK_TOOL = "bazel run @distroless//debian_package_manager --"
RELOCK = LOCK_TOOL + " lock"
REFRESH = LOCK_TOOL + " update"

# Releases whose base-files ships the merged-/usr symlinks (/bin -> usr/bin and so on).
_MERGED_USR_FROM = 13

def repo_name(hub, arch, package):
    """The repository of one package: `<arch>_<hub>_<package>`, with `+` spelled `plus`."""
    return "%s_%s_%s" % (arch, hub, package.replace("+", "plus"))

def parse_lock(content, label, hub):
    """Decodes and checks a lock; fails with a message naming the file and the fix.

    Args:
        content: the lock file's text.
        label: the lock's label, for messages.
        hub: the hub repository name, for messages.

    Returns:
        The decoded lock, with `merged_usr` added.
    """
    lock = json.decode(content, default = None)
    if type(lock) != "dict":
        fail("debian.lock(name = %r): %s is not a JSON object; regenerate it with `%s`" % (hub, label, RELOCK))
    for key in ("lock_version", "release", "packages"):
        if key not in lock:
            fail("debian.lock(name = %r): %s has no %r field; regenerate it with `%s`" % (hub, label, key, RELOCK))
    if lock["lock_version"] != 1:
        fail("debian.lock(name = %r): %s has lock_version %r; this version of the rules reads 1" % (hub, label, lock["lock_version"]))
    for arch, packages in lock["packages"].items():
        for name, entry in packages.items():
            for key in ("version", "sha256", "urls"):
                if not entry.get(key):
                    fail("debian.lock(name = %r): %s: package %s (%s) has no %r; regenerate it with `%s`" % (hub, label, name, arch, key, RELOCK))
    version = lock.get("debian_version", "")
    lock["merged_usr"] = version.isdigit() and int(version) >= _MERGED_USR_FROM
    return lock
