"""The rich menu under the chat: its tap areas, its image (drawn with Pillow) and installing it on LINE."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import current_app
from flask.cli import AppGroup
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    RichMenuRequest,
)
from PIL import Image, ImageDraw, ImageFont

from handlers import cases as c
from handlers import messages as m
from settings import Settings

if TYPE_CHECKING:
    from handlers.events import Ctx

WIDTH, HEIGHT = 2500, 1686
MENU_NAME = "msdhs-main-menu"
FONT = m.HERE / "assets" / "Loma-Bold.ttf"  # TLWG, GPL-2+ with font exception (assets/*.LICENSE.txt)
INK, PAPER = "#FFFFFF", "#F4F6F8"
LINE_API = "https://api.line.me"  # the SDK sends each call to its own host (api or api-data) when none is set


@dataclass(frozen=True)
class Area:
    """One tap area: its label key in texts.yaml, colour, bounds and the LINE action it sends."""

    key: str
    colour: str
    bounds: tuple[int, int, int, int]  # x, y, width, height
    action: dict[str, Any]


def areas(lang: str = "th") -> list[Area]:
    """Help and tracking on top; a question, the 1300 call and privacy below."""
    half, third, row = WIDTH // 2, WIDTH // 3, HEIGHT // 2
    say = lambda key: {"type": "message", "label": m.t(key, lang), "text": m.t(key, "th")}  # noqa: E731
    return [
        Area("menu_help", "#06C755", (0, 0, half, row), say("menu_help")),
        Area("menu_follow", "#1F7A4D", (half, 0, WIDTH - half, row), say("menu_follow")),
        Area("menu_info", "#2A62C9", (0, row, third, HEIGHT - row), say("menu_info")),
        Area("menu_call", "#D64541", (third, row, third, HEIGHT - row),
             {"type": "uri", "label": m.t("menu_call", lang), "uri": "tel:1300"}),
        # A postback: the tap shows "ความเป็นส่วนตัว" in the chat and the bot answers whatever state it is in.
        Area("menu_privacy", "#5B6770", (2 * third, row, WIDTH - 2 * third, HEIGHT - row),
             {"type": "postback", "label": m.t("menu_privacy", lang), "data": "a=privacy",
              "displayText": m.t("menu_privacy", lang)}),
    ]


def menu_object(lang: str = "th") -> dict[str, Any]:
    """The rich menu object LINE's POST /v2/bot/richmenu takes."""
    return {"size": {"width": WIDTH, "height": HEIGHT}, "selected": True, "name": MENU_NAME,
            "chatBarText": m.t("menu_chat_bar", lang),
            "areas": [{"bounds": dict(zip(("x", "y", "width", "height"), a.bounds, strict=True)),
                       "action": a.action} for a in areas(lang)]}


def menu_image(lang: str = "th") -> bytes:
    """The menu's PNG: one coloured tile per area with its label in large Thai type."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    for area in areas(lang):
        x, y, w, h = area.bounds
        draw.rounded_rectangle((x + 12, y + 12, x + w - 12, y + h - 12), radius=48, fill=area.colour)
        label = m.t(area.key, lang)
        draw.text((x + w / 2, y + h / 2), label, fill=INK, anchor="mm", font=_fitting_font(draw, label, w - 180))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _fitting_font(draw: ImageDraw.ImageDraw, label: str, width: int) -> ImageFont.FreeTypeFont:
    """The largest type (160 px down to 80) in which label fits the width."""
    for size in range(160, 80, -10):
        font = ImageFont.truetype(str(FONT), size)
        if draw.textlength(label, font=font) <= width:
            return font
    return ImageFont.truetype(str(FONT), 80)


def sdk_host(settings: Settings) -> str | None:
    """The SDK's host: None on real LINE, so the image goes to api-data.line.me; else the one stand-in host."""
    base = settings.line_api_base_url.rstrip("/")
    return None if base == LINE_API else base


def install_rich_menu(settings: Settings, lang: str = "th") -> str:
    """Create the menu, upload its image, make it every user's default, drop older copies; return its id."""
    config = Configuration(access_token=settings.line_channel_access_token or "unset", host=sdk_host(settings))
    timeout = settings.line_timeout_seconds
    with ApiClient(config) as client:
        api, blob = MessagingApi(client), MessagingApiBlob(client)
        older = [r.rich_menu_id for r in api.get_rich_menu_list(_request_timeout=timeout).richmenus
                 if r.name == MENU_NAME]
        menu_id = api.create_rich_menu(RichMenuRequest.from_dict(menu_object(lang)),
                                       _request_timeout=timeout).rich_menu_id
        blob.set_rich_menu_image(menu_id, menu_image(lang), _headers={"Content-Type": "image/png"},
                                 _request_timeout=timeout)
        api.set_default_rich_menu(menu_id, _request_timeout=timeout)
        for old in older:
            api.delete_rich_menu(old, _request_timeout=timeout)
    return menu_id


def privacy_messages(ctx: Ctx, lang: str) -> list[dict[str, Any]]:
    """The privacy notice and what we hold about this citizen."""
    mine = c.cases_of(ctx.session, ctx.chat_id, limit=100)
    latest = m.t("privacy_latest", lang, case_no=mine[0].case_no) if mine else ""
    return [m.text(m.t("privacy_notice", lang, version=ctx.settings.privacy_notice_version)),
            m.text(m.t("privacy_held", lang, count=len(mine), latest=latest))]


def answer_privacy(ctx: Ctx) -> None:
    """The rich menu's privacy tap: the notice and what we hold, then the open question again (if any)."""
    from handlers import conversation as flow
    from handlers.events import conversation_for
    from handlers.turn import Turn

    conv = conversation_for(ctx.session, ctx.chat_id)
    lang = conv.language or "th"
    replies = privacy_messages(ctx, lang)
    question = flow.QUESTIONS.get(conv.state)
    if question is None:
        replies[-1] = m.text(replies[-1]["text"], m.main_menu(lang))
    else:
        turn = Turn(ctx.session, ctx.settings, conv, ctx.chat_id, ctx.now)
        conv.state = question(turn)
        replies += turn.replies
    ctx.reply(replies)


line_cli = AppGroup("line", help="LINE channel set-up.")


@line_cli.command("rich-menu")
@click.option("--lang", type=click.Choice(["th", "en"]), default="th", help="Language of the labels.")
@click.option("--image", "image_path", type=click.Path(dir_okay=False), default=None,
              help="Only write the menu image to this PNG file; change nothing on LINE.")
def rich_menu_command(lang: str, image_path: str | None) -> None:
    """Create the rich menu, upload its image and make it every user's default."""
    if image_path:
        Path(image_path).write_bytes(menu_image(lang))
        click.echo(f"rich menu image written to {image_path} ({WIDTH}x{HEIGHT})")
        return
    try:
        menu_id = install_rich_menu(current_app.extensions["runtime"].settings, lang)
    except ApiException as exc:
        raise click.ClickException(f"LINE refused the rich menu: HTTP {exc.status} {exc.body}") from exc
    click.echo(f"rich menu {menu_id} is now every user's default")
