"""``POST /upload-file``: a multipart upload taken as an ``UploadFile`` (spooled to disk past
1 MiB), answered with its name and size (python -m bench --upload-stream, bench.upload_memory)."""

from __future__ import annotations

from squall import App, UploadFile

app = App()


@app.post("/upload-file")
async def upload_file(file: UploadFile) -> dict[str, object]:
    return {"filename": file.filename, "size": file.size}
