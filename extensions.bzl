"""Module extensions of distroless.

`debian` turns debian_package_manager lock files into repositories:

```starlark
debian = use_extension("@distroless//:extensions.bzl", "debian")
debian.lock(name = "app_debian12", lock = "//locks:debian12.lock.json")
use_repo(debian, "app_debian12")
```

`host_tools` is for machines without access to GitHub (this project's own offline build): with
`DISTROLESS_HOST_TOOLS=1` in the repository environment it turns the crane, regctl, jq,
coreutils, zstd and bsdtar on PATH into the toolchains rules_oci needs; otherwise it is inert.

```starlark
host_tools = use_extension("@distroless//:extensions.bzl", "host_tools", dev_dependency = True)
use_repo(host_tools, "distroless_host_tools")
register_toolchains("@distroless_host_tools//:all", dev_dependency = True)
```
"""

load("//private/repositories:extension.bzl", _debian = "debian")
load("//private/toolchains:host_tools.bzl", _host_tools = "host_tools")

debian = _debian
host_tools = _host_tools
