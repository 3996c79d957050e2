"""Canary: payout details (e-mail addresses, IBANs) never reach a log handler.

The log redaction that keeps the bot token out (:class:`bot.runtimes.redact.TokenRedactor`)
also masks payout details in messages, arguments and tracebacks; the conversation test
``test_payout_details_are_never_logged_while_adding_and_paying`` proves the code does not log
them in the first place.
"""

from __future__ import annotations

import logging

import pytest

from bot.runtimes.redact import TokenRedactor, scrub_details

TOKEN = "123456:AAHsecretPART-xyz"
EMAIL, IBAN = "boris.ivanov@example.com", "DE89370400440532013000"


def test_pay_02_payout_details_are_masked_in_every_log_record(
        caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.payout_canary")
    caplog.set_level(logging.DEBUG)
    with TokenRedactor(TOKEN):
        logger.info("method saved for %s", EMAIL)
        logger.warning(f"wire to {IBAN} and DE89 3704 0044 0532 0130 00")
        try:
            raise ValueError(f"duplicate key (details)=({EMAIL})")
        except ValueError:
            logger.exception("insert failed")
    text = caplog.text
    assert EMAIL not in text and IBAN not in text and "3704 0044" not in text
    assert "b***@example.com" in text and "DE89 **** 3000" in text
    assert "insert failed" in text


def test_pay_02_scrubbing_leaves_ordinary_text_alone() -> None:
    text = "update 1234 of user 42 at 2026-01-15T09:30:00+00:00: 3 payouts, ms:ok:812"
    assert scrub_details(text) == text
