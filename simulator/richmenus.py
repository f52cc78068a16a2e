"""Rich menus on the fake platform: LINE's checks on the menu object and its image, and the routes."""

from __future__ import annotations

import secrets
import struct
import threading
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, jsonify, request

from simulator.validation import Detail, check_length, check_size, detail, validate_action

MAX_AREAS = 20
MAX_CHAT_BAR = 14
MAX_IMAGE_BYTES = 1024 * 1024
IMAGE_TYPES = ("image/png", "image/jpeg")


@dataclass
class RichMenu:
    """One created rich menu and its uploaded image."""

    body: dict[str, Any]
    image: bytes | None = None
    content_type: str = ""


@dataclass
class RichMenus:
    """The channel's rich menus and its default one, thread-safe."""

    menus: dict[str, RichMenu] = field(default_factory=dict)
    default_id: str | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def create(self, body: dict[str, Any]) -> str:
        """Store a valid menu and return its new id."""
        menu_id = "richmenu-" + secrets.token_hex(16)
        with self._lock:
            self.menus[menu_id] = RichMenu({**body, "richMenuId": menu_id})
        return menu_id

    def get(self, menu_id: str) -> RichMenu | None:
        """The menu with this id, or None."""
        with self._lock:
            return self.menus.get(menu_id)

    def delete(self, menu_id: str) -> bool:
        """Delete a menu (and unset it as default); False when unknown."""
        with self._lock:
            if self.menus.pop(menu_id, None) is None:
                return False
            if self.default_id == menu_id:
                self.default_id = None
            return True

    def default(self) -> RichMenu | None:
        """The menu every user sees, or None."""
        with self._lock:
            return self.menus.get(self.default_id) if self.default_id else None

    def listed(self) -> list[dict[str, Any]]:
        """The bodies GET /v2/bot/richmenu/list returns."""
        with self._lock:
            return [dict(m.body) for m in self.menus.values()]


def validate_rich_menu(body: Any) -> list[Detail]:
    """Check a rich menu object as LINE does: size, chat bar text, name, areas inside the image."""
    if not isinstance(body, dict):
        return [detail("Request body has invalid JSON format", "")]
    errors = _check_menu_size(body.get("size"))
    errors += check_length(body.get("name"), "name", 300)
    errors += check_length(body.get("chatBarText"), "chatBarText", MAX_CHAT_BAR)
    if not isinstance(body.get("selected"), bool):
        errors.append(detail("Must be specified", "selected"))
    areas = body.get("areas")
    size_errors = check_size(areas, "areas", MAX_AREAS)
    if size_errors or errors:
        return errors + size_errors
    for index, area in enumerate(areas):
        errors += _check_area(area, body["size"], f"areas[{index}]")
    return errors


def _check_menu_size(size: Any) -> list[Detail]:
    """Width 800–2500, height at least 250, width/height at least 1.45 (LINE's rules)."""
    if not isinstance(size, dict) or not all(isinstance(size.get(k), int) for k in ("width", "height")):
        return [detail("Must be specified", "size")]
    width, height = size["width"], size["height"]
    if not 800 <= width <= 2500 or height < 250 or width / height < 1.45:
        return [detail("Width must be 800-2500, height at least 250, width/height at least 1.45", "size")]
    return []


def _check_area(area: Any, size: dict[str, int], prop: str) -> list[Detail]:
    """An area's bounds lie inside the image and its action is valid."""
    bounds = area.get("bounds") if isinstance(area, dict) else None
    keys = ("x", "y", "width", "height")
    if not isinstance(bounds, dict) or not all(isinstance(bounds.get(k), int) for k in keys):
        return [detail("Must be specified", f"{prop}.bounds")]
    errors = []
    inside = (bounds["x"] >= 0 and bounds["y"] >= 0 and bounds["width"] > 0 and bounds["height"] > 0
              and bounds["x"] + bounds["width"] <= size["width"]
              and bounds["y"] + bounds["height"] <= size["height"])
    if not inside:
        errors.append(detail("The area must be inside the rich menu image", f"{prop}.bounds"))
    return errors + validate_action(area.get("action"), f"{prop}.action")


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk, or None when data is not a PNG."""
    if len(data) < 24 or not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def check_image(menu: RichMenu, data: bytes, content_type: str) -> str | None:
    """Why LINE would refuse this image for this menu, or None when it is fine."""
    if menu.image is not None:
        return "An image has already been uploaded to the richmenu"
    if content_type not in IMAGE_TYPES:
        return "The content type must be image/jpeg or image/png"
    if not data or len(data) > MAX_IMAGE_BYTES:
        return "The image must be at most 1 MB"
    size = menu.body["size"]
    dims = png_size(data) if content_type == "image/png" else (size["width"], size["height"])
    if dims != (size["width"], size["height"]):
        return "The image size must match the rich menu size"
    return None


def add_rich_menu_routes(bp: Blueprint, menus: RichMenus) -> None:
    """The rich menu endpoints (the image routes are on api-data's paths, which share this host)."""
    from simulator.api import error, invalid

    def create() -> Response:
        """POST /v2/bot/richmenu."""
        body = request.get_json(silent=True, force=True)
        errors = validate_rich_menu(body)
        return invalid(errors) if errors else jsonify(richMenuId=menus.create(body))

    def validate() -> Response:
        """POST /v2/bot/richmenu/validate."""
        errors = validate_rich_menu(request.get_json(silent=True, force=True))
        return invalid(errors) if errors else jsonify({})

    def listing() -> Response:
        """GET /v2/bot/richmenu/list."""
        return jsonify(richmenus=menus.listed())

    def one(menu_id: str) -> Response:
        """GET or DELETE /v2/bot/richmenu/{id}."""
        menu = menus.get(menu_id)
        if menu is None:
            return error(404, "Not found")
        if request.method == "DELETE":
            menus.delete(menu_id)
            return jsonify({})
        return jsonify(menu.body)

    def content(menu_id: str) -> Response:
        """POST (upload) or GET (download) /v2/bot/richmenu/{id}/content."""
        menu = menus.get(menu_id)
        if menu is None:
            return error(404, "Not found")
        if request.method == "GET":
            return Response(menu.image, content_type=menu.content_type) if menu.image else error(404, "Not found")
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        problem = check_image(menu, request.get_data(), content_type)
        if problem:
            return error(400, problem)
        menu.image, menu.content_type = request.get_data(), content_type
        return jsonify({})

    def set_default(menu_id: str) -> Response:
        """POST /v2/bot/user/all/richmenu/{id}: every user sees this menu."""
        menu = menus.get(menu_id)
        if menu is None:
            return error(404, "Not found")
        if menu.image is None:
            return error(400, "must upload richmenu image before applying it to user")
        menus.default_id = menu_id
        return jsonify({})

    def default() -> Response:
        """GET or DELETE /v2/bot/user/all/richmenu."""
        if request.method == "DELETE":
            menus.default_id = None
            return jsonify({})
        return jsonify(richMenuId=menus.default_id) if menus.default_id else error(404, "no default richmenu")

    bp.add_url_rule("/v2/bot/richmenu", "richmenu_create", create, methods=["POST"])
    bp.add_url_rule("/v2/bot/richmenu/validate", "richmenu_validate", validate, methods=["POST"])
    bp.add_url_rule("/v2/bot/richmenu/list", "richmenu_list", listing, methods=["GET"])
    bp.add_url_rule("/v2/bot/richmenu/<menu_id>", "richmenu_one", one, methods=["GET", "DELETE"])
    bp.add_url_rule("/v2/bot/richmenu/<menu_id>/content", "richmenu_content", content, methods=["GET", "POST"])
    bp.add_url_rule("/v2/bot/user/all/richmenu/<menu_id>", "richmenu_set_default", set_default, methods=["POST"])
    bp.add_url_rule("/v2/bot/user/all/richmenu", "richmenu_default", default, methods=["GET", "DELETE"])


def add_rich_menu_view(app: Any, platform: Any) -> None:
    """The page's view of the default rich menu: its object and its image."""

    @app.get("/sim/api/richmenu")
    def rich_menu() -> Response:
        """The default rich menu (null when none) and the URL of its image."""
        menu = platform.rich_menus.default()
        if menu is None:
            return jsonify(menu=None)
        return jsonify(menu=menu.body, image=f"/sim/api/richmenu/image?id={menu.body['richMenuId']}")

    @app.get("/sim/api/richmenu/image")
    def rich_menu_image() -> Response:
        """A rich menu's uploaded image."""
        menu = platform.rich_menus.get(request.args.get("id", ""))
        if menu is None or menu.image is None:
            return Response(status=404)
        return Response(menu.image, content_type=menu.content_type)
