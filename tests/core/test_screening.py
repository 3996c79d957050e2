"""MSG-03 in one place: the declared list of user-written fields holds against the entities.

Every dataclass of ``core`` with a text attribute is either declared in
:data:`core.screening.USER_TEXT` (each text attribute screened or, in
:data:`core.screening.NOT_USER_TEXT`, said why not), or listed below with the reason it holds
no text one user writes for another before a contract. Adding a text field or an entity
without deciding fails here.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from datetime import UTC, datetime

import core
from core.applications import Application
from core.circumvention import MASK
from core.screening import NOT_USER_TEXT, USER_TEXT, TextField, findings_of, masked, texts_of

#: Entities (by qualified name) with text attributes that are not user text for others.
ELSEWHERE: dict[str, str] = {
    "core.accounts.User": "names come from Telegram; e-mail and reasons are private",
    "core.messages.Message": "relayed messages: core.services.relay masks and flags them",
    "core.services.relay.Content": "a relayed message being sent (core.services.relay)",
    "core.categories.Category": "a fixed list",
    "core.circumvention.Finding": "what the scan found",
    "core.circumvention.Rule": "the scan's rules",
    "core.email_verification.EmailCode": "private to its owner",
    "core.email_verification.OutgoingMail": "our own e-mail to the owner",
    "core.ledger.AccountRef": "money", "core.ledger.PostedTransaction": "money",
    "core.ledger.StatementLine": "money", "core.ledger.Transaction": "money",
    "core.ledger_audit.Imbalance": "money", "core.ledger_audit.LedgerAudit": "money",
    "core.milestone_events.Attachment": "Telegram file ids and names of submitted work",
    "core.milestone_states.Rule": "the state table",
    "core.milestone_terms.MilestonePolicy": "configuration",
    "core.money.Money": "money",
    "core.payments.Checkout": "payments", "core.payments.GatewayPayment": "payments",
    "core.payments.InvoiceTexts": "our own invoice texts", "core.payments.Settlement": "payments",
    "core.payments.TopUpIntent": "payments",
    "core.rating.Award": "points",
    "core.payouts.methods.PayoutMethod": "payout details: private to the owner and support",
    "core.payouts.model.Payout": "payout details and support's reasons: private to the owner",
    "core.payouts.model.PayoutProfile": "the owner's legal name: private to them and support",
    "core.payouts.model.Bonus": "a bonus is paid on an accepted contract, which joins the pair",
    "core.payouts.policy.PayoutPolicy": "configuration",
    "core.payouts.provider.ProviderStatus": "the payout provider's answer",
    "core.services.accounts.ProfileChange": "the owner's own account settings",
    "core.services.market.ProjectDraft": "input, stored as a Project (screened)",
    "core.services.market_applications.OfferTerms": "input, stored in the Contract (screened)",
    "core.services.milestone_plan.Terms": "input, stored as a Milestone (screened)",
    "core.services.ticks.Tick": "the scheduler", "core.services.ticks.TickReport": "the scheduler",
    "core.support.AuditEntry": "support's own words", "core.support.QueueItem": "support's queue",
}


def _text_attributes(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls) if "str" in str(f.type)}


def _core_dataclasses() -> dict[str, type]:
    found = {}
    for module in pkgutil.walk_packages(core.__path__, "core."):
        loaded = importlib.import_module(module.name)
        for obj in vars(loaded).values():
            if (isinstance(obj, type) and dataclasses.is_dataclass(obj)
                    and obj.__module__ == loaded.__name__ and _text_attributes(obj)):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def test_msg_03_every_entity_with_text_is_screened_or_says_why_not() -> None:
    entities = _core_dataclasses()
    declared = {f"{cls.__module__}.{cls.__qualname__}" for cls in USER_TEXT}
    assert set(entities) == declared | set(ELSEWHERE), (
        "declare the new entity in core.screening.USER_TEXT or here, with the reason")
    assert not declared & set(ELSEWHERE)


def test_msg_03_every_text_field_of_a_screened_entity_is_decided() -> None:
    for cls, fields in USER_TEXT.items():
        assert set(fields) | set(NOT_USER_TEXT[cls]) == _text_attributes(cls), cls.__name__
        assert not set(fields) & set(NOT_USER_TEXT[cls]), cls.__name__
    assert set(NOT_USER_TEXT) == set(USER_TEXT)


def test_msg_03_every_field_kind_is_used() -> None:
    assert {f for fields in USER_TEXT.values() for f in fields.values()} == set(TextField)


def _application(letter: str) -> Application:
    return Application(project_id=1, freelancer_id=2, cover_letter=letter, amount=100_00,
                       currency="USD", created_at=datetime(2026, 1, 1, tzinfo=UTC))


def test_msg_03_a_masked_copy_hides_contact_details_and_the_original_keeps_them() -> None:
    application = _application("Готов: bob.ivanov@gmail.com или +7 912 345-67-89")
    hidden = masked(application)
    assert hidden.cover_letter == f"Готов: {MASK} или {MASK}"
    assert application.cover_letter.endswith("+7 912 345-67-89")
    assert [field for field, _text, _found in findings_of(application)] == [
        TextField.COVER_LETTER]
    assert texts_of(_application("Ten years of CAD work")) == [
        (TextField.COVER_LETTER, "Ten years of CAD work")]
    assert findings_of(_application("Ten years of CAD work")) == []
