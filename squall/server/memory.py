"""The C allocator's settings for a server that handles request bodies of many sizes.

glibc's malloc serves blocks above its mmap threshold (128 KiB at first) with fresh mappings
and gives the top of its heap back to the kernel once more than the trim threshold (128 KiB)
is free there.  A server reading 1 MiB uploads in 64-256 KiB pieces then maps, zero-fills and
unmaps memory for every request: on the bench's upload profile page faults took most of the
CPU, and the raw ASGI app ran at 1.5k requests/s.  With blocks up to 4 MiB kept in the heap
and up to 16 MiB of free heap kept for reuse, the same run does about 7k (bench/, --upload).

The cost is memory: after a burst of large bodies, up to ``TRIM_THRESHOLD`` of freed heap
stays with the process instead of going back to the kernel.  ``Config.tune_malloc = False``
(``--no-tune-malloc``) leaves the allocator as it was.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform

M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 4 * 1024 * 1024
TRIM_THRESHOLD = 16 * 1024 * 1024


def tune_malloc() -> bool:
    """Apply the thresholds above; False where the C library is not glibc (nothing to do)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success.
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
