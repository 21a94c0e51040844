"""A zip package rewritten with a few members replaced or added, every other member copied as stored.

A member not replaced keeps its compressed bytes, method, name, time and CRC exactly (nothing is
inflated or deflated again), so a workbook's macros, pictures and parts we never read stay byte for
byte what the department sent. Replaced and added members are deflated.

Refused with :class:`ValueError` (the caller then takes another way): encrypted members, duplicate
names, anything that would need zip64 (a member or the archive over 4 GB, over 65,535 members), and
local headers that do not match the directory.

>>> import io, zipfile
>>> src = io.BytesIO()
>>> with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
...     z.writestr("a.xml", "<a/>" * 100); z.writestr("b.bin", b"\\x00\\x01")
>>> out = io.BytesIO()
>>> rewrite(src.getvalue(), {"a.xml": b"<b/>"}, [("c.xml", b"<c/>")], out)
>>> z = zipfile.ZipFile(out); z.testzip(), z.namelist(), z.read("a.xml"), z.read("b.bin")
(None, ['a.xml', 'b.bin', 'c.xml'], b'<b/>', b'\\x00\\x01')
"""
from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib

_LOCAL = struct.Struct("<4s2B4HL2L2H")  # signature, version, system, flags, method, time, date, crc, sizes, lengths
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_LOCAL_SIGNATURE, _CENTRAL_SIGNATURE, _END_SIGNATURE = b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"
_LIMIT = 0xFFFFFFFF
_DATA_DESCRIPTOR = 0x08
_UTF8 = 0x800


def _dos_time(date_time) -> tuple[int, int]:
    y, m, d, hh, mm, ss = date_time
    return (hh << 11) | (mm << 5) | (ss // 2), ((max(y, 1980) - 1980) << 9) | (m << 5) | d


def _raw_name(info: zipfile.ZipInfo) -> bytes:
    return info.orig_filename.encode("utf-8" if info.flag_bits & _UTF8 else "cp437")


def _stored(source: bytes, info: zipfile.ZipInfo) -> bytes:
    """A member's compressed bytes as they are in ``source``."""
    start = info.header_offset
    header = _LOCAL.unpack_from(source, start)
    if header[0] != _LOCAL_SIGNATURE:
        raise ValueError(f"bad local header for {info.filename}")
    data = start + _LOCAL.size + header[10] + header[11]
    raw = source[data:data + info.compress_size]
    if len(raw) != info.compress_size:
        raise ValueError(f"{info.filename} is cut short")
    return raw


def _deflated(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def rewrite(source: bytes, replaced: dict[str, bytes], added: list[tuple[str, bytes]], out) -> None:
    """Write to the binary file ``out`` the zip ``source`` with the members named in ``replaced`` given
    new contents and the ``added`` (name, contents) appended; every other member copied as stored."""
    infos = zipfile.ZipFile(io.BytesIO(source)).infolist()
    names = [info.filename for info in infos]
    if len(set(names)) != len(names) or set(names) & {name for name, _ in added}:
        raise ValueError("duplicate member names")
    if len(infos) + len(added) > 0xFFFF:
        raise ValueError("too many members for a plain zip")
    now = time.localtime()[:6]
    entries = []  # (name bytes, flags, method, date_time, crc, compressed, size, versions, attributes)
    for info in infos:
        if info.flag_bits & 0x1:
            raise ValueError(f"{info.filename} is encrypted")
        if max(info.file_size, info.compress_size, info.header_offset) >= _LIMIT:
            raise ValueError("zip64 member")
        flags = info.flag_bits & ~_DATA_DESCRIPTOR
        versions = (info.create_version, info.create_system, max(info.extract_version, 20))
        attributes = (info.internal_attr, info.external_attr)
        if info.filename in replaced:
            data = replaced[info.filename]
            entries.append((_raw_name(info), flags & _UTF8, zipfile.ZIP_DEFLATED, info.date_time, zlib.crc32(data),
                            _deflated(data), len(data), versions, attributes))
        else:
            entries.append((_raw_name(info), flags, info.compress_type, info.date_time, info.CRC,
                            _stored(source, info), info.file_size, versions, attributes))
    for name, data in added:
        raw = name.encode("utf-8")
        entries.append((raw, _UTF8 if not raw.isascii() else 0, zipfile.ZIP_DEFLATED, now, zlib.crc32(data),
                        _deflated(data), len(data), (20, 0, 20), (0, 0o600 << 16)))
    central = []
    offset = 0
    for raw, flags, method, date_time, crc, compressed, size, (made, system, needed), (internal, external) in entries:
        if offset >= _LIMIT or len(compressed) >= _LIMIT or size >= _LIMIT:
            raise ValueError("the rewritten archive needs zip64")
        dostime, dosdate = _dos_time(date_time)
        out.write(_LOCAL.pack(_LOCAL_SIGNATURE, needed, 0, flags, method, dostime, dosdate, crc, len(compressed),
                              size, len(raw), 0))
        out.write(raw)
        out.write(compressed)
        central.append(_CENTRAL.pack(_CENTRAL_SIGNATURE, made, system, needed, 0, flags, method, dostime, dosdate,
                                     crc, len(compressed), size, len(raw), 0, 0, 0, internal, external, offset) + raw)
        offset += _LOCAL.size + len(raw) + len(compressed)
    directory = b"".join(central)
    if offset + len(directory) >= _LIMIT:
        raise ValueError("the rewritten archive needs zip64")
    out.write(directory)
    out.write(_END.pack(_END_SIGNATURE, 0, 0, len(entries), len(entries), len(directory), offset, 0))
