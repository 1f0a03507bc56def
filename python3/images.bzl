"""The python3 family's image: cc plus the release's Python 3 and the C.UTF-8 locale."""

load("//private/image:layers.bzl", "c_utf8", "python_alias")
load("//private/image:row.bzl", "image")

IMAGES = [
    image(
        name = "python3",
        parent = "cc",
        sets = ["python3", "locale_c_utf8"],
        skip = ["ca-certificates", "libc-bin"],
        layers = [python_alias, c_utf8],
        env = {"LANG": "C.UTF-8"},
        entrypoint = ["/usr/bin/python{python}"],
    ),
]
