"""The terminal of ``python -m bot sandbox``: prompts on lines of their own, stdin by fd."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Iterator

import pytest

from bot.sandbox.terminal import Terminal


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    """A pipe standing for stdin: (read end, write end)."""
    read, write = os.pipe()
    yield read, write
    for fd in (read, write):
        try:
            os.close(fd)
        except OSError:
            pass


async def test_output_while_the_prompt_stands_goes_below_it_and_the_prompt_comes_back(
        pipe: tuple[int, int]) -> None:
    screen = io.StringIO()
    terminal = Terminal(pipe[0], screen, echoes=True, erase=False)
    os.write(pipe[1], b"hello\n")
    assert await terminal.input("alice> ") == "hello"
    terminal.output("--- bot -> alice #1\nMilestones")  # the echoed newline ended the line
    terminal.output("--- bot -> alice #2")
    reading = terminal.input("alice> ")
    os.write(pipe[1], b"/help\n")
    assert await reading == "/help"
    assert screen.getvalue() == (
        "alice> --- bot -> alice #1\nMilestones\n--- bot -> alice #2\nalice> ")


async def test_with_stdin_a_pipe_nothing_sticks_to_the_prompt(pipe: tuple[int, int]) -> None:
    screen = io.StringIO()
    terminal = Terminal(pipe[0], screen, echoes=False)
    os.write(pipe[1], b":menu\n")
    assert await terminal.input("alice> ") == ":menu"
    terminal.output("  /milestones - Milestones")
    os.close(pipe[1])
    with pytest.raises(EOFError):
        await terminal.input("alice> ")
    assert screen.getvalue() == "alice> \n  /milestones - Milestones\nalice> "
    assert "Milestonesalice" not in screen.getvalue()


async def test_lines_split_across_reads_and_the_end_of_input(pipe: tuple[int, int]) -> None:
    terminal = Terminal(pipe[0], io.StringIO(), echoes=False)
    word = "привет".encode()
    os.write(pipe[1], b"one\r\ntw" + word[:3])
    os.write(pipe[1], word[3:] + b"o\nlast without newline")
    os.close(pipe[1])
    assert [await terminal.input("> ") for _ in range(3)] == [
        "one", "tw" + "привет" + "o", "last without newline"]
    for _ in range(2):
        with pytest.raises(EOFError):
            await terminal.input("> ")


async def test_on_a_tty_the_standing_prompt_is_erased_and_shown_again_below_the_output(
        pipe: tuple[int, int]) -> None:
    screen = io.StringIO()
    terminal = Terminal(pipe[0], screen, echoes=True, erase=True)
    reading = asyncio.ensure_future(terminal.input("alice> "))
    await asyncio.sleep(0)  # let it show the prompt
    terminal.output("--- bot -> alice #3")
    os.write(pipe[1], b"#1\n")
    assert await reading == "#1"
    assert screen.getvalue() == "alice> \r\x1b[K--- bot -> alice #3\nalice> "
