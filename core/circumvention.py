"""Contact details and payment handles in relayed messages (MSG-03, PAY-06).

Before two users have a contract, a relayed message that carries a way to reach or pay someone
outside the platform is flagged to support and delivered with those parts masked. This module
only finds them; :mod:`core.services.relay` decides what happens.

Detection is table-driven: :data:`RULES` lists one :class:`Rule` per kind of finding, each a
regular expression over the original text (so a finding's span can be masked in place) or a
*finder* that returns spans, and an optional check that rejects look-alikes (a price is not a
phone number). The patterns accept the usual obfuscations: ``name at gmail dot com``,
``name [at] gmail [.] com``, ``name(at)mail``, ``собака``/``точка``, spaced-out digits,
``t dot me/slash``, digits spelled out in words.

Where a kept library does it better, it decides: phone numbers are found by ``phonenumbers``'
:class:`~phonenumbers.PhoneNumberMatcher` (numbering plans of the platform's markets,
:data:`PHONE_REGIONS`; price ranges, years, ГОСТ numbers and order numbers are still vetoed),
and an e-mail candidate, with its obfuscations undone, must be an address by
``email-validator``'s syntax rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from email_validator import EmailNotValidError, validate_email

__all__ = ["MASK", "PHONE_REGIONS", "RULES", "Finding", "Kind", "Rule", "mask", "scan"]

MASK = "[•••]"


class Kind(StrEnum):
    """What a finding is; support sees it on the flag."""

    EMAIL = "email"
    PHONE = "phone"
    PAYMENT = "payment"
    MESSENGER = "messenger"


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of contact or payment data: its kind, rule and span in the original text."""

    kind: Kind
    rule: str
    start: int
    end: int
    text: str


Finder = Callable[[str], Iterable[tuple[int, int]]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A named pattern (or span finder) of one :class:`Kind`; ``accept`` may veto a match."""

    name: str
    kind: Kind
    pattern: re.Pattern[str] | None = None
    accept: Callable[[str], bool] | None = None
    finder: Finder | None = None

    def spans(self, text: str) -> Iterable[tuple[int, int]]:
        """Where this rule matches ``text``."""
        if self.finder is not None:
            return self.finder(text)
        assert self.pattern is not None
        return (match.span() for match in self.pattern.finditer(text))


def _open(words: str) -> str:
    """An obfuscated separator: ``words`` alone or in brackets, with spaces around."""
    return rf"\s*[\[({{<]?\s*(?:{words})\s*[\])}}>]?\s*"


# "@" and "." as people write them to slip past filters.
_AT = r"(?:\s*@\s*|\s*[\[(]\s*@\s*[\])]\s*)"
_SPELLED_AT = _open("at|собака|собачка|равлик|arroba")
_SPELLED_DOT = _open(r"dot|точка|крапка|punto")
_DOT = rf"(?:\.|\s*[\[(]\s*\.\s*[\])]\s*|{_SPELLED_DOT})"
_LOOSE_DOT = rf"(?:\s*\.\s*|\s*[\[(]\s*\.\s*[\])]\s*|{_SPELLED_DOT})"
_SLASH = r"(?:\s*/\s*|\s+slash\s+|\s+слэш\s+|\s+слеш\s+)"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HANDLE = r"[A-Za-z0-9_.\-]{2,64}"
_LOCAL = r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}"
# With a spelled-out "at" ("see you at home.Then"), only well-known endings count.
_COMMON_TLDS = ("com|net|org|info|biz|io|co|me|ru|ua|by|kz|uk|de|fr|es|it|pl|nl|eu|us|ca|mx"
                "|ar|br|cl|pe|in|cn|jp|tr|il|su|рф|edu|gov|online|pro|dev|app")

_EMAIL = re.compile(
    rf"{_LOCAL}{_AT}{_LABEL}(?:{_LOOSE_DOT}{_LABEL})*{_LOOSE_DOT}[A-Za-z]{{2,24}}(?![\w])",
    re.IGNORECASE)
_SPELLED_EMAIL = re.compile(
    rf"{_LOCAL}{_SPELLED_AT}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}(?:{_COMMON_TLDS})(?![\w])",
    re.IGNORECASE)


def _domains(*names: str) -> str:
    """An alternation of domains whose dots may be obfuscated."""
    return "|".join(_DOT.join(re.escape(part) for part in name.split(".")) for name in names)


def _link(*domains: str, path: bool = True) -> re.Pattern[str]:
    """A link to one of ``domains``, with or without a scheme, ``www.`` and a path."""
    tail = rf"(?:{_SLASH}[^\s]*)?" if path else ""
    return re.compile(
        rf"(?<![\w.])(?:https?://)?(?:www{_DOT})?(?:{_domains(*domains)}){tail}",
        re.IGNORECASE,
    )


PAYMENT_DOMAINS: tuple[str, ...] = (
    "paypal.me", "paypal.com", "wise.com", "transferwise.com", "revolut.me", "revolut.com",
    "payoneer.com", "venmo.com", "cash.app", "qiwi.com", "qiwi.me", "yoomoney.ru",
    "money.yandex.ru", "skrill.com", "webmoney.ru", "webmoney.com", "zelle.com",
    "buymeacoffee.com", "ko-fi.com", "boosty.to", "donationalerts.com", "monobank.ua",
    "send.monobank.ua", "tinkoff.ru", "tbank.ru", "payeer.com", "perfectmoney.com",
)
MESSENGER_DOMAINS: tuple[str, ...] = (
    "t.me", "telegram.me", "telegram.dog", "wa.me", "whatsapp.com", "chat.whatsapp.com",
    "api.whatsapp.com", "join.skype.com", "skype.com", "discord.gg", "discord.com",
    "discordapp.com", "viber.me", "invite.viber.com", "signal.me", "signal.group",
    "m.me", "messenger.com", "wechat.com", "line.me", "icq.im", "vk.me", "instagram.com",
)

# A messenger's name followed by an id: "skype: john.doe", "my discord is john#1234".
_MESSENGER_NAMES = (r"skype|discord|viber|signal|whatsapp|whats\s?app|wechat|telegram|telegramm"
                    r"|телеграм|телеграмм|телега|телегу|телеге|тг|вайбер|ватсап|вотсап|скайп"
                    r"|дискорд|icq|tg|instagram|insta|инстаграм|инстаграмм|инста|інстаграм|інста")
_MESSENGER_ID = re.compile(
    rf"(?<!\w)(?:{_MESSENGER_NAMES})(?:\s*(?:id|name|nick|handle|username|ник|логин))?"
    rf"(?:\s*[:=\-–—]\s*|\s+(?:is|es|это|-)\s+)(?:live:)?@?{_HANDLE}",
    re.IGNORECASE,
)
# Without a colon only when it is plainly one's own: "мой тг ivan_petrov", "my skype john.doe",
# "пиши в телеграм ivan_99", "escríbeme por telegram juan_perez" (the handle is checked the same).
_MINE = (r"мой|моя|мій|моя|my|mi|пиши|пишите|напиши|напишите|пишіть|напишіть"
         r"|write\s+me|text\s+me|message\s+me|escr[íi]beme|escr[íi]bame")
_MESSENGER_MINE = re.compile(
    rf"(?<!\w)(?:{_MINE})(?:\s+(?:мне|мені|в|во|у|на|in|on|at|en|por|al|a))*\s+"
    rf"(?:{_MESSENGER_NAMES})\s+@?{_HANDLE}",
    re.IGNORECASE,
)
_SKYPE_LIVE = re.compile(r"(?<!\w)live:[A-Za-z0-9_.\-]{3,64}", re.IGNORECASE)
_AT_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z][A-Za-z0-9_]{3,31}(?![\w@])")
_DISCORD_TAG = re.compile(r"(?<![\w#])[A-Za-z][A-Za-z0-9_.]{1,31}#\d{4}(?!\w)")

_CARD = re.compile(r"(?<!\w)\d(?:[\s\-]?\d){12,18}(?!\w)")
_CRYPTO = re.compile(r"(?<!\w)(?:0x[a-fA-F0-9]{40}|(?:bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}"
                     r"|T[1-9A-HJ-NP-Za-km-z]{33})(?!\w)")
_IBAN = re.compile(r"(?<!\w)[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,4})?(?!\w)")

# Digits spelled out: "five five five one two three four".
_NUMBER_WORDS = (
    "zero|oh|one|two|three|four|five|six|seven|eight|nine"
    "|ноль|нуль|один|одна|два|две|три|четыре|пять|шесть|семь|восемь|девять"
    "|дві|чотири|п'ять|шість|сім|вісім|дев'ять"
    "|cero|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve"
)
_SPELLED_PHONE = re.compile(
    rf"(?<!\w)(?:(?:{_NUMBER_WORDS}|\d)[\s,\-]+){{6,}}(?:{_NUMBER_WORDS}|\d)(?!\w)",
    re.IGNORECASE,
)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


# Look-alikes of phone numbers: "100 000 - 150 000" or "100000-150000" (a price range),
# "2024 2025 2026" (years), "21.101-2020" or "60.13330.2020" (ГОСТ, СП, ДСТУ standards).
_AMOUNT = r"\d{1,3}(?:[ \u00a0]\d{3})+|\d+000"
_PRICE_RANGE = re.compile(rf"(?:{_AMOUNT})\s*-\s*(?:{_AMOUNT})")
_YEARS = re.compile(r"(?:19|20)\d\d(?:[\s,\-]+(?:19|20)\d\d)+")
_STANDARD = re.compile(r"\d{1,3}\.(?:\d{3}-|\d{4,5}\.)(?:19|20)\d\d")


def _phone_like(text: str) -> bool:
    """A phone number has 9-15 digits (8 with a leading ``+``) and is not a date or a price."""
    digits = _digits(text)
    low = 8 if text.startswith("+") else 9
    if not low <= len(digits) <= 15:
        return False
    if re.fullmatch(r"\d{1,4}[.\-/]\d{1,2}[.\-/]\d{1,4}", text.strip()):
        return False  # a date
    if any(look_alike.fullmatch(text.strip()) for look_alike in (_PRICE_RANGE, _YEARS, _STANDARD)):
        return False
    return not re.search(r"[.,]\d{2}$", text) or text.startswith("+")


#: The numbering plans phone numbers are read in (the platform's markets: en, ru, uk, es);
#: numbers written with ``+`` or ``00`` are read in every plan anyway.
PHONE_REGIONS: tuple[str, ...] = ("US", "RU", "UA", "ES")


def _phone_spans(text: str) -> list[tuple[int, int]]:
    """Phone numbers by ``phonenumbers``, read in each plan; the longest of overlapping ones."""
    found: set[tuple[int, int]] = set()
    for region in PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(text, region,
                                                     leniency=phonenumbers.Leniency.POSSIBLE):
            found.add((match.start, match.end))
    kept: list[tuple[int, int]] = []
    for start, end in sorted(found, key=lambda span: span[0] - span[1]):  # longest first
        before = text[:start].rstrip()
        if before.endswith(("#", "№")) or (start and (text[start - 1].isalnum()
                                                       or text[start - 1] in "+#№")):
            continue  # an order number ("#123456789", "№1234567890"), or part of a word
        if not any(start < other_end and other_start < end for other_start, other_end in kept):
            kept.append((start, end))
    return sorted(kept)


_AT_ANY = re.compile(rf"{_AT}|{_SPELLED_AT}", re.IGNORECASE)
_DOT_ANY = re.compile(_LOOSE_DOT, re.IGNORECASE)


#: "logo@2x.png" names a file, not a mailbox.
_FILE_ENDINGS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "pdf", "dwg", "dxf",
                           "step", "stp", "stl", "zip", "rar", "doc", "docx", "xls", "xlsx"})


def _an_address(text: str) -> bool:
    """With its obfuscations undone, ``text`` is an e-mail address (email-validator's syntax)."""
    plain = _DOT_ANY.sub(".", _AT_ANY.sub("@", text, count=1))
    if plain.rsplit(".", 1)[-1].strip().lower() in _FILE_ENDINGS:
        return False
    try:
        validate_email("".join(plain.split()), check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _luhn(text: str) -> bool:
    """A payment card number passes the Luhn check."""
    digits = [int(ch) for ch in _digits(text)]
    checksum = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        checksum += digit
    return checksum % 10 == 0


def _names_a_handle(text: str) -> bool:
    """A messenger id is a handle, not a sentence: it follows a colon or an equals sign, or it
    holds a digit, ``.``, ``_``, ``#`` or ``@`` ("the signal is weak" is not flagged)."""
    handle = text.split()[-1]
    return bool(re.search(r"[\d._#@]", handle) or re.search(r"[:=]", text))


RULES: tuple[Rule, ...] = (
    Rule("payment_link", Kind.PAYMENT, _link(*PAYMENT_DOMAINS)),
    Rule("messenger_link", Kind.MESSENGER, _link(*MESSENGER_DOMAINS)),
    Rule("email", Kind.EMAIL, _EMAIL, _an_address),
    Rule("spelled_email", Kind.EMAIL, _SPELLED_EMAIL, _an_address),
    Rule("card", Kind.PAYMENT, _CARD, _luhn),
    Rule("crypto_wallet", Kind.PAYMENT, _CRYPTO),
    Rule("iban", Kind.PAYMENT, _IBAN),
    Rule("phone", Kind.PHONE, accept=_phone_like, finder=_phone_spans),
    Rule("spelled_phone", Kind.PHONE, _SPELLED_PHONE,
         lambda text: len(re.findall(rf"(?:{_NUMBER_WORDS}|\d)", text, re.IGNORECASE)) >= 7),
    Rule("skype_live", Kind.MESSENGER, _SKYPE_LIVE),
    Rule("messenger_id", Kind.MESSENGER, _MESSENGER_ID, _names_a_handle),
    Rule("messenger_mine", Kind.MESSENGER, _MESSENGER_MINE,  # "пиши в тг 24/7" is no handle
         lambda text: _names_a_handle(text) and bool(re.search("[A-Za-z]", text.split()[-1]))),
    Rule("discord_tag", Kind.MESSENGER, _DISCORD_TAG),
    Rule("at_handle", Kind.MESSENGER, _AT_HANDLE),
)


def scan(text: str, rules: tuple[Rule, ...] = RULES) -> list[Finding]:
    """Every contact or payment detail in ``text``, in order, without overlaps.

    Rules earlier in the table win where two matches overlap (a PayPal link is a payment, not
    a generic link; an e-mail's ``@gmail`` is not a messenger handle).
    """
    taken: list[Finding] = []
    for rule in rules:
        for start, end in rule.spans(text):
            found = text[start:end].rstrip(".,;:!?)")
            end = start + len(found)
            if not found.strip() or (rule.accept is not None and not rule.accept(found)):
                continue
            if any(start < other.end and other.start < end for other in taken):
                continue
            taken.append(Finding(rule.kind, rule.name, start, end, found))
    return sorted(taken, key=lambda finding: finding.start)


def mask(text: str, findings: list[Finding]) -> str:
    """``text`` with every finding replaced by :data:`MASK`."""
    parts: list[str] = []
    position = 0
    for finding in sorted(findings, key=lambda f: f.start):
        parts.append(text[position:finding.start])
        parts.append(MASK)
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)
