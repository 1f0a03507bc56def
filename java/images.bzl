"""The java family's images: java_base (base-nossl with the C++ runtime, the JRE's native
libraries and the Java CA keystore, without a JRE, as distroless) and one image per Debian
headless JRE of each release, whose debug variants add the matching headless JDK's tools.

Their packages are what the JRE's ELF objects link and dlopen (the lock's java sets): the
structure tests' ELF dependency check (private/structure_test/elf_deps.py) fails on a missing
or an unneeded library."""

load("//private/image:layers.bzl", "c_utf8", "java_keystore", "java_link", "jdk_tools_link")
load("//private/image:row.bzl", "image")

def _java_base(release, jre_set, jre):
    return image(
        name = "java_base",
        parent = "base_nossl",
        sets = [jre_set, "locale_c_utf8"],
        exclude = [jre],
        skip = ["ca-certificates", "libc-bin"],
        layers = [java_keystore, c_utf8],
        env = {"LANG": "C.UTF-8"},
        releases = [release],
    )

def _java(release, major):
    return image(
        name = "java" + major,
        parent = "java_base",
        sets = ["java" + major, "locale_c_utf8"],
        skip = ["ca-certificates", "libc-bin"],
        layers = [java_link],
        jdk = "openjdk-%s-jre-headless" % major,
        # distroless' java :debug images carry the JDK tools (javac, jcmd, jstack, jmap, jfr,
        # jshell, ...): Debian's headless JDK, linked into /usr/bin.
        debug_sets = ["java%s_debug" % major],
        debug_layers = [jdk_tools_link],
        entrypoint = ["/usr/bin/java", "-jar"],
        releases = [release],
    )

IMAGES = [
    _java_base("debian12", "java17", "openjdk-17-jre-headless"),
    _java_base("debian13", "java21", "openjdk-21-jre-headless"),
    _java("debian12", "17"),
    _java("debian13", "21"),
    _java("debian13", "25"),
]
