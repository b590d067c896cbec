"""However a body is cut into chunks, the incremental parsers read the same form: hypothesis
cuts a multipart body (text fields, files with boundary-like bytes, a file spooled to disk)
and a urlencoded one at arbitrary points and compares with the form read in one piece."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator

from hypothesis import given, settings
from hypothesis import strategies as st

from squall.datastructures import FormData, UploadFile
from squall.forms import FormLimits, parse_form

BOUNDARY = "cut-boundary"
TRICKY = b"\r\n--cut-bound\r\n--cut-boundar" * 40  # prefixes of the delimiter, inside data
MULTIPART = b"".join(
    [
        b"--cut-boundary\r\n",
        b'Content-Disposition: form-data; name="title"\r\n\r\nh\xc3\xa9llo\r\n',
        b"--cut-boundary\r\n",
        b'Content-Disposition: form-data; name="a"; filename="a.bin"\r\n'
        b"Content-Type: application/x-a\r\nX-Extra: 1\r\n\r\n" + TRICKY + b"\r\n",
        b"--cut-boundary\r\n",
        b'Content-Disposition: form-data; name="big"; filename="big.bin"\r\n\r\n'
        + bytes(range(256)) * 300
        + b"\r\n",
        b"--cut-boundary--\r\n",
    ]
)
URLENCODED = b"a=1&b=%C3%A9t%C3%A9+x&a=2&empty=&flag&c=" + b"z" * 500
SMALL_SPOOL = FormLimits(spool_max_size=10_000)  # "big" goes to disk


async def pieces(body: bytes, cuts: list[int]) -> AsyncIterator[bytes]:
    start = 0
    for cut in sorted(set(cuts)):
        yield body[start:cut]
        start = cut
    yield body[start:]


async def read(content_type: str, body: bytes, cuts: list[int]) -> list[tuple[str, object]]:
    form: FormData = await parse_form(content_type, pieces(body, cuts), SMALL_SPOOL)
    seen: list[tuple[str, object]] = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            content = await value.read()
            seen.append((name, (value.filename, value.content_type, value.size, content)))
            await value.close()
        else:
            seen.append((name, value))
    return seen


def cuts_of(body: bytes) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(min_value=0, max_value=len(body)), max_size=40)


MULTIPART_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
URLENCODED_TYPE = "application/x-www-form-urlencoded"


@functools.cache
def whole(content_type: str, body: bytes) -> list[tuple[str, object]]:
    """The form read from the body in one piece."""
    return asyncio.run(read(content_type, body, []))


def test_the_whole_bodies_read_as_sent() -> None:
    assert whole(MULTIPART_TYPE, MULTIPART) == [
        ("title", "héllo"),
        ("a", ("a.bin", "application/x-a", len(TRICKY), TRICKY)),
        ("big", ("big.bin", None, 256 * 300, bytes(range(256)) * 300)),
    ]
    assert whole(URLENCODED_TYPE, URLENCODED) == [
        ("a", "1"), ("b", "été x"), ("a", "2"), ("empty", ""), ("flag", ""), ("c", "z" * 500),
    ]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(cuts=cuts_of(MULTIPART))
def test_multipart_cut_anywhere_reads_the_same(cuts: list[int]) -> None:
    assert asyncio.run(read(MULTIPART_TYPE, MULTIPART, cuts)) == whole(MULTIPART_TYPE, MULTIPART)


@settings(max_examples=150, deadline=None)
@given(cuts=cuts_of(URLENCODED))
def test_urlencoded_cut_anywhere_reads_the_same(cuts: list[int]) -> None:
    expected = whole(URLENCODED_TYPE, URLENCODED)
    assert asyncio.run(read(URLENCODED_TYPE, URLENCODED, cuts)) == expected
