"""``python -m bot sandbox`` in a real process with stdin a pipe: prompts and Ctrl-C.

Nothing waits on the wall clock: the test reads the process's output until the line it waits
for (the chat's greeting; with ``PYTHONVERBOSE`` the interpreter's ``# cleanup`` lines, which
it prints only once it is shutting down), with a generous timeout against a hang.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120.0


class Stream:
    """Collects a pipe's lines in a thread; :meth:`wait_for` blocks until one matches."""

    def __init__(self, pipe: IO[bytes]) -> None:
        self.lines: list[bytes] = []
        self.changed = threading.Condition()
        self.ended = False
        self.thread = threading.Thread(target=self._collect, args=(pipe,), daemon=True)
        self.thread.start()

    def _collect(self, pipe: IO[bytes]) -> None:
        for line in iter(pipe.readline, b""):
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()
        with self.changed:
            self.ended = True
            self.changed.notify_all()
        pipe.close()  # read to its end: close it here, in the reading thread

    def wait_for(self, match: Callable[[bytes], bool]) -> bool:
        """Whether a line matching ``match`` came before the end of the stream."""
        with self.changed:
            return self.changed.wait_for(
                lambda: self.ended or any(match(line) for line in self.lines), TIMEOUT
            ) and any(match(line) for line in self.lines)

    @property
    def text(self) -> str:
        self.thread.join(TIMEOUT)
        return b"".join(self.lines).decode(errors="replace")


def test_ctrl_c_with_stdin_a_pipe_ends_cleanly_and_prompts_stand_on_their_own_line(
        tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONVERBOSE": "1",
           "SANDBOX_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"}
    env.pop("BOT_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--log-file", str(tmp_path / "sandbox.log")],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdin is not None and process.stdout and process.stderr
    out, err = Stream(process.stdout), Stream(process.stderr)
    try:
        assert out.wait_for(lambda line: b"Type :help" in line), err.text[-3000:]
        process.stdin.write(b":menu\n")
        process.stdin.flush()
        assert out.wait_for(lambda line: b"/milestones" in line)
        process.send_signal(signal.SIGINT)
        # Input arriving while the interpreter shuts down is what used to crash it.
        assert err.wait_for(lambda line: line.startswith(b"# cleanup"))
        try:
            process.stdin.write(b":help\n")
            process.stdin.close()
        except BrokenPipeError:
            pass
        code = process.wait(TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        with contextlib.suppress(BrokenPipeError):
            process.stdin.close()
    assert "Fatal Python error" not in err.text, err.text[-3000:]
    assert code in (0, 130)
    shown = out.text
    assert shown.count("alice> ") >= 2
    for start in _positions(shown, "alice> "):  # the prompt stands alone on its line
        assert shown[start - 1] == "\n", shown
        assert shown[start + len("alice> "):][:1] in ("", "\n"), shown


def _positions(text: str, part: str) -> list[int]:
    """Where ``part`` starts in ``text``."""
    found, start = [], text.find(part)
    while start != -1:
        found.append(start)
        start = text.find(part, start + 1)
    return found
