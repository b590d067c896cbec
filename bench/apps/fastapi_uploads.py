"""bench/apps/squall_uploads.py's endpoint in FastAPI (python -m bench --upload-stream)."""

from __future__ import annotations

from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/upload-file")
async def upload_file(file: UploadFile) -> dict[str, object]:
    return {"filename": file.filename, "size": file.size}
