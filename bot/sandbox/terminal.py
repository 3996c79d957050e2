"""The terminal of ``python -m bot sandbox``: the prompt, the bot's output, and stdin.

Two things go wrong with ``input(prompt)`` in a thread while the bot's messages print from the
event loop, and :class:`Terminal` avoids both:

- **The prompt sticks to the output** ("... Milestonesalice> "): ``print`` writes its text
  and its newline separately, and the input thread's prompt can land in between; and with
  stdin a pipe nothing echoes the typed newline, so the next output went on the prompt's line.
  Here everything is written from the event loop, each block in one write: output that
  arrives while a prompt stands starts on a fresh line (on a tty the prompt is erased first)
  and the prompt is shown again below it.
- **Ctrl-C ends in "Fatal Python error: _enter_buffered_busy"** when stdin is a pipe: a daemon
  thread blocked in ``sys.stdin``'s buffered reader holds its lock while the interpreter shuts
  down, and data arriving then makes the shutdown try to take it. Here one daemon thread reads
  the file descriptor with ``os.read`` (no Python-level lock), hands whole lines to the loop,
  and may stay blocked until the process is gone.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import sys
import threading
from typing import TextIO

__all__ = ["Terminal"]


class Terminal:
    """Line input and block output for the terminal chat (``input`` and ``output``)."""

    def __init__(self, stdin_fd: int | None = None, stdout: TextIO | None = None,
                 *, echoes: bool | None = None, erase: bool | None = None) -> None:
        """Read lines from ``stdin_fd`` (default: fd 0), write to ``stdout`` (sys.stdout).

        ``echoes``: whether the terminal echoes the typed line with its newline (a tty does, a
        pipe does not); by default, whether ``stdin_fd`` is a tty. ``erase``: whether a
        standing prompt may be erased (``CR``, erase line) before output and shown again after
        it, instead of leaving it on a line of its own; by default, when both ends are a tty.
        """
        self.stdin_fd = sys.stdin.fileno() if stdin_fd is None else stdin_fd
        self.stdout = stdout if stdout is not None else sys.stdout
        self.echoes = os.isatty(self.stdin_fd) if echoes is None else echoes
        if erase is None:
            erase = self.echoes and _isatty(self.stdout)
        self.erase = erase
        self.prompt = ""  # the prompt standing while a line is awaited
        self.mid_line = False  # the cursor is not at the start of a line
        self._lines: asyncio.Queue[str | None] | None = None

    def output(self, text: str) -> None:
        """Print a block on lines of its own, then the standing prompt again."""
        if self.mid_line and self.prompt and self.erase:
            lead = "\r\x1b[K"  # the prompt goes, and comes back below the output
        else:
            lead = "\n" if self.mid_line else ""
        block = lead + text + "\n" + self.prompt
        self.mid_line = bool(self.prompt)
        self._write(block)

    async def input(self, prompt: str) -> str:
        """Show ``prompt`` and return the next line; ``EOFError`` at the end of input."""
        lines = self._start()
        self._write(("\n" if self.mid_line else "") + prompt)
        self.prompt, self.mid_line = prompt, bool(prompt)
        try:
            line = await lines.get()
        finally:
            self.prompt = ""
        if line is None:
            lines.put_nowait(None)  # every later call ends too
            raise EOFError
        self.mid_line = self.mid_line and not self.echoes
        return line

    def _write(self, text: str) -> None:
        """One write and a flush."""
        self.stdout.write(text)
        self.stdout.flush()

    def _start(self) -> asyncio.Queue[str | None]:
        """The queue of lines, fed by the reader thread (started on first use)."""
        if self._lines is None:
            self._lines = asyncio.Queue()
            loop = asyncio.get_running_loop()
            threading.Thread(target=self._read, args=(loop, self._lines),
                             name="sandbox-stdin", daemon=True).start()
        return self._lines

    def _read(self, loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str | None]) -> None:
        """In the thread: read the descriptor, hand over each line, then ``None`` at the end."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""

        def hand(line: str | None) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
                loop.call_soon_threadsafe(lines.put_nowait, line)

        while True:
            try:
                chunk = os.read(self.stdin_fd, 4096)
            except OSError:
                chunk = b""
            pending += decoder.decode(chunk, final=not chunk)
            *complete, pending = pending.split("\n")
            for line in complete:
                hand(line.removesuffix("\r"))
            if not chunk:
                if pending:
                    hand(pending)
                hand(None)
                return


def _isatty(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal (False for anything without a descriptor)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False
