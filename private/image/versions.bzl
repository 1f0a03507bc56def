"""Upstream versions read from a lock's Debian versions."""

def upstream_version(version, parts):
    """The first `parts` parts of the upstream version: "1:17.0.17+10-1~deb12u1", 3 -> "17.0.17".

    Args:
        version: a Debian version.
        parts: how many dot-separated parts to keep (None: all).

    Returns:
        The upstream version, shortened.
    """
    version = version.split(":")[-1].split("+")[0].split("-")[0].split("~")[0]
    return version if parts == None else ".".join(version.split(".")[:parts])

def python_version(lock, arch):
    """The release's python3.X ("3.11"), or "" when the lock has no python3."""
    versions = lock["versions"][arch]
    return upstream_version(versions["python3"], 2) if "python3" in versions else ""

def java_major(lock, arch, jdk):
    """The major version of the JRE package `jdk` ("17")."""
    return upstream_version(lock["versions"][arch][jdk], 1)

def java_version(version):
    """JAVA_VERSION as distroless sets it: the upstream version up to the `+`.

    Args:
        version: the JRE package's Debian version ("17.0.21.1+2-1~deb12u1").

    Returns:
        "17.0.21.1", what the JVM reports as java.version.
    """
    return upstream_version(version, None)
