"""Public rules for Debian packages: deb_layer turns one .deb into a layer and a dpkg status entry."""

load("//private/debian:deb_layer.bzl", _DebPackageInfo = "DebPackageInfo", _deb_layer = "deb_layer")

deb_layer = _deb_layer
DebPackageInfo = _DebPackageInfo
