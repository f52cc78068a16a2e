"""The fake LINE platform answers the real SDK the way LINE does."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import pytest
import requests
import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from linebot.v3.messaging import MessageAction as SdkMessageAction

from simulator.ids import random_group_id, random_user_id
from simulator.platform import FakeLinePlatform


def reply_request(token: str, *texts: str) -> ReplyMessageRequest:
    """A ReplyMessageRequest of text messages."""
    return ReplyMessageRequest(reply_token=token, messages=[TextMessage(text=t) for t in texts])


def push_request(to: str, *texts: str) -> PushMessageRequest:
    """A PushMessageRequest of text messages."""
    return PushMessageRequest(to=to, messages=[TextMessage(text=t) for t in texts])


def raw_post(platform: FakeLinePlatform, path: str, body: Any, **headers: str) -> requests.Response:
    """POST JSON without the SDK (which refuses some invalid bodies before sending)."""
    headers = {"Authorization": f"Bearer {platform.access_token}", **headers}
    return requests.post(platform.url + path, json=body, headers=headers, timeout=5)


def test_reply_delivers_to_the_tokens_chat(fake_line: FakeLinePlatform, messaging: MessagingApi) -> None:
    user = random_user_id()
    token = fake_line.issue_reply_token(user)
    response = messaging.reply_message_with_http_info(reply_request(token, "สวัสดีค่ะ", "ช่วยอะไรได้บ้าง"))
    assert response.status_code == 200
    assert len(response.data.sent_messages) == 2
    assert response.data.sent_messages[0].quote_token
    assert response.headers["X-Line-Request-Id"]
    assert fake_line.texts_to(user) == ["สวัสดีค่ะ", "ช่วยอะไรได้บ้าง"]
    assert fake_line.delivered[0]["via"] == "reply"
    assert fake_line.delivered[0]["request_id"] == response.headers["X-Line-Request-Id"]


def test_requests_are_recorded_with_parsed_json(fake_line: FakeLinePlatform, messaging: MessagingApi) -> None:
    user = random_user_id()
    messaging.push_message(push_request(user, "แจ้งเรื่องแล้ว"))
    (call,) = fake_line.calls("/v2/bot/message/push")
    assert call["method"] == "POST"
    assert call["json"]["messages"][0]["text"] == "แจ้งเรื่องแล้ว"
    assert call["headers"]["Authorization"] == f"Bearer {fake_line.access_token}"
    assert call["status"] == 200


@pytest.mark.parametrize("spoil", ["unknown", "used", "expired", "ttl_zero"])
def test_bad_reply_token_is_rejected(fake_line: FakeLinePlatform, messaging: MessagingApi, spoil: str) -> None:
    user = random_user_id()
    token = fake_line.issue_reply_token(user, ttl_seconds=0 if spoil == "ttl_zero" else 60)
    if spoil == "unknown":
        token = uuid.uuid4().hex
    elif spoil == "used":
        messaging.reply_message(reply_request(token, "ครั้งแรก"))
    elif spoil == "expired":
        fake_line.expire_reply_token(token)
    with pytest.raises(ApiException) as caught:
        messaging.reply_message(reply_request(token, "อีกครั้ง"))
    assert caught.value.status == 400
    assert json.loads(caught.value.body) == {"message": "Invalid reply token"}
    assert fake_line.texts_to(user) == (["ครั้งแรก"] if spoil == "used" else [])


def test_push_with_repeated_retry_key_is_409_and_sent_once(
    fake_line: FakeLinePlatform, messaging: MessagingApi
) -> None:
    user, key = random_user_id(), str(uuid.uuid4())
    first = messaging.push_message_with_http_info(push_request(user, "เคสของคุณ"), x_line_retry_key=key)
    with pytest.raises(ApiException) as caught:
        messaging.push_message_with_http_info(push_request(user, "เคสของคุณ"), x_line_retry_key=key)
    assert caught.value.status == 409
    assert caught.value.headers["X-Line-Accepted-Request-Id"] == first.headers["X-Line-Request-Id"]
    body = json.loads(caught.value.body)
    assert body["message"] == "The retry key is already accepted"
    assert body["sentMessages"] == [m.to_dict() for m in first.data.sent_messages]
    assert fake_line.texts_to(user) == ["เคสของคุณ"]


def test_retry_key_that_is_not_a_uuid_is_400(fake_line: FakeLinePlatform, messaging: MessagingApi) -> None:
    with pytest.raises(ApiException) as caught:
        messaging.push_message(push_request(random_user_id(), "x"), x_line_retry_key="not-a-uuid")
    assert caught.value.status == 400
    assert fake_line.delivered == []


def test_failed_push_does_not_use_up_the_retry_key(fake_line: FakeLinePlatform, messaging: MessagingApi) -> None:
    user, key = random_user_id(), str(uuid.uuid4())
    fake_line.fail_next("/v2/bot/message/push", 500)
    with pytest.raises(ApiException):
        messaging.push_message(push_request(user, "ลองใหม่"), x_line_retry_key=key)
    messaging.push_message(push_request(user, "ลองใหม่"), x_line_retry_key=key)
    assert fake_line.texts_to(user) == ["ลองใหม่"]


@pytest.mark.parametrize("token", ["wrong-token", ""])
def test_wrong_access_token_is_401(fake_line: FakeLinePlatform, token: str) -> None:
    config = Configuration(host=fake_line.url, access_token=token)
    with ApiClient(config) as client, pytest.raises(ApiException) as caught:
        MessagingApi(client).push_message(push_request(random_user_id(), "x"))
    assert caught.value.status == 401
    assert json.loads(caught.value.body)["message"].startswith("Authentication failed")
    assert caught.value.headers["X-Line-Request-Id"]
    assert fake_line.delivered == []


def test_missing_authorization_header_is_401(fake_line: FakeLinePlatform) -> None:
    response = requests.get(fake_line.url + "/v2/bot/info", timeout=5)
    assert response.status_code == 401
    assert response.headers["X-Line-Request-Id"]


@pytest.mark.parametrize(
    ("status", "headers"),
    [(500, {}), (502, {}), (429, {"Retry-After": "2"}), (400, {})],
)
def test_injected_fault_raises_then_clears(
    fake_line: FakeLinePlatform, messaging: MessagingApi, status: int, headers: dict[str, str]
) -> None:
    user = random_user_id()
    fake_line.fail_next("/v2/bot/message/push", status, headers=headers)
    with pytest.raises(ApiException) as caught:
        messaging.push_message(push_request(user, "x"))
    assert caught.value.status == status
    assert json.loads(caught.value.body)["message"]
    for name, value in headers.items():
        assert caught.value.headers[name] == value
    messaging.push_message(push_request(user, "y"))
    assert fake_line.texts_to(user) == ["y"]


def test_fault_counts_down_and_matches_prefix(fake_line: FakeLinePlatform, messaging: MessagingApi) -> None:
    user = random_user_id()
    fake_line.fail_next("/v2/bot/message", 503, times=2, body={"message": "busy"})
    statuses = []
    for _ in range(3):
        try:
            messaging.push_message(push_request(user, "x"))
            statuses.append(200)
        except ApiException as exc:
            statuses.append(exc.status)
    assert statuses == [503, 503, 200]


def test_outage_answers_503_until_back(fake_line: FakeLinePlatform, messaging: MessagingApi) -> None:
    user = random_user_id()
    fake_line.set_down(True)
    with pytest.raises(ApiException) as caught:
        messaging.show_loading_animation(ShowLoadingAnimationRequest(chat_id=user, loading_seconds=5))
    assert caught.value.status == 503
    fake_line.set_down(False)
    messaging.push_message(push_request(user, "กลับมาแล้ว"))
    assert fake_line.texts_to(user) == ["กลับมาแล้ว"]


def test_delayed_answer_times_out_client_but_message_is_sent(
    fake_line: FakeLinePlatform, messaging: MessagingApi
) -> None:
    user = random_user_id()
    fake_line.delay_next("/v2/bot/message/push", 0.3)
    with pytest.raises(urllib3.exceptions.HTTPError):
        messaging.push_message(push_request(user, "ช้า"), _request_timeout=0.1)
    for _ in range(50):
        if fake_line.texts_to(user):
            break
        threading.Event().wait(0.02)
    assert fake_line.texts_to(user) == ["ช้า"]


def too_long_label_quick_reply() -> dict[str, Any]:
    """A quick reply whose label is 21 characters."""
    return {"items": [{"type": "action", "action": {"type": "message", "label": "ก" * 21, "text": "x"}}]}


def quick_reply_items(count: int) -> dict[str, Any]:
    """A quick reply with count message items."""
    item = {"type": "action", "action": {"type": "message", "label": "ใช่", "text": "ใช่"}}
    return {"items": [item] * count}


def postback_quick_reply(data_length: int) -> dict[str, Any]:
    """A quick reply with one postback action carrying data_length characters."""
    action = {"type": "postback", "label": "ยืนยัน", "data": "d" * data_length}
    return {"items": [{"type": "action", "action": action}]}


INVALID_MESSAGES = [
    pytest.param([], "messages", id="no-messages"),
    pytest.param([{"type": "text", "text": "x"}] * 6, "messages", id="six-messages"),
    pytest.param([{"type": "text", "text": ""}], "messages[0].text", id="empty-text"),
    pytest.param([{"type": "text", "text": "ก" * 5001}], "messages[0].text", id="text-5001"),
    pytest.param([{"type": "text", "text": "😀" * 2501}], "messages[0].text", id="text-5002-utf16"),
    pytest.param([{"type": "txt", "text": "x"}], "messages[0].type", id="unknown-type"),
    pytest.param(
        [{"type": "text", "text": "x", "quickReply": quick_reply_items(14)}],
        "messages[0].quickReply.items",
        id="14-quick-replies",
    ),
    pytest.param(
        [{"type": "text", "text": "x", "quickReply": too_long_label_quick_reply()}],
        "messages[0].quickReply.items[0].action.label",
        id="label-21",
    ),
    pytest.param(
        [{"type": "text", "text": "x", "quickReply": postback_quick_reply(301)}],
        "messages[0].quickReply.items[0].action.data",
        id="postback-data-301",
    ),
    pytest.param(
        [{"type": "template", "altText": "x", "template": {"type": "confirm", "text": "ok?", "actions": []}}],
        "messages[0].template.actions",
        id="confirm-without-actions",
    ),
]


@pytest.mark.parametrize(("messages", "prop"), INVALID_MESSAGES)
def test_invalid_messages_are_400_with_details(fake_line: FakeLinePlatform, messages: list, prop: str) -> None:
    response = raw_post(fake_line, "/v2/bot/message/push", {"to": random_user_id(), "messages": messages})
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == f"The request body has {len(body['details'])} error(s)"
    assert prop in [d["property"] for d in body["details"]]
    assert fake_line.delivered == []


@pytest.mark.parametrize(
    "messages",
    [
        pytest.param([{"type": "text", "text": "ก" * 5000}], id="text-5000"),
        pytest.param([{"type": "text", "text": "x", "quickReply": quick_reply_items(13)}], id="13-quick-replies"),
        pytest.param([{"type": "text", "text": "x", "quickReply": postback_quick_reply(300)}], id="data-300"),
        pytest.param([{"type": "text", "text": "x"}] * 5, id="five-messages"),
    ],
)
def test_messages_at_the_limits_are_accepted(fake_line: FakeLinePlatform, messages: list) -> None:
    response = raw_post(fake_line, "/v2/bot/message/push", {"to": random_user_id(), "messages": messages})
    assert response.status_code == 200, response.text


def test_sdk_sees_validation_error_as_api_exception(fake_line: FakeLinePlatform, messaging: MessagingApi) -> None:
    token = fake_line.issue_reply_token(random_user_id())
    with pytest.raises(ApiException) as caught:
        messaging.reply_message(reply_request(token, "ก" * 5001))
    assert caught.value.status == 400
    assert json.loads(caught.value.body)["details"][0]["property"] == "messages[0].text"
    messaging.reply_message(reply_request(token, "สั้นลง"))  # a rejected body does not use the token


def test_quick_reply_built_with_sdk_is_recorded(fake_line: FakeLinePlatform, messaging: MessagingApi) -> None:
    user = random_user_id()
    items = [QuickReplyItem(action=SdkMessageAction(label="ยกเลิก", text="ยกเลิก"))]
    messaging.push_message(PushMessageRequest(to=user, messages=[TextMessage(text="เลือก", quick_reply=QuickReply(items=items))]))
    (message,) = fake_line.messages_to(user)
    assert message["quickReply"]["items"][0]["action"] == {"type": "message", "label": "ยกเลิก", "text": "ยกเลิก"}


def test_push_to_an_id_that_is_not_lines_is_400(fake_line: FakeLinePlatform) -> None:
    response = raw_post(fake_line, "/v2/bot/message/push", {"to": "TC-500104", "messages": [{"type": "text", "text": "x"}]})
    assert response.status_code == 400


def test_multicast_delivers_to_each_user(fake_line: FakeLinePlatform, messaging: MessagingApi) -> None:
    users = [random_user_id() for _ in range(3)]
    response = messaging.multicast_with_http_info(MulticastRequest(to=users, messages=[TextMessage(text="ประกาศ")]))
    assert response.status_code == 200
    assert [fake_line.texts_to(u) for u in users] == [["ประกาศ"]] * 3
    assert {d["via"] for d in fake_line.delivered} == {"multicast"}


def test_loading_animation_is_202(fake_line: FakeLinePlatform, messaging: MessagingApi) -> None:
    user = random_user_id()
    request = ShowLoadingAnimationRequest(chat_id=user, loading_seconds=20)
    response = messaging.show_loading_animation_with_http_info(request)
    assert response.status_code == 202
    assert fake_line.loading[0]["to"] == user


def test_loading_animation_rejects_bad_seconds(fake_line: FakeLinePlatform) -> None:
    response = raw_post(fake_line, "/v2/bot/chat/loading/start", {"chatId": random_user_id(), "loadingSeconds": 7})
    assert response.status_code == 400


def test_profile_of_known_and_unknown_users(fake_line: FakeLinePlatform, messaging: MessagingApi) -> None:
    known, unknown = random_user_id(), random_user_id()
    fake_line.set_profile(known, "สมศรี", language="th")
    profile = messaging.get_profile(known)
    assert (profile.user_id, profile.display_name, profile.language) == (known, "สมศรี", "th")
    with pytest.raises(ApiException) as caught:
        messaging.get_profile(unknown)
    assert caught.value.status == 404


def test_profile_is_made_up_for_users_who_wrote_to_the_bot(
    fake_line: FakeLinePlatform, messaging: MessagingApi
) -> None:
    user = random_user_id()
    fake_line.issue_reply_token(user)
    assert messaging.get_profile(user).user_id == user


def test_message_content_download(fake_line: FakeLinePlatform, blob: MessagingApiBlob) -> None:
    fake_line.put_content("123456", b"\x89PNG fake", "image/png")
    response = blob.get_message_content_with_http_info("123456")
    assert bytes(response.data) == b"\x89PNG fake"
    assert response.headers["Content-Type"] == "image/png"
    with pytest.raises(ApiException) as caught:
        blob.get_message_content("999")
    assert caught.value.status == 404


def test_leave_group_and_room(fake_line: FakeLinePlatform, messaging: MessagingApi) -> None:
    group = random_group_id()
    messaging.leave_group(group)
    messaging.leave_room("R" + "0" * 32)
    assert fake_line.left_chats == [group, "R" + "0" * 32]


def test_bot_info_parses(fake_line: FakeLinePlatform, messaging: MessagingApi) -> None:
    info = messaging.get_bot_info()
    assert info.user_id == fake_line.bot_user_id
    assert info.chat_mode == "bot"


def test_unknown_path_is_404_json(fake_line: FakeLinePlatform) -> None:
    response = requests.get(fake_line.url + "/v2/bot/nothing", headers={"Authorization": f"Bearer {fake_line.access_token}"}, timeout=5)
    assert response.status_code == 404
    assert response.json() == {"message": "Not found"}
    assert response.headers["X-Line-Request-Id"]


def test_concurrent_pushes_are_all_recorded(fake_line: FakeLinePlatform, messaging: MessagingApi) -> None:
    user = random_user_id()
    threads = [
        threading.Thread(target=messaging.push_message, args=(push_request(user, str(i)),)) for i in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(fake_line.texts_to(user), key=int) == [str(i) for i in range(20)]
    assert len({d["request_id"] for d in fake_line.delivered}) == 20


def test_clear_forgets_traffic_and_faults(fake_line: FakeLinePlatform, messaging: MessagingApi) -> None:
    user = random_user_id()
    messaging.push_message(push_request(user, "x"))
    fake_line.fail_next("/v2", 500)
    fake_line.set_down(True)
    fake_line.clear()
    assert fake_line.delivered == [] and fake_line.requests == []
    messaging.push_message(push_request(user, "y"))
    assert fake_line.texts_to(user) == ["y"]


def test_stopped_platform_refuses_connections() -> None:
    with FakeLinePlatform("token", "secret") as platform:
        url = platform.url
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/v2/bot/info", timeout=2)
    with pytest.raises(RuntimeError):
        _ = platform.url
