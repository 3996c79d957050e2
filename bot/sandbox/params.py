"""Request parameters as the Bot API receives them, whatever the encoding.

Both frameworks, and people with curl, send parameters in four shapes: a query string, an
``application/x-www-form-urlencoded`` form, ``multipart/form-data`` (files as parts, referenced
from other fields as ``attach://<part name>`` or sent under the parameter's own name), and a JSON
body. :func:`read_params` folds them into one :class:`Params`; its getters convert values the way
the real server does (JSON-encoded objects arrive as strings in forms) and raise :class:`ApiError`
with the real server's descriptions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

__all__ = ["ApiError", "Params", "Upload", "read_params"]


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    @classmethod
    def bad_request(cls, detail: str) -> ApiError:
        """A 400 with the real server's ``Bad Request: ...`` wording."""
        return cls(400, f"Bad Request: {detail}")

    def to_json(self) -> dict[str, Any]:
        """The response body."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass(frozen=True, slots=True)
class Upload:
    """A file that arrived as a multipart part."""

    data: bytes
    filename: str | None
    content_type: str | None


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


class Params:
    """The parameters of one method call."""

    def __init__(self, values: dict[str, Any], files: dict[str, Upload]) -> None:
        self.values = values
        self.files = files

    def has(self, name: str) -> bool:
        """Whether the parameter was sent at all (as a value or as a file part)."""
        return name in self.values or name in self.files

    def text(self, name: str, default: str | None = None) -> str | None:
        """A string parameter."""
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        return json.dumps(value) if isinstance(value, dict | list) else str(value)

    def integer(
        self, name: str, *, required: bool = False, default: int | None = None
    ) -> int | None:
        """An integer parameter; ``required`` ones raise ``<name> is empty`` when missing."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise ApiError.bad_request(f"{name} is empty")
            return default
        if isinstance(value, bool):
            raise ApiError.bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError.bad_request(f"invalid {name} specified") from None

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean parameter (``true``/``false`` in forms, a JSON bool in JSON bodies)."""
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ApiError.bad_request(f"invalid {name} specified")

    def json_obj(self, name: str, what: str) -> Any:
        """A JSON-serialised parameter; strings are decoded, objects from JSON bodies kept."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ApiError.bad_request(f"can't parse {what} JSON object") from None
        return value

    def file(self, name: str) -> Upload | str | None:
        """A file parameter: an :class:`Upload`, or a string (a file_id or a URL)."""
        if name in self.files:
            return self.files[name]
        value = self.text(name)
        if value is None or value == "":
            return None
        if value.startswith("attach://"):
            part = value.removeprefix("attach://")
            if part not in self.files:
                raise ApiError.bad_request(f"file of {name} not found in the request")
            return self.files[part]
        return value


async def read_params(request: web.Request) -> Params:
    """Collect the parameters of a request from its query string and body."""
    values: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.method != "POST" or not request.can_read_body:
        return Params(values, files)
    ctype = request.content_type
    if ctype == "application/json":
        raw = await request.read()
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                raise ApiError.bad_request("can't parse JSON encoded request body") from None
            if not isinstance(body, dict):
                raise ApiError.bad_request("JSON body must be an object")
            values.update(body)
        return Params(values, files)
    if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = Upload(value.file.read(), value.filename, value.content_type)
            else:
                values[key] = value
        return Params(values, files)
    await request.read()
    return Params(values, files)
