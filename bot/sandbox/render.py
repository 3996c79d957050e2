"""Plain-text rendering of sandbox messages for the terminal chat."""

from __future__ import annotations

from typing import Any

from bot.sandbox.objects import SandboxMessage

__all__ = ["format_amount", "render_message"]

_ZERO_DECIMALS = {"XTR", "JPY", "KRW", "VND", "CLP", "ISK", "UGX", "PYG", "HUF"}


def format_amount(minor: int, currency: str) -> str:
    """An amount in minor units as people read it: ``15.75 EUR``, ``500 XTR``."""
    if currency in _ZERO_DECIMALS:
        return f"{minor} {currency}"
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d} {currency}"


def _attachment(raw: dict[str, Any], payload: str | None) -> str | None:
    """A line describing a document, photo or invoice."""
    if "document" in raw:
        document = raw["document"]
        name = document.get("file_name") or document["file_id"]
        return f"[document] {name} ({document.get('file_size', 0)} bytes)"
    if "photo" in raw:
        size = raw["photo"][-1]
        return f"[photo] {size['width']}x{size['height']}"
    if "invoice" in raw:
        invoice = raw["invoice"]
        amount = format_amount(invoice["total_amount"], invoice["currency"])
        return (
            f"[invoice] {invoice['title']}: {invoice['description']} - {amount} "
            f"(payload {payload!r}; type :pay to pay)"
        )
    return None


def render_message(message: SandboxMessage, recipient: str, *, edited: bool = False) -> str:
    """A message as a block of lines: header, attachment, text, numbered buttons."""
    verb = "edited" if edited else "bot"
    lines = [f"--- {verb} -> {recipient} #{message.message_id}"]
    attachment = _attachment(message.raw, message.payload)
    if attachment:
        lines.append(attachment)
    if message.text:
        lines.append(message.text)
    row_lines = []
    number = 0
    for row in message.raw.get("reply_markup", {}).get("inline_keyboard", []):
        cells = []
        for button in row:
            number += 1
            label = button["text"]
            if "url" in button:
                label += f" <{button['url']}>"
            cells.append(f"[{number}] {label}")
        row_lines.append("  " + "   ".join(cells))
    return "\n".join(lines + row_lines)
