"""MSG-03 for stored texts, the handler side: the author of a flagged text is warned.

Whichever service stored a text with contact details before a contract
(:func:`core.services.screening.flag_user_text`), the dispatcher adds :func:`field_warnings`
to the answer of that update, once, in the author's language: what was hidden, where, and why
paying outside the platform is not allowed (PAY-06). Support sees the same flags in ``/queue``
with the field's name (:data:`FIELD_NAMES`).
"""

from __future__ import annotations

from core.circumvention import Kind
from core.errors import N_
from core.screening import TextField
from core.services.screening import flags_written
from handlers.context import Context
from handlers.contract import Action, Send

__all__ = ["FIELD_NAMES", "FIELD_WARNING", "field_warnings"]

#: Where a flagged text was written (core.screening.TextField), as support and the author read it.
FIELD_NAMES: dict[TextField, str] = {
    TextField.COVER_LETTER: N_("cover letter"),
    TextField.PROJECT_TITLE: N_("project title"),
    TextField.PROJECT_DESCRIPTION: N_("project description"),
    TextField.PROFILE_HEADLINE: N_("profile headline"),
    TextField.PROFILE_SKILLS: N_("profile skills"),
    TextField.PORTFOLIO_CAPTION: N_("portfolio caption"),
    TextField.PORTFOLIO_LINK: N_("portfolio link"),
    TextField.EMPLOYER_NAME: N_("employer name"),
    TextField.EMPLOYER_COMPANY: N_("employer company"),
    TextField.OFFER_MILESTONE: N_("offer's first milestone"),
    TextField.MILESTONE_TITLE: N_("milestone title"),
    TextField.MILESTONE_DESCRIPTION: N_("milestone description"),
    TextField.MILESTONE_NOTE: N_("milestone note"),
}
#: The same words as the relay's warning (handlers.relay.KIND_NAMES, which imports too much).
KIND_NAMES: dict[Kind, str] = {
    Kind.EMAIL: N_("e-mail addresses"),
    Kind.PHONE: N_("phone numbers"),
    Kind.PAYMENT: N_("payment details"),
    Kind.MESSENGER: N_("messenger contacts"),
}
FIELD_WARNING = N_(
    "⚠️ Others read your {where} with the {what} hidden. Until you have a contract, sharing "
    "contacts or asking to pay outside the platform is not allowed: payments outside the "
    "platform lose its protection (escrow, disputes, support). Support has been told.")


def field_warnings(ctx: Context) -> list[Action]:
    """The warning for the texts this user stored with contact details in this update."""
    mine = [flag for flag in flags_written(ctx.uow)
            if flag.subject_id == ctx.user.id and flag.field in set(TextField)]
    if not mine:
        return []
    fields = sorted({TextField(flag.field) for flag in mine if flag.field})
    kinds = sorted({Kind(kind) for flag in mine for kind in flag.reason.split(",") if kind})
    return [Send(ctx.t(FIELD_WARNING,
                       where=", ".join(ctx.t(FIELD_NAMES[field]) for field in fields),
                       what=", ".join(ctx.t(KIND_NAMES[kind]) for kind in kinds)))]
