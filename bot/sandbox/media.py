"""File objects for messages: documents, photo sizes, and image dimensions."""

from __future__ import annotations

import struct
from typing import Any

from bot.sandbox.params import ApiError, Params, Upload
from bot.sandbox.world import StoredFile, World

__all__ = ["document_object", "image_size", "photo_sizes", "resolve_file"]


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG image; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                return None
            marker = data[index + 1]
            (length,) = struct.unpack(">H", data[index + 2 : index + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return width, height
            index += 2 + length
    return None


def document_object(stored: StoredFile) -> dict[str, Any]:
    """The ``Document`` object of a stored file."""
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    document["file_size"] = len(stored.data)
    return document


def photo_sizes(stored: StoredFile) -> list[dict[str, Any]]:
    """The ``PhotoSize`` list of a stored photo (one size: the original)."""
    width, height = image_size(stored.data) or (1, 1)
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": width,
            "height": height,
            "file_size": len(stored.data),
        }
    ]


def resolve_file(world: World, params: Params, name: str, kind: str) -> StoredFile:
    """The file a send method names: a fresh upload, or a file_id the sandbox knows."""
    value = params.file(name)
    if value is None:
        raise ApiError.bad_request(f"there is no {name} in the request")
    if isinstance(value, Upload):
        if kind == "photo" and image_size(value.data) is None:
            raise ApiError.bad_request("IMAGE_PROCESS_FAILED")
        if not value.data:
            raise ApiError.bad_request("file must be non-empty")
        return world.store_file(value.data, kind, value.filename, value.content_type)
    if value.startswith(("http://", "https://")):
        raise ApiError.bad_request("failed to get HTTP URL content")
    stored = world.files.get(value)
    if stored is None or stored.kind != kind:
        raise ApiError.bad_request("wrong file identifier/HTTP URL specified")
    return stored
