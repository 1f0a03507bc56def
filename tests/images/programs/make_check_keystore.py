"""make_check_keystore.py OUT.class: writes CheckKeystore.class, the compiled form of

    public class CheckKeystore {
      public static void main(String[] args) throws Exception {
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init((KeyStore) null);  // the JRE's default trust store: lib/security/cacerts
        X509TrustManager tm = (X509TrustManager) tmf.getTrustManagers()[0];
        System.out.println("trusted CAs: " + tm.getAcceptedIssuers().length);
      }
    }

assembled here because the build machines have no JDK (only the images have a JRE, and the
non-debug ones no javac). Class file version 52 (Java 8) runs on every JRE the images ship;
the method has no branches, so it needs no StackMapTable.
"""

from __future__ import annotations

import struct
import sys

CLASS_NAME = "CheckKeystore"


class ConstantPool:
    """The constant pool, each entry added once; `add` returns its index."""

    def __init__(self) -> None:
        self.entries: list[bytes] = []
        self.index: dict[bytes, int] = {}

    def add(self, entry: bytes) -> int:
        if entry not in self.index:
            self.entries.append(entry)
            self.index[entry] = len(self.entries)
        return self.index[entry]

    def utf8(self, text: str) -> int:
        data = text.encode()
        return self.add(struct.pack(">BH", 1, len(data)) + data)

    def cls(self, name: str) -> int:
        return self.add(struct.pack(">BH", 7, self.utf8(name)))

    def string(self, text: str) -> int:
        return self.add(struct.pack(">BH", 8, self.utf8(text)))

    def _ref(self, tag: int, owner: str, name: str, descriptor: str) -> int:
        name_and_type = self.add(struct.pack(">BHH", 12, self.utf8(name), self.utf8(descriptor)))
        return self.add(struct.pack(">BHH", tag, self.cls(owner), name_and_type))

    def field(self, owner: str, name: str, descriptor: str) -> int:
        return self._ref(9, owner, name, descriptor)

    def method(self, owner: str, name: str, descriptor: str) -> int:
        return self._ref(10, owner, name, descriptor)

    def interface_method(self, owner: str, name: str, descriptor: str) -> int:
        return self._ref(11, owner, name, descriptor)

    def to_bytes(self) -> bytes:
        return struct.pack(">H", len(self.entries) + 1) + b"".join(self.entries)


# Opcodes used.
GETSTATIC, NEW, DUP, LDC_W, INVOKESPECIAL, INVOKESTATIC = 0xB2, 0xBB, 0x59, 0x13, 0xB7, 0xB8
ACONST_NULL, CHECKCAST, INVOKEVIRTUAL, ICONST_0, AALOAD = 0x01, 0xC0, 0xB6, 0x03, 0x32
INVOKEINTERFACE, ARRAYLENGTH, RETURN = 0xB9, 0xBE, 0xB1


def main_code(pool: ConstantPool) -> bytes:
    tmf = "javax/net/ssl/TrustManagerFactory"
    builder = "java/lang/StringBuilder"

    def op(code: int, index: int) -> bytes:
        return struct.pack(">BH", code, index)

    return b"".join(
        [
            op(GETSTATIC, pool.field("java/lang/System", "out", "Ljava/io/PrintStream;")),
            op(NEW, pool.cls(builder)),
            bytes([DUP]),
            op(LDC_W, pool.string("trusted CAs: ")),
            op(INVOKESPECIAL, pool.method(builder, "<init>", "(Ljava/lang/String;)V")),
            op(INVOKESTATIC, pool.method(tmf, "getDefaultAlgorithm", "()Ljava/lang/String;")),
            op(INVOKESTATIC, pool.method(tmf, "getInstance", f"(Ljava/lang/String;)L{tmf};")),
            bytes([DUP, ACONST_NULL]),
            op(CHECKCAST, pool.cls("java/security/KeyStore")),
            op(INVOKEVIRTUAL, pool.method(tmf, "init", "(Ljava/security/KeyStore;)V")),
            op(
                INVOKEVIRTUAL,
                pool.method(tmf, "getTrustManagers", "()[Ljavax/net/ssl/TrustManager;"),
            ),
            bytes([ICONST_0, AALOAD]),
            op(CHECKCAST, pool.cls("javax/net/ssl/X509TrustManager")),
            op(
                INVOKEINTERFACE,
                pool.interface_method(
                    "javax/net/ssl/X509TrustManager",
                    "getAcceptedIssuers",
                    "()[Ljava/security/cert/X509Certificate;",
                ),
            )
            + bytes([1, 0]),  # invokeinterface: argument slots (the receiver), then a zero
            bytes([ARRAYLENGTH]),
            op(INVOKEVIRTUAL, pool.method(builder, "append", f"(I)L{builder};")),
            op(INVOKEVIRTUAL, pool.method(builder, "toString", "()Ljava/lang/String;")),
            op(
                INVOKEVIRTUAL,
                pool.method("java/io/PrintStream", "println", "(Ljava/lang/String;)V"),
            ),
            bytes([RETURN]),
        ]
    )


def class_file() -> bytes:
    pool = ConstantPool()
    this_class = pool.cls(CLASS_NAME)
    super_class = pool.cls("java/lang/Object")
    code = main_code(pool)
    max_stack, max_locals = 5, 1
    code_attribute = struct.pack(">HHI", max_stack, max_locals, len(code)) + code
    code_attribute += struct.pack(">HH", 0, 0)  # no exception table, no attributes
    method = struct.pack(
        ">HHHH",
        0x0009,  # public static
        pool.utf8("main"),
        pool.utf8("([Ljava/lang/String;)V"),
        1,
    )
    method += struct.pack(">HI", pool.utf8("Code"), len(code_attribute)) + code_attribute
    header = struct.pack(">IHH", 0xCAFEBABE, 0, 52)
    body = struct.pack(">HHHHHH", 0x0021, this_class, super_class, 0, 0, 1) + method
    return header + pool.to_bytes() + body + struct.pack(">H", 0)


if __name__ == "__main__":
    with open(sys.argv[1], "wb") as out:
        out.write(class_file())
