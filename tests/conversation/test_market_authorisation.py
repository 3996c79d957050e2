"""The authorisation matrix (issue 4, ACC-01): for every marketplace callback route and command
with an object id, a third user and the wrong party never see or change someone else's draft,
application, contract, bookmark or portfolio, however the data is forged.

One scene is built once per module into a SQLite file (Alice the employer, Boris the
freelancer, Carol who is both and party to nothing); each case runs on a fresh copy of it,
presses one forged button as one user, and checks: an alert and no message, no secret in
anything said, no marketplace row changed, nothing queued for anyone.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.clock import FixedClock
from handlers import build_router
from handlers.context import HandlerSettings
from handlers.contract import AnswerCallback, Edit, Send, SendDocument, SendPhoto
from storage import Database
from storage.tables.market import portfolio_items
from storage.tables.outbox import outbox
from tests.conftest import START
from tests.conversation.harness import BotHarness, ChatUser
from tests.conversation.market_kit import (
    LETTER,
    apply_to,
    deliver,
    market_rows,
    newest_id,
    offer,
    post_project,
    team,
)

SECRET_TITLE = "Secret gearbox redesign"


@dataclass(frozen=True)
class Scene:
    """The ids of the objects the forged buttons aim at."""

    draft: int  # Alice's draft project
    p1: int  # published, hourly; A1 chosen, C1 offered
    a1: int
    c1: int
    p2: int  # published; A2 chosen, C2 active
    a2: int
    c2: int
    p3: int  # published; A3 waiting for an answer
    a3: int
    item: int  # Boris's portfolio item


async def _build(path: Path) -> Scene:
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await database.migrate()
        bot = BotHarness(database, FixedClock(START))
        alice, boris, _ = await team(bot)
        draft = await post_project(alice, publish=False, title=SECRET_TITLE)
        p1 = await post_project(alice, kind="hourly", budget="20-40", title="Hourly support")
        a1 = await apply_to(boris, p1, amount="30")
        c1 = await offer(alice, a1, kind="hourly")
        p2 = await post_project(alice, title="Fixed drawings job")
        a2 = await apply_to(boris, p2)
        c2 = await offer(alice, a2)
        await boris.forge(f"ct:ok:{c2}")
        p3 = await post_project(alice, title="Third project here")
        a3 = await apply_to(boris, p3)
        await boris.command("/freelancer_profile")
        await boris.press_data("pf:at:professional")
        for answer in ("Mechanical engineer, SolidWorks", "SolidWorks, FEA"):
            await boris.say(answer)
        await boris.press_data("pf:ct:cad")
        await boris.press_data("pf:cd")
        await boris.press_data("pf:skip")
        await boris.press_data("pf:skip")
        await boris.forge("pf:pa")
        await boris.say("Gearbox housing")
        await boris.say("https://example.com/gearbox")
        item = await newest_id(bot, portfolio_items)
        await boris.forge(f"bm:ap:{p3}")
        await alice.forge(f"bm:ae:{boris.id}")
        await deliver(bot)
        return Scene(draft, p1, a1, c1, p2, a2, c2, p3, a3, item)
    finally:
        await database.dispose()


@pytest.fixture(scope="module")
def scene_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Scene]:
    """The scene, built once, in a file to copy."""
    path = tmp_path_factory.mktemp("market_scene") / "scene.db"
    return path, asyncio.run(_build(path))


@pytest.fixture
async def scene(scene_template: tuple[Path, Scene],
                tmp_path: Path) -> AsyncIterator[tuple[BotHarness, Scene, dict[str, ChatUser]]]:
    """A fresh copy of the scene behind a new harness, with the three users."""
    template, ids = scene_template
    path = tmp_path / "scene.db"
    shutil.copyfile(template, path)
    database = Database(f"sqlite+aiosqlite:///{path}")
    bot = BotHarness(database, FixedClock(START), HandlerSettings())
    bot.update_ids = itertools.count(1_000_000)  # the scene used the harness's first ids
    users = {"alice": bot.user(2001, "Alice", "Smith"),
             "boris": bot.user(2002, "Boris", "Ivanov", language_code="ru"),
             "carol": bot.user(2003, "Carol", "Jones")}
    for user in users.values():
        await user.command("/help")  # a message whose buttons the forged presses come from
    yield bot, ids, users
    await database.dispose()


# (callback data, the wrong party); Carol, party to nothing, tries every route too.
ROUTES: list[tuple[str, str | None]] = [
    ("pj:v:{draft}", "boris"),
    ("pj:pub:{draft}", "boris"),
    ("pj:cl:{draft}", "boris"),
    ("pj:clok:{p3}", "boris"),
    ("pj:ed:{p3}", "boris"),
    ("pj:ef:{p3}:title", "boris"),
    ("pj:ef:{p3}:category", "boris"),
    ("pj:ec:{p3}:design", "boris"),
    ("pj:ek:{draft}:hourly", "boris"),
    ("pj:nd:{p3}", "boris"),
    ("ap:new:{draft}", "boris"),
    ("ap:v:{a3}", None),
    ("ap:wd:{a3}", "alice"),
    ("ap:sl:{a3}", "boris"),
    ("ap:us:{a3}", "boris"),
    ("ap:ch:{a3}", "boris"),
    ("ap:ls:{p3}:0", "boris"),
    ("ap:wl:{a3}:20", "boris"),
    ("ap:ma:{a3}", "boris"),
    ("ct:v:{c1}", None),
    ("ct:ok:{c1}", "alice"),
    ("ct:no:{c1}", "alice"),
    ("ct:end:{c2}", None),
    ("ct:er:{c2}:c", None),
    ("ct:er:{c2}:cc", "boris"),
    ("ct:er:{c2}:cf", "alice"),
    ("bm:ap:{draft}", "boris"),
    ("pf:px:{item}", "alice"),
    ("pp:cat:cad", "alice"),
    ("pp:nodl", "alice"),
    ("ps:l:0:forged:-:", None),
    ("pe:nc", "alice"),
]
CASES = [(data, who) for data, wrong in ROUTES for who in ("carol", *([wrong] if wrong else []))]
MY_PREFIXES = {"pj", "pp", "ps", "ap", "ct", "bm", "pf", "pe"}


def _said(user: ChatUser) -> str:
    alerts = [a.text or "" for a in user.actions if isinstance(a, AnswerCallback)]
    return "\n".join([*user.replies, *alerts])


async def _queued(bot: BotHarness) -> int:
    async with bot.database.uow() as uow:
        return (await uow.session.execute(select(func.count()).select_from(outbox))).scalar_one()


def test_acc_01_the_matrix_covers_every_marketplace_callback_prefix() -> None:
    routed = {p for p in build_router().callbacks if p in MY_PREFIXES}
    assert routed == MY_PREFIXES
    assert {data.split(":")[0] for data, _ in ROUTES} == MY_PREFIXES


@pytest.mark.parametrize(("template", "who"), CASES)
async def test_acc_01_nobody_but_the_right_party_sees_or_changes_an_object(
        scene: tuple[BotHarness, Scene, dict[str, ChatUser]], template: str, who: str) -> None:
    bot, ids, users = scene
    data = template.format(**vars(ids))
    before, queued = await market_rows(bot), await _queued(bot)
    actions = await users[who].forge(data)
    said = _said(users[who])
    assert SECRET_TITLE not in said and LETTER not in said
    assert not [a for a in actions if isinstance(a, Send | Edit | SendDocument | SendPhoto)], said
    alerts = [a for a in actions if isinstance(a, AnswerCallback)]
    assert len(alerts) == 1 and alerts[0].alert and alerts[0].text
    assert await market_rows(bot) == before
    assert await _queued(bot) == queued


@pytest.mark.parametrize("data", [
    "pj:v:abc", "pj:v:-1", "pj:v:0", "pj:v:99999999999999999999", "pj:v:1:extra", "pj",
    "ap:v:", "ap:ls:1:x", "ct:ok:1.5", "ct:l:z:0", "bm:l:q:0", "pf:v:1e3", "ps:l:x:-:-:",
    "pp:kind:weekly", "pe:e:salary", "ap:wl:1:7",
])
async def test_acc_01_malformed_data_is_a_stale_button(
        scene: tuple[BotHarness, Scene, dict[str, ChatUser]], data: str) -> None:
    bot, _, users = scene
    before = await market_rows(bot)
    actions = await users["carol"].forge(data)
    assert [type(a) for a in actions] == [AnswerCallback]
    assert await market_rows(bot) == before


async def test_acc_01_a_deep_link_to_someone_elses_draft_finds_nothing(
        scene: tuple[BotHarness, Scene, dict[str, ChatUser]]) -> None:
    bot, ids, users = scene
    for who in ("carol", "boris"):
        await users[who].command(f"/start p{ids.draft}")
        assert SECRET_TITLE not in users[who].reply
    assert "does not exist" in users["carol"].reply
    await users["alice"].command(f"/start p{ids.draft}")
    assert SECRET_TITLE in users["alice"].reply


async def test_acc_01_the_right_parties_still_can(
        scene: tuple[BotHarness, Scene, dict[str, ChatUser]]) -> None:
    bot, ids, users = scene
    await users["alice"].forge(f"pj:v:{ids.draft}")
    assert SECRET_TITLE in users["alice"].reply
    await users["boris"].forge(f"ap:v:{ids.a3}")
    assert LETTER in users["boris"].reply
    await users["alice"].forge(f"ap:v:{ids.a3}")
    assert LETTER in users["alice"].reply
    await users["boris"].forge(f"ct:ok:{ids.c1}")
    async with bot.database.uow() as uow:
        contract = await uow.market.contracts.get(ids.c1)
    assert contract is not None and contract.status == "active"


@pytest.mark.parametrize("template", ["bm:xp:{p3}:0", "bm:rp:{p3}", "bm:xe:2002:0",
                                      "bm:re:2002"])
async def test_bm_01_a_forged_removal_only_ever_touches_ones_own_bookmarks(
        scene: tuple[BotHarness, Scene, dict[str, ChatUser]], template: str) -> None:
    bot, ids, users = scene
    before = await market_rows(bot)
    await users["carol"].forge(template.format(**vars(ids)))
    assert await market_rows(bot) == before
    assert len(before["bookmarks"]) == 2
