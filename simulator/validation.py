"""Request-body checks LINE applies to messages, answered like LINE's 400 details."""

from __future__ import annotations

import json
from typing import Any

Detail = dict[str, str]

MESSAGE_TYPES = ("text", "image", "video", "audio", "location", "sticker", "template", "imagemap", "flex")
ACTION_TYPES = (
    "postback", "message", "uri", "datetimepicker", "camera", "cameraRoll", "location", "richmenuswitch", "clipboard",
)
TEMPLATE_TYPES = ("buttons", "confirm", "carousel", "image_carousel")
URI_SCHEMES = ("http://", "https://", "line://", "tel:")
MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_QUICK_REPLY_ITEMS = 13
MAX_LABEL = 20
MAX_POSTBACK_DATA = 300
MAX_ACTION_TEXT = 300
MAX_ALT_TEXT = {"template": 400, "flex": 1500}
MAX_FLEX_BYTES = {"bubble": 30_000, "carousel": 50_000}
MAX_CAROUSEL_BUBBLES = 12


def detail(message: str, prop: str) -> Detail:
    """One item of a 400 answer's details list."""
    return {"message": message, "property": prop}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit LINE counts text limits in."""
    return len(text.encode("utf-16-le")) // 2


def check_length(value: Any, prop: str, maximum: int, minimum: int = 1) -> list[Detail]:
    """Check a required string's length."""
    if value is None:
        return [detail("Must be specified", prop)]
    if not isinstance(value, str):
        return [detail("Must be a string", prop)]
    if minimum and not value:
        return [detail("May not be empty", prop)]
    if utf16_len(value) > maximum:
        return [detail(f"Length must be between {minimum} and {maximum}", prop)]
    return []


def check_size(value: Any, prop: str, maximum: int, minimum: int = 1) -> list[Detail]:
    """Check a required array's size."""
    if not isinstance(value, list):
        return [detail("Must be specified", prop)]
    if not minimum <= len(value) <= maximum:
        return [detail(f"Size must be between {minimum} and {maximum}", prop)]
    return []


def validate_messages(messages: Any, prop: str = "messages") -> list[Detail]:
    """Check a messages array (1–5 message objects) the way LINE does."""
    errors = check_size(messages, prop, MAX_MESSAGES)
    if errors:
        return errors
    for index, message in enumerate(messages):
        errors += validate_message(message, f"{prop}[{index}]")
    return errors


def validate_message(message: Any, prop: str) -> list[Detail]:
    """Check one message object, its quick reply included."""
    if not isinstance(message, dict):
        return [detail("Must be an object", prop)]
    kind = message.get("type")
    if kind not in MESSAGE_TYPES:
        return [detail(f"Must be one of the following values: [{', '.join(MESSAGE_TYPES)}]", f"{prop}.type")]
    errors = _TYPE_CHECKS.get(kind, _no_check)(message, prop)
    if "quickReply" in message:
        errors += validate_quick_reply(message["quickReply"], f"{prop}.quickReply")
    return errors


def _no_check(message: dict[str, Any], prop: str) -> list[Detail]:
    """Message types the fake accepts without looking inside."""
    return []


def _check_text(message: dict[str, Any], prop: str) -> list[Detail]:
    """Text: 1..5000 UTF-16 units."""
    return check_length(message.get("text"), f"{prop}.text", MAX_TEXT)


def _check_media(message: dict[str, Any], prop: str) -> list[Detail]:
    """Image/video: https URLs for content and preview."""
    errors = []
    for key in ("originalContentUrl", "previewImageUrl"):
        value = message.get(key)
        if message["type"] == "audio" and key == "previewImageUrl":
            continue
        if not (isinstance(value, str) and value.startswith("https://")):
            errors.append(detail("Must be an https URL", f"{prop}.{key}"))
    return errors


def _check_location(message: dict[str, Any], prop: str) -> list[Detail]:
    """Location: title, address, latitude and longitude are required."""
    errors = check_length(message.get("title"), f"{prop}.title", 100)
    errors += check_length(message.get("address"), f"{prop}.address", 100)
    for key in ("latitude", "longitude"):
        if not isinstance(message.get(key), (int, float)):
            errors.append(detail("Must be specified", f"{prop}.{key}"))
    return errors


def _check_sticker(message: dict[str, Any], prop: str) -> list[Detail]:
    """Sticker: packageId and stickerId are required."""
    return [detail("Must be specified", f"{prop}.{k}") for k in ("packageId", "stickerId") if not message.get(k)]


def _check_template(message: dict[str, Any], prop: str) -> list[Detail]:
    """Template: altText ≤ 400 and a known template with valid actions."""
    errors = check_length(message.get("altText"), f"{prop}.altText", MAX_ALT_TEXT["template"])
    template = message.get("template")
    if not isinstance(template, dict) or template.get("type") not in TEMPLATE_TYPES:
        return errors + [detail("Must be a buttons, confirm, carousel or image_carousel template", f"{prop}.template")]
    if template["type"] == "buttons":
        errors += check_length(template.get("text"), f"{prop}.template.text", 160)
        errors += _check_actions(template.get("actions"), f"{prop}.template.actions", 4)
    elif template["type"] == "confirm":
        errors += check_length(template.get("text"), f"{prop}.template.text", 240)
        errors += _check_actions(template.get("actions"), f"{prop}.template.actions", 2, 2)
    else:
        errors += check_size(template.get("columns"), f"{prop}.template.columns", 10)
    return errors


def _check_actions(actions: Any, prop: str, maximum: int, minimum: int = 1) -> list[Detail]:
    """An actions array and every action in it."""
    errors = check_size(actions, prop, maximum, minimum)
    if errors:
        return errors
    for index, action in enumerate(actions):
        errors += validate_action(action, f"{prop}[{index}]")
    return errors


def _check_flex(message: dict[str, Any], prop: str) -> list[Detail]:
    """Flex: altText ≤ 1500, a bubble ≤ 30 KB or a carousel of ≤ 12 bubbles ≤ 50 KB."""
    errors = check_length(message.get("altText"), f"{prop}.altText", MAX_ALT_TEXT["flex"])
    contents = message.get("contents")
    if not isinstance(contents, dict) or contents.get("type") not in MAX_FLEX_BYTES:
        return errors + [detail("Must be a bubble or carousel container", f"{prop}.contents")]
    size = len(json.dumps(contents, ensure_ascii=False).encode())
    if size > MAX_FLEX_BYTES[contents["type"]]:
        errors.append(detail(f"Size must be at most {MAX_FLEX_BYTES[contents['type']]} bytes", f"{prop}.contents"))
    if contents["type"] == "carousel":
        errors += check_size(contents.get("contents"), f"{prop}.contents.contents", MAX_CAROUSEL_BUBBLES)
        for index, bubble in enumerate(contents.get("contents") or []):
            errors += _check_bubble(bubble, f"{prop}.contents.contents[{index}]")
    else:
        errors += _check_bubble(contents, f"{prop}.contents")
    return errors


FLEX_LAYOUTS = ("vertical", "horizontal", "baseline")
FLEX_LEAVES = ("separator", "spacer", "filler", "video")


def _check_bubble(bubble: Any, prop: str) -> list[Detail]:
    """A bubble's blocks: header, body and footer are boxes; hero a box or an image."""
    if not isinstance(bubble, dict) or bubble.get("type") != "bubble":
        return [detail("Must be a bubble", f"{prop}.type")]
    errors = []
    for block in ("header", "hero", "body", "footer"):
        part = bubble.get(block)
        if part is None:
            continue
        allowed = ("box", "image", "video") if block == "hero" else ("box",)
        if not isinstance(part, dict) or part.get("type") not in allowed:
            errors.append(detail(f"Must be one of: {', '.join(allowed)}", f"{prop}.{block}.type"))
        else:
            errors += _check_component(part, f"{prop}.{block}")
    return errors


def _check_component(node: Any, prop: str) -> list[Detail]:
    """One Flex component: boxes (recursively), texts, buttons with valid actions, images, leaves."""
    kind = node.get("type") if isinstance(node, dict) else None
    if kind == "box":
        errors = [] if node.get("layout") in FLEX_LAYOUTS else [detail("Must be a valid layout", f"{prop}.layout")]
        children = node.get("contents")
        if not isinstance(children, list):
            return errors + [detail("Must be specified", f"{prop}.contents")]
        for index, child in enumerate(children):
            errors += _check_component(child, f"{prop}.contents[{index}]")
        return errors
    if kind == "text":
        return [] if node.get("text") or node.get("contents") else [detail("Must be specified", f"{prop}.text")]
    if kind == "button":
        return validate_action(node.get("action"), f"{prop}.action")
    if kind in ("image", "icon"):
        ok = str(node.get("url", "")).startswith("https://")
        return [] if ok else [detail("Must be an https URL", f"{prop}.url")]
    if kind in FLEX_LEAVES:
        return []
    return [detail("Must be a Flex component", f"{prop}.type")]


def validate_quick_reply(quick_reply: Any, prop: str) -> list[Detail]:
    """Quick reply: 1..13 items, each an action item with a valid action."""
    items = quick_reply.get("items") if isinstance(quick_reply, dict) else None
    errors = check_size(items, f"{prop}.items", MAX_QUICK_REPLY_ITEMS)
    if errors:
        return errors
    for index, item in enumerate(items):
        item_prop = f"{prop}.items[{index}]"
        if not isinstance(item, dict) or item.get("type") != "action":
            errors.append(detail("Must be an action item", f"{item_prop}.type"))
            continue
        errors += validate_action(item.get("action"), f"{item_prop}.action")
    return errors


def validate_action(action: Any, prop: str) -> list[Detail]:
    """One action: known type, label ≤ 20, postback data ≤ 300, message text ≤ 300, URI scheme."""
    if not isinstance(action, dict) or action.get("type") not in ACTION_TYPES:
        return [detail(f"Must be one of the following values: [{', '.join(ACTION_TYPES)}]", f"{prop}.type")]
    errors = []
    if "label" in action:
        errors += check_length(action["label"], f"{prop}.label", MAX_LABEL)
    kind = action["type"]
    if kind == "postback":
        errors += check_length(action.get("data"), f"{prop}.data", MAX_POSTBACK_DATA)
    elif kind == "message":
        errors += check_length(action.get("text"), f"{prop}.text", MAX_ACTION_TEXT)
    elif kind == "uri" and not str(action.get("uri", "")).startswith(URI_SCHEMES):
        errors.append(detail("Invalid URI scheme", f"{prop}.uri"))
    elif kind == "datetimepicker":
        errors += check_length(action.get("data"), f"{prop}.data", MAX_POSTBACK_DATA)
    return errors


_TYPE_CHECKS = {
    "text": _check_text,
    "image": _check_media,
    "video": _check_media,
    "audio": _check_media,
    "location": _check_location,
    "sticker": _check_sticker,
    "template": _check_template,
    "flex": _check_flex,
}
