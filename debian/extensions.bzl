"""Public entry point: turn debian_package_manager lock files into Bazel repositories.

```starlark
debian = use_extension("@distroless//debian:extensions.bzl", "debian")
debian.lock(name = "debian12", lock = "//locks:debian12.lock.json")
use_repo(debian, "debian12")
```
"""

load("//private/debian:extension.bzl", _debian = "debian")

debian = _debian
