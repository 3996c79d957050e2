"""Text formatting as the Bot API applies it: HTML parse mode and command entities.

With ``parse_mode=HTML`` the real server strips the tags and returns plain ``text`` plus
``entities`` whose offsets and lengths count UTF-16 code units; so does :func:`parse_html`.
Markdown modes are accepted and the text is kept as sent (a known simplification).
Telegram clients mark ``/commands`` in what a user types with ``bot_command`` entities;
:func:`command_entities` does the same for the sandbox's users.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from bot.sandbox.params import ApiError

__all__ = ["command_entities", "format_text", "utf16_len"]

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


def utf16_len(text: str) -> int:
    """The length of ``text`` in UTF-16 code units, the unit of entity offsets."""
    return len(text.encode("utf-16-le")) // 2


class _Parser(HTMLParser):
    """Collects plain text and entities from Telegram's HTML subset."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0
        self.open: list[tuple[str, dict[str, Any]]] = []
        self.entities: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open an entity."""
        attributes = dict(attrs)
        if tag == "a":
            entity: dict[str, Any] = {"type": "text_link", "url": attributes.get("href") or ""}
        elif tag == "span" and attributes.get("class") == "tg-spoiler":
            entity = {"type": "spoiler"}
        elif tag in _SIMPLE_TAGS:
            entity = {"type": _SIMPLE_TAGS[tag]}
        else:
            raise ApiError.bad_request(f'can\'t parse entities: Unsupported start tag "{tag}"')
        entity["offset"] = self.length
        self.open.append((tag, entity))

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost entity, which must match."""
        if not self.open or self.open[-1][0] != tag:
            raise ApiError.bad_request(f'can\'t parse entities: Unmatched end tag "{tag}"')
        _, entity = self.open.pop()
        entity["length"] = self.length - entity["offset"]
        if entity["length"] > 0:
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        """Append plain text."""
        self.parts.append(data)
        self.length += utf16_len(data)


def _parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Strip Telegram HTML into text and entities."""
    parser = _Parser()
    parser.feed(text)
    parser.close()
    if parser.open:
        tag = parser.open[-1][0]
        raise ApiError.bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{tag}\""
        )
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


def format_text(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]]]:
    """Apply ``parse_mode`` (or explicit ``entities``) to ``text``."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _parse_html(text)
    if mode in ("", "markdown", "markdownv2"):
        return text, list(entities or [])
    raise ApiError.bad_request(f"unsupported parse_mode {parse_mode!r}")


def command_entities(text: str) -> list[dict[str, Any]]:
    """The ``bot_command`` entities a Telegram client attaches to typed text."""
    entities = []
    for match in _COMMAND.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
            }
        )
    return entities
