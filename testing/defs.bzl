"""Public test rules for distroless images. See testing/README.md."""

load("//private/structure_test:structure_test.bzl", _structure_test = "structure_test")

structure_test = _structure_test
