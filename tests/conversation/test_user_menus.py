"""Each user's own command menu (setMyCommands, chat scope) and the refusals of staff commands.

A user's menu holds exactly the commands they may use (ACC-01 roles, ACC-02 suspension), in
their language; it is set again whenever one of these changes, for whoever changed it.
"""

from __future__ import annotations

import itertools
import re

import pytest

from core.accounts import Role
from core.clock import FixedClock
from handlers import build_router
from handlers.context import HandlerSettings
from handlers.dispatch import STAFF_ONLY, UNKNOWN_COMMAND
from handlers.menu import COMMANDS, commands_for, needed_role
from locales import translator
from storage import Database
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness, ChatUser

EMPLOYER_ONLY = {"post", "myprojects", "employer_profile"}
FREELANCER_ONLY = {"applications", "freelancer_profile"}
STAFF = {c.name for c in COMMANDS if c.staff is not None}
ADMIN_ONLY = {c.name for c in COMMANDS if c.staff is Role.ADMIN}


def names(user: ChatUser) -> set[str]:
    assert user.menu is not None, "no menu was set for this chat"
    return {name for name, _ in user.menu}


def description(user: ChatUser, command: str) -> str:
    assert user.menu is not None
    return dict(user.menu)[command]


async def test_acc_01_a_freelancers_menu_has_no_employer_commands_after_sign_up(
        bot: BotHarness) -> None:
    bob = bot.user(1002, "Bob", language_code="en")
    await bob.command("/start")
    assert bob.menu is None  # no role yet: the default menu
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com")
    assert FREELANCER_ONLY <= names(bob)
    assert not names(bob) & (EMPLOYER_ONLY | STAFF | {"appeal"})
    alice = bot.user(1001, "Alice", language_code="en")
    await alice.sign_up("client", "Alice", "Smith", "alice@example.com")
    assert EMPLOYER_ONLY <= names(alice) and not names(alice) & FREELANCER_ONLY


async def test_acc_01_becoming_both_adds_the_employer_commands_at_once(bot: BotHarness) -> None:
    bob = bot.user(1002, "Bob", language_code="en")
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com")
    await bob.command("/profile")
    await bob.press_data("prof:edit:roles")
    await bob.press_data("prof:role:both")
    assert (EMPLOYER_ONLY | FREELANCER_ONLY) <= names(bob)
    await bob.press_data("prof:edit:roles")
    await bob.press_data("prof:role:client")
    assert EMPLOYER_ONLY <= names(bob) and not names(bob) & FREELANCER_ONLY


async def test_language_change_sets_the_menu_in_the_new_language(bot: BotHarness) -> None:
    bob = bot.user(1002, "Bob", language_code="en")
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com")
    assert description(bob, "help") == translator("en")("What this bot can do")
    await bob.command("/language")
    await bob.press_data("lang:uk")
    assert description(bob, "help") == translator("uk")("What this bot can do")
    assert not names(bob) & EMPLOYER_ONLY  # still a freelancer's menu


async def test_a_reply_that_changes_nothing_sets_no_menu(bot: BotHarness) -> None:
    bob = bot.user(1002, "Bob", language_code="en")
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com")
    count = bob.menus_set
    for command in ("/help", "/profile", "/projects", "/language"):
        await bob.command(command)
    assert bob.menus_set == count
    await bob.command("/start")  # /start always sets it (menus of accounts older than this)
    assert bob.menus_set == count + 1


async def test_granting_and_revoking_support_sets_the_targets_menu(bot: BotHarness) -> None:
    admin = bot.user(ADMIN_ID, "Ada", "Admin", username="ada")
    await admin.command("/start")
    assert STAFF <= names(admin)  # ADMIN_IDS: the admin's menu has every staff command
    sam = bot.user(1010, "Sam", "Support", language_code="ru", username="sam")
    await sam.sign_up("expert", "Sam", "Support", "sam@example.com", language="ru")
    assert not names(sam) & STAFF
    await admin.command("/grant_support @sam new colleague")
    assert STAFF - ADMIN_ONLY <= names(sam) and not names(sam) & ADMIN_ONLY
    assert description(sam, "queue") == translator("ru")("Reports and flags waiting for support")
    await admin.command("/revoke_support @sam moved on")
    assert not names(sam) & STAFF


async def test_acc_02_suspension_leaves_only_what_a_suspended_user_may_do(
        bot: BotHarness) -> None:
    admin = bot.user(ADMIN_ID, "Ada", "Admin", username="ada")
    bob = bot.user(1002, "Bob", language_code="en", username="bob")
    await bob.sign_up("client", "Bob", "Ivanov", "bob@example.com")
    assert "post" in names(bob) and "appeal" not in names(bob)
    await admin.command("/suspend @bob spam")
    assert {"appeal", "report", "help", "language"} <= names(bob)
    assert not names(bob) & {"post", "topup", "verify_email"}
    await admin.command("/reinstate @bob sorted out")
    assert "post" in names(bob) and "appeal" not in names(bob)


ROLE_SETS = [frozenset(c) for n in range(5)
             for c in itertools.combinations((Role.EXPERT, Role.CLIENT, Role.SUPPORT,
                                              Role.ADMIN), n)]


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda r: "+".join(sorted(r)) or "none")
@pytest.mark.parametrize("suspended", [False, True], ids=["active", "suspended"])
def test_a_menu_offers_no_command_that_would_refuse_the_role(roles: frozenset[Role],
                                                             suspended: bool) -> None:
    offered = {name for name, _ in commands_for(roles, suspended)}
    market = roles & {Role.EXPERT, Role.CLIENT}
    if Role.CLIENT not in roles:
        assert not offered & EMPLOYER_ONLY
    if Role.EXPERT not in roles:
        assert not offered & FREELANCER_ONLY
    if not market:
        assert not offered & {"contracts", "bookmarks", "milestones"}
    if Role.ADMIN not in roles:
        assert not offered & ADMIN_ONLY
        if Role.SUPPORT not in roles:
            assert not offered & STAFF
    assert ("appeal" in offered) == suspended


async def _holder(bot: BotHarness, roles: frozenset[Role]) -> ChatUser:
    """A signed-up user with exactly ``roles`` (ADMIN through ADMIN_IDS)."""
    user_id = ADMIN_ID if Role.ADMIN in roles else 1020
    user = bot.user(user_id, "Pat", "Role", username="pat")
    market = roles & {Role.EXPERT, Role.CLIENT}
    if market:
        choice = "both" if len(market) == 2 else ("expert" if Role.EXPERT in market else "client")
        await user.sign_up(choice, "Pat", "Role", "pat@example.com")
    else:
        await user.command("/help")
    if Role.SUPPORT in roles:
        async with bot.database.uow() as uow:
            stored = await uow.users.get(user.id)
            assert stored is not None
            stored.roles.add(Role.SUPPORT)
            await uow.users.save(stored)
            await uow.commit()
    return user


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda r: "+".join(sorted(r)) or "none")
async def test_acc_01_every_staff_command_refuses_every_other_role_naming_the_role_needed(
        bot: BotHarness, roles: frozenset[Role]) -> None:
    user = await _holder(bot, roles)
    tr = translator("en")
    router = build_router()
    for command in sorted(STAFF):
        needed = needed_role(command)
        assert needed is not None and router.staff_roles[command] is needed, command
        allowed = Role.ADMIN in roles or (needed is Role.SUPPORT and Role.SUPPORT in roles)
        await user.command(f"/{command}")
        refusal = tr(STAFF_ONLY[needed], command=command)
        if allowed:
            assert user.reply != refusal, command
        else:
            assert user.replies == [refusal], command
        assert tr(UNKNOWN_COMMAND) not in user.replies, command


MENTION = re.compile(r"(?<![\w@/.])/([a-z_]+)")  # not a path in a link (t.me/bot)


@pytest.mark.parametrize("role", ["expert", "client", "both"])
@pytest.mark.parametrize("suspended", [False, True], ids=["active", "suspended"])
async def test_acc_01_no_answer_points_a_user_at_a_command_outside_their_menu(
        bot: BotHarness, role: str, suspended: bool) -> None:
    """Every user command, typed bare (in the menu or not), mentions only commands of the
    user's menu: a freelancer's /myprojects does not send them to /post."""
    user = bot.user(1030, "Pat", "Lee", username="pat")
    await user.sign_up(role, "Pat", "Lee", "pat@example.com")
    if suspended:
        admin = bot.user(ADMIN_ID, "Ada", "Admin")
        await admin.command("/suspend @pat under review")  # sets Pat's menu
    menu = names(user)
    for command in sorted(c.name for c in COMMANDS if c.staff is None):
        await user.command(f"/{command}")
        await user.command("/cancel")
        said = "\n".join(user.replies)
        await user.command(f"/{command}")
        said += "\n" + "\n".join(user.replies)
        assert set(MENTION.findall(said)) <= menu, (command, said)


async def test_acc_01_leaving_admin_ids_takes_the_staff_commands_out_of_the_menu(
        conversation_db: Database, clock: FixedClock) -> None:
    admin_bot = BotHarness(conversation_db, clock, HandlerSettings(admin_ids=frozenset({77})))
    ada = admin_bot.user(77, "Ada", "Admin", username="ada")
    await ada.sign_up("expert", "Ada", "Admin", "ada@example.com")
    assert STAFF <= names(ada)
    plain_bot = BotHarness(conversation_db, clock, HandlerSettings(admin_ids=frozenset()))
    plain_bot.update_ids = itertools.count(50_000)
    ada_again = plain_bot.user(77, "Ada", "Admin", username="ada")
    await ada_again.command("/help")
    assert not names(ada_again) & STAFF and "applications" in names(ada_again)
