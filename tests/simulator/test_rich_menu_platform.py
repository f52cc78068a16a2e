"""The fake platform's rich menu endpoints answer the real SDK the way LINE does."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from linebot.v3.messaging import ApiException, MessagingApi, MessagingApiBlob, RichMenuRequest
from PIL import Image

from simulator.platform import FakeLinePlatform
from tests.simulator.conftest import TOKEN, sdk_client


def menu(**changes: Any) -> dict[str, Any]:
    """A valid 2500x843 menu with two areas, with some fields changed."""
    body = {"size": {"width": 2500, "height": 843}, "selected": True, "name": "test", "chatBarText": "เมนู",
            "areas": [{"bounds": {"x": 0, "y": 0, "width": 1250, "height": 843},
                       "action": {"type": "message", "label": "ขอความช่วยเหลือ", "text": "ขอความช่วยเหลือ"}},
                      {"bounds": {"x": 1250, "y": 0, "width": 1250, "height": 843},
                       "action": {"type": "uri", "label": "โทร 1300", "uri": "tel:1300"}}]}
    body.update(changes)
    return body


def png(width: int = 2500, height: int = 843) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#06C755").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def apis(fake_line: FakeLinePlatform) -> Iterator[tuple[MessagingApi, MessagingApiBlob]]:
    with sdk_client(fake_line) as client:
        yield MessagingApi(client), MessagingApiBlob(client)


def create(api: MessagingApi, body: dict[str, Any] | None = None) -> str:
    return api.create_rich_menu(RichMenuRequest.from_dict(body or menu())).rich_menu_id


def test_create_upload_set_default_list_and_delete(fake_line, apis):
    api, blob = apis
    menu_id = create(api)
    blob.set_rich_menu_image(menu_id, png(), _headers={"Content-Type": "image/png"})
    api.set_default_rich_menu(menu_id)
    assert api.get_default_rich_menu_id().rich_menu_id == menu_id
    listed = api.get_rich_menu_list().richmenus
    assert [(m.rich_menu_id, m.chat_bar_text) for m in listed] == [(menu_id, "เมนู")]
    assert api.get_rich_menu(menu_id).areas[1].action.uri == "tel:1300"
    assert blob.get_rich_menu_image(menu_id) == png()
    api.delete_rich_menu(menu_id)
    assert fake_line.rich_menus.default() is None and not api.get_rich_menu_list().richmenus


@pytest.mark.parametrize("body,prop", [
    (menu(chatBarText="เมนูช่วยเหลือทั้งหมดของเรา"), "chatBarText"),
    (menu(size={"width": 2500, "height": 2500}), "size"),
    (menu(areas=[]), "areas"),
    (menu(areas=[{"bounds": {"x": 2000, "y": 0, "width": 1000, "height": 843},
                  "action": {"type": "message", "label": "x", "text": "x"}}]), "areas[0].bounds"),
    (menu(areas=[{"bounds": {"x": 0, "y": 0, "width": 100, "height": 100},
                  "action": {"type": "uri", "label": "x", "uri": "javascript:alert(1)"}}]), "areas[0].action.uri"),
])
def test_invalid_menus_are_400_with_details(fake_line, body, prop):
    response = requests.post(f"{fake_line.url}/v2/bot/richmenu", json=body,
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert response.status_code == 400
    assert prop in [d["property"] for d in response.json()["details"]]


@pytest.mark.parametrize("data,content_type", [
    (png(2500, 1686), "image/png"),     # not the menu's size
    (png(), "image/gif"),
    (b"", "image/png"),
])
def test_bad_images_are_refused(apis, data, content_type):
    api, blob = apis
    menu_id = create(api)
    with pytest.raises(ApiException) as refused:
        blob.set_rich_menu_image(menu_id, data, _headers={"Content-Type": content_type})
    assert refused.value.status == 400


def test_image_can_be_uploaded_once(apis):
    api, blob = apis
    menu_id = create(api)
    blob.set_rich_menu_image(menu_id, png(), _headers={"Content-Type": "image/png"})
    with pytest.raises(ApiException) as again:
        blob.set_rich_menu_image(menu_id, png(), _headers={"Content-Type": "image/png"})
    assert again.value.status == 400


def test_default_needs_an_image_and_a_known_menu(apis):
    api, _ = apis
    with pytest.raises(ApiException) as no_image:
        api.set_default_rich_menu(create(api))
    assert no_image.value.status == 400
    with pytest.raises(ApiException) as unknown:
        api.set_default_rich_menu("richmenu-" + "0" * 32)
    assert unknown.value.status == 404
    with pytest.raises(ApiException) as none:
        api.get_default_rich_menu_id()
    assert none.value.status == 404


def test_loading_seconds_follow_lines_rule(fake_line):
    for seconds, status in ((5, 202), (60, 202), (0, 400), (65, 400), (12, 400), ("10", 400), (True, 400)):
        response = requests.post(f"{fake_line.url}/v2/bot/chat/loading/start", timeout=5,
                                 json={"chatId": "U" + "a" * 32, "loadingSeconds": seconds},
                                 headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == status, seconds


def flex(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "flex", "altText": "เลขที่ 1", "contents": {"type": "bubble", "body": body}}]


@pytest.mark.parametrize("body,prop", [
    ({"type": "box", "layout": "diagonal", "contents": []}, "messages[0].contents.body.layout"),
    ({"type": "box", "layout": "vertical"}, "messages[0].contents.body.contents"),
    ({"type": "box", "layout": "vertical", "contents": [{"type": "text"}]}, "messages[0].contents.body.contents[0].text"),
    ({"type": "box", "layout": "vertical", "contents": [{"type": "button", "action": {"type": "uri", "label": "x",
                                                                                       "uri": "ftp://x"}}]},
     "messages[0].contents.body.contents[0].action.uri"),
    ({"type": "box", "layout": "vertical", "contents": [{"type": "marquee"}]}, "messages[0].contents.body.contents[0].type"),
    ({"type": "text", "text": "x"}, "messages[0].contents.body.type"),
])
def test_invalid_flex_bubbles_are_400(fake_line, body, prop):
    response = requests.post(f"{fake_line.url}/v2/bot/message/push", timeout=5,
                             json={"to": "U" + "a" * 32, "messages": flex(body)},
                             headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 400
    assert prop in [d["property"] for d in response.json()["details"]]

