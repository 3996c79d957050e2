"""E-mail verification: a 6-digit code sent by e-mail proves the profile's address (RAT-01 +20).

The rules, in one place:

- A code has 6 digits drawn from an injected :class:`CodeSource` (the system's secure random
  by default) and is stored only as a salted HMAC-SHA256, never in clear.
- It expires :data:`CODE_TTL` (15 minutes) after it was sent, allows :data:`MAX_ATTEMPTS` (5)
  wrong guesses, and is single-use. Asking for a new code supersedes the older ones.
- Resending is rate-limited: one code per :data:`RESEND_AFTER` (60 s) and at most
  :data:`HOURLY_LIMIT` (5) codes per rolling hour per user.
- A code belongs to the address it was sent to: if the profile's e-mail changes, the old code
  no longer verifies anything.
- Verifying sets ``user.email_verified`` and awards RAT-01's +20 once ever.
- A suspended user (ACC-02) can neither ask for nor enter a code.

The e-mail itself is not sent here: :func:`request_code` queues an :class:`OutgoingMail` in the
same unit of work (the ``email_outbox`` table), and ``bot.mail`` sends it after the commit, so
a refused or rolled-back request never sends anything and a crash never loses a code e-mail.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from core.accounts import User, ensure_can_act
from core.errors import N_, Conflict, InvalidInput
from core.rating import EMAIL_VERIFIED

if TYPE_CHECKING:
    from core.ports import UnitOfWork

__all__ = [
    "CODE_LENGTH",
    "CODE_TTL",
    "HOURLY_LIMIT",
    "MAX_ATTEMPTS",
    "RESEND_AFTER",
    "CodeSource",
    "EmailCode",
    "Outcome",
    "OutgoingMail",
    "Verification",
    "hash_code",
    "live_code",
    "new_code",
    "request_code",
    "verify_code",
]

CODE_LENGTH = 6
CODE_TTL = timedelta(minutes=15)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
HOURLY_LIMIT = 5
_HOUR = timedelta(hours=1)


class CodeSource(Protocol):
    """Where randomness comes from (:class:`secrets.SystemRandom` in production)."""

    def randbelow(self, n: int) -> int: ...


class _SystemSource:
    """The operating system's secure random numbers."""

    def randbelow(self, n: int) -> int:
        """A uniform integer in ``[0, n)``."""
        return secrets.randbelow(n)


SYSTEM_SOURCE: CodeSource = _SystemSource()


@dataclass(slots=True)
class EmailCode:
    """One code sent to ``email``; only its salted hash is kept."""

    user_id: int
    email: str
    code_hash: str
    salt: str
    created_at: datetime
    expires_at: datetime
    attempts: int = 0
    used_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """An e-mail waiting in the ``email_outbox`` for ``bot.mail`` to send."""

    to: str
    subject: str
    body: str
    created_at: datetime
    user_id: int | None = None


class Outcome(StrEnum):
    """What entering a code did."""

    VERIFIED = "verified"
    WRONG = "wrong"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"
    NO_CODE = "no_code"


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of :func:`verify_code`, how many guesses remain, the points it earned."""

    outcome: Outcome
    attempts_left: int = 0
    points: int = 0


def new_code(source: CodeSource = SYSTEM_SOURCE) -> str:
    """A uniformly drawn code of :data:`CODE_LENGTH` digits (leading zeros kept)."""
    return f"{source.randbelow(10 ** CODE_LENGTH):0{CODE_LENGTH}d}"


def hash_code(code: str, salt: str) -> str:
    """The stored form of ``code``: HMAC-SHA256 keyed by the code's own salt."""
    return hmac.new(salt.encode(), code.encode(), hashlib.sha256).hexdigest()


def _normalise(typed: str) -> str:
    """The digits the user typed, ignoring spaces and dashes ("123 456" is fine)."""
    code = "".join(ch for ch in typed if ch not in " -\u00a0")
    if len(code) != CODE_LENGTH or not code.isascii() or not code.isdigit():
        raise InvalidInput(N_("The code has 6 digits, for example 123456."))
    return code


async def request_code(uow: UnitOfWork, user: User, now: datetime,
                       render: Callable[[str], tuple[str, str]],
                       source: CodeSource = SYSTEM_SOURCE) -> EmailCode:
    """Create a code for the user's e-mail and queue the e-mail ``render(code)`` makes.

    Args:
        render: turns the code into the e-mail's (subject, body), in the user's language.

    Raises:
        InvalidInput: the profile has no e-mail yet.
        Conflict: already verified, or asked again too soon (the wait is in the message).
    """
    ensure_can_act(user)
    if not user.email:
        raise InvalidInput(N_("Add your e-mail to your profile first: send /profile."))
    if user.email_verified:
        raise Conflict(N_("Your e-mail {email} is already verified."), email=user.email)
    recent = sorted(await uow.email.codes_sent_since(user.id, now - _HOUR))
    if recent and now - recent[-1] < RESEND_AFTER:
        wait = RESEND_AFTER - (now - recent[-1])
        raise Conflict(N_("Please wait {seconds} s before asking for another code."),
                       seconds=max(1, int(wait.total_seconds() + 0.999)))
    if len(recent) >= HOURLY_LIMIT:
        wait = recent[-HOURLY_LIMIT] + _HOUR - now
        raise Conflict(N_("You asked for too many codes. Try again in {minutes} min."),
                       minutes=max(1, int(wait.total_seconds() // 60) + 1))
    code = new_code(source)
    salt = f"{source.randbelow(2 ** 64):016x}"
    stored = await uow.email.add_code(EmailCode(
        user_id=user.id, email=user.email, code_hash=hash_code(code, salt), salt=salt,
        created_at=now, expires_at=now + CODE_TTL))
    subject, body = render(code)
    await uow.email.enqueue(OutgoingMail(to=user.email, subject=subject, body=body,
                                         created_at=now, user_id=user.id))
    return stored


async def live_code(uow: UnitOfWork, user: User, now: datetime) -> EmailCode | None:
    """The newest code if it can still verify the user's current e-mail (unused, unexpired,
    attempts left), else None."""
    code = await uow.email.latest_code(user.id)
    if (code is None or code.used_at is not None or code.email != user.email
            or now >= code.expires_at or code.attempts >= MAX_ATTEMPTS):
        return None
    return code


async def verify_code(uow: UnitOfWork, user: User, typed: str, now: datetime) -> Verification:
    """Check ``typed`` against the user's newest code; a wrong guess is counted, not raised.

    Raises:
        InvalidInput: ``typed`` is not 6 digits (not counted as an attempt).
    """
    ensure_can_act(user)
    guess = _normalise(typed)
    code = await uow.email.latest_code(user.id)
    if code is None or code.used_at is not None or code.email != user.email:
        return Verification(Outcome.NO_CODE)
    if now >= code.expires_at:
        return Verification(Outcome.EXPIRED)
    if code.attempts >= MAX_ATTEMPTS:
        return Verification(Outcome.EXHAUSTED)
    if hmac.compare_digest(hash_code(guess, code.salt), code.code_hash):
        code.used_at = now
        await uow.email.save_code(code)
        user.email_verified = True
        await uow.users.save(user)
        new = await uow.points.award(user.id, EMAIL_VERIFIED, now)
        return Verification(Outcome.VERIFIED, points=EMAIL_VERIFIED.points if new else 0)
    code.attempts += 1
    await uow.email.save_code(code)
    left = MAX_ATTEMPTS - code.attempts
    return Verification(Outcome.WRONG, left) if left else Verification(Outcome.EXHAUSTED)
