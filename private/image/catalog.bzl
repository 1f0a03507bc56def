"""The catalog: every family's rows (its `images.bzl`), each with its family added."""

load("//base:images.bzl", BASE = "IMAGES")
load("//cc:images.bzl", CC = "IMAGES")
load("//java:images.bzl", JAVA = "IMAGES")
load("//nodejs:images.bzl", NODEJS = "IMAGES")
load("//python3:images.bzl", PYTHON3 = "IMAGES")

FAMILIES = {
    "base": BASE,
    "cc": CC,
    "python3": PYTHON3,
    "java": JAVA,
    "nodejs": NODEJS,
}

_STRUCT_METHODS = ("to_json", "to_proto")

CATALOG = [
    struct(family = family, **{field: getattr(row, field) for field in dir(row) if field not in _STRUCT_METHODS})
    for family, rows in FAMILIES.items()
    for row in rows
]
