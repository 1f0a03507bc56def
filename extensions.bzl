"""Module extensions of distroless: `debian` turns debian_package_manager lock files into repositories.

```starlark
debian = use_extension("@distroless//:extensions.bzl", "debian")
debian.lock(name = "debian12", lock = "//locks:debian12.lock.json")
use_repo(debian, "debian12")
```
"""

load("//private/repositories:extension.bzl", _debian = "debian")

debian = _debian
