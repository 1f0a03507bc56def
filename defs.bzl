"""Public rules and macros of distroless: build, test and describe distroless images.

```starlark
load("@distroless//:defs.bzl", "distroless_image", "distroless_index", "structure_test")
```
"""

load("//private/image:distroless_app.bzl", _distroless_app = "distroless_app")
load("//private/image:distroless_image.bzl", _distroless_image = "distroless_image")
load("//private/index:distroless_index.bzl", _distroless_index = "distroless_index")
load("//private/layers:busybox_layer.bzl", _busybox_layer = "busybox_layer")
load("//private/layers:ca_bundle_layer.bzl", _ca_bundle_layer = "ca_bundle_layer")
load("//private/layers:deb_layer.bzl", _DebPackageInfo = "DebPackageInfo", _deb_layer = "deb_layer")
load("//private/layers:files_layer.bzl", _files_layer = "files_layer")
load("//private/layers:java_keystore_layer.bzl", _java_keystore_layer = "java_keystore_layer")
load("//private/layers:locale_layer.bzl", _locale_layer = "locale_layer")
load("//private/layers:node_layer.bzl", _node_layer = "node_layer")
load("//private/sbom:sbom.bzl", _DistrolessSbomInfo = "DistrolessSbomInfo", _distroless_sbom = "distroless_sbom")
load("//private/structure_test:structure_test.bzl", _structure_test = "structure_test")

# Layers
deb_layer = _deb_layer
DebPackageInfo = _DebPackageInfo
ca_bundle_layer = _ca_bundle_layer
java_keystore_layer = _java_keystore_layer
busybox_layer = _busybox_layer
locale_layer = _locale_layer
node_layer = _node_layer
files_layer = _files_layer

# Images and indexes
distroless_image = _distroless_image
distroless_app = _distroless_app
distroless_index = _distroless_index

# Tests
structure_test = _structure_test

# SBOMs
distroless_sbom = _distroless_sbom
DistrolessSbomInfo = _DistrolessSbomInfo
