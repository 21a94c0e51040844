"""A minimal reader of OLE2 compound files (CFB: .xls, and the wrapper of a password-protected
.xlsx), enough to list the streams and read one. Bounded: every sector chain is cut at the number
of sectors in the file, so a looping chain cannot run forever.

>>> data = minimal_cfb({"Workbook": b"x" * 5000})
>>> sorted(stream_names(data)), len(read_stream(data, "Workbook"))
(['Workbook'], 5000)
"""
from __future__ import annotations

import struct

import numpy as np

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END = 0xFFFFFFFE
_FREE = 0xFFFFFFFF
_FAT_SECT = 0xFFFFFFFD


class CfbError(ValueError):
    """The compound file is malformed."""


class _Cfb:
    def __init__(self, data: bytes):
        if len(data) < 512 or not data.startswith(SIGNATURE):
            raise CfbError("不是OLE复合文档")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise CfbError("扇区大小无效")
        self.size = 1 << shift
        self.mini_size = 1 << mini_shift
        (n_fat, first_dir, _, self.cutoff, first_minifat, n_minifat, first_difat, n_difat) = struct.unpack_from(
            "<IIIIIIII", data, 0x2C)
        self.sectors = max((len(data) - self.size) // self.size, 0)
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        sector, seen = first_difat, 0
        while sector < self.sectors and seen <= self.sectors and len(difat) < n_fat + 109:
            entries = struct.unpack_from(f"<{self.size // 4}I", data, self._offset(sector))
            difat.extend(entries[:-1])
            sector, seen = entries[-1], seen + 1
        fat_sectors = [s for s in difat[:n_fat] if s < self.sectors]
        self.fat = np.frombuffer(b"".join(self._sector(s) for s in fat_sectors), dtype="<u4")
        self.directory = self._chain_bytes(first_dir)
        self.entries = self._entries()
        root = self.entries.get("Root Entry")
        self.ministream = self._chain_bytes(root[0])[: root[1]] if root else b""
        self.minifat = np.frombuffer(self._chain_bytes(first_minifat), dtype="<u4") if n_minifat else np.zeros(0, "<u4")

    def _offset(self, sector: int) -> int:
        return (sector + 1) * self.size

    def _sector(self, sector: int) -> bytes:
        start = self._offset(sector)
        return self.data[start:start + self.size]

    def _chain(self, start: int, table: np.ndarray, limit: int) -> list[int]:
        chain = []
        sector = start
        while sector < len(table) and sector < limit:
            chain.append(sector)
            if len(chain) > limit:
                raise CfbError("扇区链循环")
            sector = int(table[sector])
        if sector not in (_END, _FREE, _FAT_SECT) and sector >= limit:
            raise CfbError("扇区链越界")
        return chain

    def _chain_bytes(self, start: int) -> bytes:
        if start >= self.sectors:
            return b""
        return b"".join(self._sector(s) for s in self._chain(start, self.fat, self.sectors))

    def _entries(self) -> dict[str, tuple[int, int, int]]:
        out = {}
        for pos in range(0, len(self.directory) - 127, 128):
            raw = self.directory[pos:pos + 128]
            name_len, kind = struct.unpack_from("<HB", raw, 64)
            if kind not in (1, 2, 5) or not 2 <= name_len <= 64:
                continue
            name = raw[:name_len - 2].decode("utf-16-le", "replace")
            start, size = struct.unpack_from("<IQ", raw, 116)
            if self.size == 512:
                size &= 0xFFFFFFFF  # version 3 files: the high half is undefined
            out.setdefault(name, (start, size, kind))
        return out

    def read(self, name: str) -> bytes:
        start, size, _ = self.entries[name]
        if size < self.cutoff:
            count = len(self.ministream) // self.mini_size
            chain = self._chain(start, self.minifat, count)
            data = b"".join(self.ministream[s * self.mini_size:(s + 1) * self.mini_size] for s in chain)
        else:
            data = self._chain_bytes(start)
        return data[:size]


def stream_names(data: bytes) -> set[str]:
    """Names of the storages and streams in the file (``Workbook``, ``EncryptedPackage``, ...)."""
    return {name for name, (_, _, kind) in _Cfb(data).entries.items() if kind != 5}


def read_stream(data: bytes, name: str) -> bytes:
    return _Cfb(data).read(name)


def minimal_cfb(streams: dict[str, bytes]) -> bytes:
    """Write a version-3 compound file with the given root streams (each padded into whole
    512-byte sectors, so no mini stream). For tests: a hand-built "encrypted workbook"."""
    size = 512
    names = list(streams)
    if len(names) > 3:
        raise ValueError("at most 3 streams")
    payload, starts = [], []
    sector = 1  # sector 0 is the FAT, the directory follows the streams
    for name in names:
        body = streams[name].ljust(max(len(streams[name]), 4096), b"\0")
        count = -(-len(body) // size)
        starts.append(sector)
        payload.append(body.ljust(count * size, b"\0"))
        sector += count
    dir_sector = sector
    fat = [_FAT_SECT]
    for body in payload:
        count = len(body) // size
        first = len(fat)
        fat += list(range(first + 1, first + count)) + [_END]
    fat.append(_END)  # the directory sector
    fat += [_FREE] * (size // 4 - len(fat))
    if len(fat) > size // 4:
        raise ValueError("streams too large for one FAT sector")

    def entry(name, kind, start, length, child=_FREE, right=_FREE):
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", _FREE, right, child) + b"\0" * 36
                + struct.pack("<IQ", start, length))

    # Root's child is stream 1; streams chain to the right (a degenerate but valid red-black tree).
    directory = entry("Root Entry", 5, _END, 0, child=1)
    for k, name in enumerate(names):
        right = k + 2 if k + 1 < len(names) else _FREE
        directory += entry(name, 2, starts[k], len(streams[name]), right=right)
    directory = directory.ljust(size, b"\0")
    header = (SIGNATURE + b"\0" * 16 + struct.pack("<HHHH", 0x3E, 3, 0xFFFE, 9) + struct.pack("<H", 6)
              + b"\0" * 10 + struct.pack("<IIIIIIII", 1, dir_sector, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<109I", 0, *([_FREE] * 108)))
    return header + struct.pack(f"<{size // 4}I", *fat) + b"".join(payload) + directory
