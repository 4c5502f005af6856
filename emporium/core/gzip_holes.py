"""A page compressed once, with holes each response fills in (its CSRF token), sent gzipped.

Django's ``GZipMiddleware`` compresses every response: 0.6-0.8 ms for a 50-70 KB catalog page,
more than serving the page from the page cache takes. A shared page is the same bytes for
everyone but its CSRF token, so it is compressed once when stored: the text around each hole
is deflated on its own (a sync flush ends each piece on a byte boundary, so pieces and the
holes between them concatenate into one valid deflate stream), and each response puts its
token in the holes as a stored (uncompressed) block. The stored copy is the compressed one, a
sixth of the size, so a page costs less to fetch from Redis and more pages fit in a worker's
memory; a client that does not accept gzip gets the pieces inflated around its token.
Text that every page holds word for word (the storefront's inlined stylesheet, two thirds of
a product page) is deflated once per process and spliced in the same way, not compressed
again with each page.

Like Django's middleware, each response's gzip header carries a random-length file name (the
BREACH mitigation of ``django.utils.text.compress_string``); the token itself is never
compressed with the page, so its length tells nothing about it.

The gzip trailer's CRC-32 covers the whole text, token included. CRC-32 is affine over
messages of one length (crc(x ^ y) = crc(x) ^ crc(y) ^ crc(zeros)), so the CRC of the text
with every hole zeroed is computed once, and each response adds its token's share: the CRC of
the token at its place among zeros, in C over the zeros that follow it (microseconds). That
needs the filling's length fixed when the page is stored: a CSRF token is always 64 characters.
"""

from __future__ import annotations

import functools
import secrets
import struct
import zlib
from dataclasses import dataclass

# As ``GZipMiddleware.max_random_bytes``.
MAX_RANDOM_BYTES = 100
_LEVEL = 6  # Django's compress_string
_RAW = -zlib.MAX_WBITS  # a raw deflate stream: the gzip header and trailer are written here
# gzip's magic, deflate, FNAME set (the random name follows), no time, no extra flags, OS unknown.
_HEADER = b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xff"
_ZEROS = bytes(1 << 20)


@dataclass(frozen=True, eq=False)
class HoledGzip:
    """``text`` compressed around every occurrence of a hole, to be filled per response with
    ``filling_length`` bytes (``gzip`` and ``text``)."""

    pieces: tuple[bytes, ...]  # raw deflate of the text between holes; the last one ends the stream
    filling_length: int
    size: int  # of the text once filled
    hole_offsets: tuple[int, ...]  # where each filling starts in the filled text
    zeroed_crc: int  # CRC-32 of the filled text with zeros in every hole
    zeros_crc: int  # CRC-32 of as many zeros as the filled text has bytes
    lead_crcs: tuple[int, ...]  # CRC-32 of the zeros before each hole

    @classmethod
    def compress(cls, text: bytes, *, hole: bytes, filling_length: int, shared: bytes = b"") -> HoledGzip:
        """``shared``: text that many pages hold word for word (the storefront's inlined
        stylesheet, half a page and more): where a piece of ``text`` holds it, its deflate is
        the one made once per process (:func:`_deflated_once`) instead of compressing it again."""
        plain = text.split(hole) if hole else [text]
        deflated = []
        for index, piece in enumerate(plain):
            finish = zlib.Z_FINISH if index == len(plain) - 1 else zlib.Z_SYNC_FLUSH
            at = piece.find(shared) if shared else -1
            if at < 0:
                deflated.append(_deflate(piece, finish))
            else:
                # Each part ends on a byte boundary (a sync flush), so the three concatenate
                # into the piece's deflate; the part after starts a new window, as a piece does.
                after = piece[at + len(shared) :]
                deflated.append(
                    _deflate(piece[:at], zlib.Z_SYNC_FLUSH) + _deflated_once(shared) + _deflate(after, finish)
                )
        offsets, crc, position = [], 0, 0
        for index, piece in enumerate(plain):
            if index:
                offsets.append(position)
                crc = zlib.crc32(_zeros(filling_length), crc)
                position += filling_length
            crc = zlib.crc32(piece, crc)
            position += len(piece)
        return cls(
            pieces=tuple(deflated),
            filling_length=filling_length,
            size=position,
            hole_offsets=tuple(offsets),
            zeroed_crc=crc,
            zeros_crc=zlib.crc32(_zeros(position)),
            lead_crcs=tuple(zlib.crc32(_zeros(offset)) for offset in offsets),
        )

    @property
    def has_holes(self) -> bool:
        return bool(self.hole_offsets)

    def __len__(self) -> int:
        """Bytes held (what a cache counts against its size)."""
        return sum(len(piece) for piece in self.pieces)

    def gzip(self, filling: bytes = b"") -> bytes:
        """A gzip file of the text with ``filling`` in every hole."""
        self._check(filling)
        block = b"\x00" + struct.pack("<HH", len(filling), 0xFFFF ^ len(filling)) + filling
        crc = self.zeroed_crc
        for offset, lead_crc in zip(self.hole_offsets, self.lead_crcs, strict=True):
            # The filling at its place among zeros, and the text with zeros there, less the zeros.
            trail = _zeros(self.size - offset - len(filling))
            crc ^= zlib.crc32(trail, zlib.crc32(filling, lead_crc)) ^ self.zeros_crc
        name = b"a" * secrets.randbelow(MAX_RANDOM_BYTES) + b"\x00"
        body = block.join(self.pieces)
        return b"".join((_HEADER, name, body, struct.pack("<II", crc, self.size & 0xFFFFFFFF)))

    def fits(self, filling: bytes) -> bool:
        """Whether ``gzip`` can put ``filling`` in the holes (``text`` takes any)."""
        return not self.has_holes or len(filling) == self.filling_length

    def text(self, filling: bytes = b"") -> bytes:
        """The text with ``filling`` in every hole, for a client that does not take gzip."""
        return filling.join(zlib.decompressobj(_RAW).decompress(piece) for piece in self.pieces)

    def _check(self, filling: bytes) -> None:
        if not self.fits(filling):
            raise ValueError(f"a filling of {self.filling_length} bytes, not {len(filling)}")


def _deflate(text: bytes, flush: int) -> bytes:
    compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, _RAW)
    return compressor.compress(text) + compressor.flush(flush)


@functools.lru_cache(maxsize=4)
def _deflated_once(text: bytes) -> bytes:
    """``text`` deflated as a part of a stream (ending on a byte boundary, not the stream's
    end), once per process: as hard as zlib can, since it is done once for every page."""
    compressor = zlib.compressobj(zlib.Z_BEST_COMPRESSION, zlib.DEFLATED, _RAW)
    return compressor.compress(text) + compressor.flush(zlib.Z_SYNC_FLUSH)


def _zeros(count: int) -> bytes | memoryview:
    return memoryview(_ZEROS)[:count] if count <= len(_ZEROS) else bytes(count)
