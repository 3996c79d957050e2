"""The sandbox speaks the Bot API's HTTP dialect: routes, encodings and error shapes."""

from __future__ import annotations

import aiohttp

from bot.sandbox import SandboxServer
from tests.sandbox.conftest import TOKEN, Api


async def test_get_me_answers_get_and_post_with_the_bot_user(api: Api) -> None:
    async with api.session.get(api.url("getMe")) as response:
        via_get = await response.json()
    me = await api.ok("getMe")
    assert via_get == {"ok": True, "result": me}
    assert me["id"] == 123456 and me["is_bot"] is True and me["username"] == "sandbox_bot"


async def test_method_names_are_case_insensitive(api: Api) -> None:
    async with api.session.post(api.url("GETME")) as response:
        assert response.status == 200
        assert (await response.json())["result"]["is_bot"] is True


async def test_wrong_token_gets_401_unauthorized(api: Api) -> None:
    async with api.session.post(api.url("getMe", token="123456:wrong")) as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }


async def test_unknown_method_gets_404_not_found(api: Api) -> None:
    async with api.session.post(api.url("sendTelepathy")) as response:
        assert response.status == 404
        assert await response.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found",
        }


async def test_unknown_path_gets_the_same_json_404(api: Api) -> None:
    async with api.session.get(f"{api.server.url}/nothing/here") as response:
        assert response.status == 404
        assert (await response.json())["description"] == "Not Found"


async def test_parameters_arrive_in_a_query_string(api: Api) -> None:
    api.server.user(1001, "Alice")
    url = api.url("sendMessage") + "?chat_id=1001&text=via%20query"
    async with api.session.get(url) as response:
        assert (await response.json())["result"]["text"] == "via query"


async def test_parameters_arrive_as_an_urlencoded_form_with_json_fields(api: Api) -> None:
    api.server.user(1001, "Alice")
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    status, body = await api.form("sendMessage", chat_id="1001", text="hi", reply_markup=markup)
    assert status == 200
    assert body["result"]["reply_markup"] == markup


async def test_parameters_arrive_as_multipart_with_attach_references(api: Api) -> None:
    api.server.user(1001, "Alice")
    form = aiohttp.FormData()
    form.add_field("chat_id", "1001")
    form.add_field("document", "attach://f1")
    form.add_field("f1", b"%PDF-1.4", filename="cv.pdf", content_type="application/pdf")
    async with api.session.post(api.url("sendDocument"), data=form) as response:
        body = await response.json()
    assert body["result"]["document"]["file_name"] == "cv.pdf"
    assert body["result"]["document"]["mime_type"] == "application/pdf"
    assert body["result"]["document"]["file_size"] == 8


async def test_multipart_text_fields_are_read_like_form_fields(api: Api) -> None:
    api.server.user(1001, "Alice")
    form = aiohttp.FormData()
    form.add_field("chat_id", "1001")
    form.add_field("text", "multipart text")
    form.add_field("unused", b"x", filename="x.bin")
    async with api.session.post(api.url("sendMessage"), data=form) as response:
        assert (await response.json())["result"]["text"] == "multipart text"


async def test_an_empty_body_is_accepted(api: Api) -> None:
    async with api.session.post(api.url("getUpdates"), data=b"") as response:
        assert await response.json() == {"ok": True, "result": []}


async def test_an_empty_body_for_a_method_with_required_fields_is_a_bad_request(api: Api) -> None:
    async with api.session.post(api.url("sendMessage")) as response:
        assert response.status == 400
        assert await response.json() == {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: chat_id is empty",
        }


async def test_a_malformed_json_body_is_a_bad_request(api: Api) -> None:
    headers = {"Content-Type": "application/json"}
    async with api.session.post(api.url("getMe"), data=b"{nope", headers=headers) as response:
        assert response.status == 400
        assert (await response.json())["description"].startswith("Bad Request: ")


async def test_a_malformed_json_field_in_a_form_is_a_bad_request(api: Api) -> None:
    api.server.user(1001, "Alice")
    status, body = await api.form("sendMessage", chat_id="1001", text="x", reply_markup="{")
    assert status == 400
    assert body["description"] == "Bad Request: can't parse reply keyboard markup JSON object"


async def test_the_server_refuses_a_malformed_token_at_construction() -> None:
    try:
        SandboxServer("not-a-token")
    except ValueError as error:
        assert "token" in str(error)
    else:
        raise AssertionError("a malformed token was accepted")


async def test_the_url_is_the_base_telegram_api_url(server: SandboxServer) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert server.port > 0
    assert TOKEN not in server.url
