"""MSG-03 / PAY-06: finding contact details and payment handles in relayed messages."""

from __future__ import annotations

import pytest

from core.circumvention import MASK, Kind, mask, scan

FLAGGED: list[tuple[str, Kind, str]] = [
    # e-mail addresses, plain and obfuscated
    ("write me at john.doe@gmail.com please", Kind.EMAIL, "john.doe@gmail.com"),
    ("john at gmail dot com", Kind.EMAIL, "john at gmail dot com"),
    ("mail: john [at] gmail [dot] com", Kind.EMAIL, "john [at] gmail [dot] com"),
    ("john(at)example(dot)org", Kind.EMAIL, "john(at)example(dot)org"),
    ("john @ mail . ru", Kind.EMAIL, "john @ mail . ru"),
    ("пиши ivan собака yandex точка ru", Kind.EMAIL, "ivan собака yandex точка ru"),
    ("JOHN AT GMAIL DOT COM", Kind.EMAIL, "JOHN AT GMAIL DOT COM"),
    ("correo: ana arroba gmail punto com", Kind.EMAIL, "ana arroba gmail punto com"),
    # phone numbers
    ("call +1 (555) 123-4567 tonight", Kind.PHONE, "+1 (555) 123-4567"),
    ("мой номер 8 912 345-67-89", Kind.PHONE, "8 912 345-67-89"),
    ("+380501234567", Kind.PHONE, "+380501234567"),
    ("tel 0044.20.7946.0958", Kind.PHONE, "0044.20.7946.0958"),
    ("five five five one two three four five six seven", Kind.PHONE,
     "five five five one two three four five six seven"),
    ("мой номер восемь девять один два три четыре пять шесть семь", Kind.PHONE,
     "восемь девять один два три четыре пять шесть семь"),
    # payment services
    ("pay me at paypal.me/johndoe", Kind.PAYMENT, "paypal.me/johndoe"),
    ("https://www.paypal.com/paypalme/john", Kind.PAYMENT, "https://www.paypal.com/paypalme/john"),
    ("paypal dot me slash johndoe", Kind.PAYMENT, "paypal dot me slash johndoe"),
    ("revolut.me/anna12", Kind.PAYMENT, "revolut.me/anna12"),
    ("send to wise.com/pay/me/annas", Kind.PAYMENT, "wise.com/pay/me/annas"),
    ("https://cash.app/$johnny", Kind.PAYMENT, "https://cash.app/$johnny"),
    ("venmo.com/u/john-doe", Kind.PAYMENT, "venmo.com/u/john-doe"),
    ("payoneer.com", Kind.PAYMENT, "payoneer.com"),
    ("qiwi.com/n/IVAN", Kind.PAYMENT, "qiwi.com/n/IVAN"),
    ("yoomoney.ru/to/4100111", Kind.PAYMENT, "yoomoney.ru/to/4100111"),
    ("card 4111 1111 1111 1111", Kind.PAYMENT, "4111 1111 1111 1111"),
    ("usdt 0x52908400098527886E0F7030069857D2E4169EE7", Kind.PAYMENT,
     "0x52908400098527886E0F7030069857D2E4169EE7"),
    ("IBAN DE89 3704 0044 0532 0130 00", Kind.PAYMENT, "DE89 3704 0044 0532 0130 00"),
    # other messengers
    ("find me on t.me/johndoe", Kind.MESSENGER, "t.me/johndoe"),
    ("t dot me/johndoe", Kind.MESSENGER, "t dot me/johndoe"),
    ("ping @john_doe there", Kind.MESSENGER, "@john_doe"),
    ("https://wa.me/15551234567", Kind.MESSENGER, "https://wa.me/15551234567"),
    ("skype: john.doe", Kind.MESSENGER, "skype: john.doe"),
    ("my skype is live:john_1", Kind.MESSENGER, "live:john_1"),
    ("live:.cid.123abc", Kind.MESSENGER, "live:.cid.123abc"),
    ("discord john#1234", Kind.MESSENGER, "john#1234"),
    ("join discord.gg/abcdef", Kind.MESSENGER, "discord.gg/abcdef"),
    ("viber - anna_k", Kind.MESSENGER, "viber - anna_k"),
    ("signal: +15551234567", Kind.PHONE, "+15551234567"),
    ("телеграм: ivan_petrov", Kind.MESSENGER, "телеграм: ivan_petrov"),
    ("my tg: @ivan_p", Kind.MESSENGER, "tg: @ivan_p"),
    ("+7 (912) 345-67-89", Kind.PHONE, "+7 (912) 345-67-89"),
    ("whatsapp +34 612 345 678", Kind.PHONE, "+34 612 345 678"),
]

CLEAN: list[str] = [
    "Hello! I can do the drawing by Friday.",
    "The budget is $2,500.00 for the whole project.",
    "Deadline 2025-03-14, about 40 hours of work.",
    "I use AutoCAD 2024 and SolidWorks.",
    "Let's meet at noon. Then we talk.",
    "It sends a signal that the part is ready.",
    "My portfolio: https://behance.net/portfolio",
    "Pay through the platform: that is safe.",
    "Price 1 500 000 RUB in total",
    "I look at the drawing at 5.30 today",
    "See the file v2.3.1 and section 12.4",
    "I'm at home. Then I start.",
    "Order #1234 is ready",
    "meet @ 5pm",
    "email me through the bot",
    "The signal is weak in the drawing",
    "I charge 35 USD/hour, 120 hours total, 4200 USD",
    # e-mail look-alikes that email-validator or the file endings reject
    "Use the icon logo@2x.png from the archive",
    "the host is printer@office.local",
    "Call 2025-03-14 10:30 about room 12",
]


@pytest.mark.parametrize(("text", "kind", "found"), FLAGGED)
def test_msg_03_finds_contact_details_and_payment_handles(text: str, kind: Kind,
                                                          found: str) -> None:
    """Each table row is found as the expected kind and span."""
    findings = scan(text)
    assert [(f.kind, f.text) for f in findings] == [(kind, found)]


@pytest.mark.parametrize("text", CLEAN)
def test_msg_03_ordinary_project_talk_is_not_flagged(text: str) -> None:
    """Prices, dates, versions and plain links to portfolios are not contact details."""
    assert scan(text) == []


def test_msg_03_mask_hides_every_finding_and_keeps_the_rest() -> None:
    """Masking replaces each finding and leaves the sentence readable."""
    text = "Mail john at gmail dot com or call +1 555 123 4567, thanks"
    assert mask(text, scan(text)) == f"Mail {MASK} or call {MASK}, thanks"


def test_msg_03_an_email_is_not_also_a_telegram_handle() -> None:
    """Overlapping rules report one finding: the earlier rule in the table."""
    findings = scan("john@gmail.com")
    assert [f.kind for f in findings] == [Kind.EMAIL]


def test_msg_03_the_cover_letter_of_issue_10_has_an_address_and_a_phone() -> None:
    """Both contact details of the newcomer's cover letter are found (phonenumbers reads the
    Russian number, email-validator checks the address)."""
    text = "Готов начать сразу: bob.ivanov@gmail.com или +7 912 345-67-89"
    assert [(f.kind, f.text) for f in scan(text)] == [
        (Kind.EMAIL, "bob.ivanov@gmail.com"), (Kind.PHONE, "+7 912 345-67-89")]
    assert mask(text, scan(text)) == f"Готов начать сразу: {MASK} или {MASK}"
