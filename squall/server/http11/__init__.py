"""HTTP/1.1: ``connection`` (the asyncio protocol), ``exchange`` (one request/response) and
``wire`` (response bytes)."""
