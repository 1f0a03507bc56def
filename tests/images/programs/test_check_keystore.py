"""make_check_keystore.py writes a well-formed class file: magic, version 52, a constant pool
that parses to the end, the class name and the JSSE calls it makes. (It was also run once on
Debian's openjdk-17-jre-headless: "trusted CAs: 3" with a three-certificate trust store.)"""

import struct

from tests.images.programs import make_check_keystore


def parse_pool(data: bytes) -> tuple[list[object], int]:
    count = struct.unpack_from(">H", data, 8)[0]
    pool: list[object] = [None]
    offset = 10
    while len(pool) < count:
        tag = data[offset]
        if tag == 1:
            length = struct.unpack_from(">H", data, offset + 1)[0]
            pool.append(data[offset + 3 : offset + 3 + length].decode())
            offset += 3 + length
        elif tag in (7, 8):
            pool.append((tag, struct.unpack_from(">H", data, offset + 1)[0]))
            offset += 3
        elif tag in (9, 10, 11, 12):
            pool.append((tag, *struct.unpack_from(">HH", data, offset + 1)))
            offset += 5
        else:
            raise AssertionError(f"unexpected constant tag {tag} at {offset}")
    return pool, offset


def test_class_file_structure():
    data = make_check_keystore.class_file()
    assert struct.unpack_from(">IHH", data) == (0xCAFEBABE, 0, 52)
    pool, offset = parse_pool(data)
    access, this_class, super_class = struct.unpack_from(">HHH", data, offset)
    assert access == 0x0021
    assert pool[pool[this_class][1]] == "CheckKeystore"
    assert pool[pool[super_class][1]] == "java/lang/Object"
    strings = {entry for entry in pool if isinstance(entry, str)}
    assert {"getAcceptedIssuers", "getTrustManagers", "trusted CAs: ", "main", "Code"} <= strings
    # One method (main), whose Code attribute ends the file with no class attributes.
    interfaces, fields, methods = struct.unpack_from(">HHH", data, offset + 6)
    assert (interfaces, fields, methods) == (0, 0, 1)
    assert data.endswith(b"\x00\x00")
