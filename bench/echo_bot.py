"""The baseline of bench/bench_surge.py: an echo bot written the way line-bot-sdk v3 documents it.

Flask, `WebhookHandler`, and the reply sent inside the request with `MessagingApi.reply_message`
(the SDK's README example), pointed at the fake LINE platform with `Configuration(host=...)`.
Served by gunicorn with the Procfile's options: `gunicorn echo_bot:app` from this folder.
Settings from the environment: LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN, LINE_API_BASE_URL.
"""

from __future__ import annotations

import os

from flask import Flask, abort, request
from linebot.v3 import WebhookHandler
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest, TextMessage
from linebot.v3.webhooks import MessageEvent, TextMessageContent

app = Flask(__name__)
configuration = Configuration(
    access_token=os.environ["LINE_CHANNEL_ACCESS_TOKEN"],
    host=os.environ.get("LINE_API_BASE_URL", "https://api.line.me"),
)
handler = WebhookHandler(os.environ["LINE_CHANNEL_SECRET"])


@app.post("/callback")
def callback() -> str:
    """LINE's webhook: verify the signature, handle the events, answer 200."""
    signature = request.headers.get("X-Line-Signature", "")
    body = request.get_data(as_text=True)
    try:
        handler.handle(body, signature)
    except InvalidSignatureError:
        abort(400)
    return "OK"


@handler.add(MessageEvent, message=TextMessageContent)
def handle_message(event: MessageEvent) -> None:
    """Reply with the same text, inside the request, as the SDK's example does."""
    with ApiClient(configuration) as api_client:
        MessagingApi(api_client).reply_message(
            ReplyMessageRequest(reply_token=event.reply_token,
                                messages=[TextMessage(text=event.message.text)])
        )
