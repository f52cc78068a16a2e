// Chat simulator page: sends citizen actions to /sim/api/send and polls what the bot sent.
"use strict";

const TEXTS = {
  th: {
    title: "โปรแกรมจำลองแชท LINE", outage: "จำลอง LINE ล่ม (503)", citizens: "ผู้ใช้จำลอง",
    hintUsers: "แต่ละคนมี LINE user id ของตัวเอง สลับคนเพื่อดูว่าบอทแยกบทสนทนาได้ถูกต้อง",
    webhookTo: "ส่ง webhook ไปที่", userId: "User ID", placeholder: "พิมพ์ข้อความ", send: "ส่ง",
    follow: "➕ เพิ่มเพื่อน", location: "📍 ตำแหน่ง", sticker: "😊 สติกเกอร์", image: "📷 รูปภาพ",
    unfollow: "🚫 บล็อก", clear: "🧹 ล้างแชท", staff: "ข้อความถึงเจ้าหน้าที่",
    hintStaff: "ข้อความที่บอทส่งไปยังกลุ่มศูนย์ฯ สายด่วน หรือผู้รับอื่นที่ไม่ใช่ผู้ใช้จำลอง",
    pickLocation: "เลือกตำแหน่ง", lat: "ละติจูด", lon: "ลองจิจูด", placeName: "ชื่อสถานที่", address: "ที่อยู่",
    cancel: "ยกเลิก", shareLocation: "แชร์ตำแหน่ง", pickDate: "เลือกวัน/เวลา",
    chattingAs: "คุณคือ", followed: "เพิ่มเพื่อนแล้ว", unfollowed: "บล็อกบอทแล้ว",
    httpError: "บอทตอบ HTTP", unreachable: "เชื่อมต่อบอทไม่ได้ — บอททำงานอยู่หรือไม่?",
    noNotes: "ยังไม่มีข้อความถึงเจ้าหน้าที่", stickerSent: "[สติกเกอร์]", imageSent: "[รูปภาพ]",
    call: "โทร", via: { reply: "ตอบกลับ", push: "ส่งตรง", multicast: "ส่งหลายคน" },
    staffOnly: "ปุ่มของเจ้าหน้าที่ (แสดงให้ดูเท่านั้น หน้านี้กดแทนเจ้าหน้าที่ไม่ได้)",
  },
  en: {
    title: "LINE chat simulator", outage: "Simulate LINE outage (503)", citizens: "Simulated citizens",
    hintUsers: "Each person has their own LINE user id. Switch people to check the bot keeps conversations apart.",
    webhookTo: "Webhooks go to", userId: "User ID", placeholder: "Type a message", send: "Send",
    follow: "➕ Add friend", location: "📍 Location", sticker: "😊 Sticker", image: "📷 Photo",
    unfollow: "🚫 Block", clear: "🧹 Clear chat", staff: "Messages to staff",
    hintStaff: "What the bot sent to centre groups, the hotline or anyone who is not a simulated citizen.",
    pickLocation: "Choose a location", lat: "Latitude", lon: "Longitude", placeName: "Place name", address: "Address",
    cancel: "Cancel", shareLocation: "Share location", pickDate: "Pick a date/time",
    chattingAs: "You are", followed: "Added as a friend", unfollowed: "Blocked the bot",
    httpError: "The bot answered HTTP", unreachable: "Cannot reach the bot — is it running?",
    noNotes: "No messages to staff yet", stickerSent: "[sticker]", imageSent: "[photo]",
    call: "Call", via: { reply: "reply", push: "push", multicast: "multicast" },
    staffOnly: "Staff buttons (shown only; this page cannot tap them for staff)",
  },
};

const PRESETS = [
  { title: "อนุสาวรีย์ชัยสมรภูมิ", latitude: 13.7649, longitude: 100.5383,
    address: "ถนนพญาไท แขวงทุ่งพญาไท เขตราชเทวี กรุงเทพมหานคร 10400 ประเทศไทย" },
  { title: "เซ็นทรัลเวิลด์", latitude: 13.7466, longitude: 100.5393,
    address: "999/9 ถนนพระราม 1 แขวงปทุมวัน เขตปทุมวัน กรุงเทพมหานคร 10330 ประเทศไทย" },
  { title: "ประตูท่าแพ", latitude: 18.7877, longitude: 98.9933,
    address: "อำเภอเมืองเชียงใหม่ เชียงใหม่ 50200 ประเทศไทย" },
  { title: "มหาวิทยาลัยขอนแก่น", latitude: 16.4746, longitude: 102.8230,
    address: "ถนนมิตรภาพ ตำบลในเมือง อำเภอเมืองขอนแก่น ขอนแก่น 40002 ประเทศไทย" },
  { title: "ตลาดกิมหยง หาดใหญ่", latitude: 7.0063, longitude: 100.4700,
    address: "ตำบลหาดใหญ่ อำเภอหาดใหญ่ สงขลา 90110 ประเทศไทย" },
  { title: "Vientiane (outside Thailand)", latitude: 17.9757, longitude: 102.6331,
    address: "Vientiane, Laos" },
];

const state = {
  lang: localStorage.getItem("sim.lang") || "th",
  users: [],
  userId: localStorage.getItem("sim.user") || "",
  since: 0,
  notesSince: 0,
  lastBot: null,
  pendingDatetime: null,
  generation: 0,   // bumped whenever the chat view is reset, so a poll already under way is ignored
  richMenuId: null,   // the default rich menu shown under the chat ("" when none)
};

const $ = (id) => document.getElementById(id);
const t = (key) => TEXTS[state.lang][key] ?? key;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  return response.json();
}

// ---- language --------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-i18n]").forEach((node) => { node.textContent = t(node.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((node) => {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  });
  $("lang").textContent = state.lang === "th" ? "English" : "ภาษาไทย";
  renderUsers();
}

function resetNotes() {
  state.notesSince = 0;
  $("notes").replaceChildren(el("div", { class: "empty" }, t("noNotes")));
}

// ---- people ----------------------------------------------------------------------

function renderUsers() {
  const list = $("users");
  list.replaceChildren();
  for (const user of state.users) {
    const button = el("button", { type: "button", class: user.user_id === state.userId ? "active" : "",
      onclick: () => selectUser(user.user_id) },
      el("span", { class: "avatar" }, user.name.slice(0, 2)),
      el("span", {}, user.name, el("small", {}, `${user.note} · ${user.language}`)));
    list.append(el("li", {}, button));
  }
  const current = state.users.find((u) => u.user_id === state.userId);
  $("chat-with").textContent = current ? `${t("chattingAs")} ${current.name}` : "";
  $("user-id").textContent = state.userId;
}

function selectUser(userId) {
  state.userId = userId;
  state.since = 0;
  state.lastBot = null;
  state.generation += 1;
  removeLoading();
  localStorage.setItem("sim.user", userId);
  $("chat").replaceChildren();
  $("quick").replaceChildren();
  renderUsers();
  poll();
}

// ---- sending ---------------------------------------------------------------------

async function send(payload) {
  $("quick").replaceChildren();
  try {
    await api("/sim/api/send", { user_id: state.userId, ...payload });
  } catch (error) {
    console.warn("send failed", error);
  }
  await poll();
}

function runAction(action) {
  switch (action.type) {
    case "message": return send({ type: "text", text: action.text });
    case "postback": return send({ type: "postback", data: action.data, display_text: action.displayText || action.text });
    case "location": return openLocation();
    case "camera": case "cameraRoll": return send({ type: "image" });
    case "datetimepicker": return openDatetime(action);
    case "clipboard": return navigator.clipboard?.writeText(action.clipboardText || "");
    default: return undefined;
  }
}

const SAFE_URI = /^(https?:|tel:|line:|mailto:)/i;

function actionControl(action) {
  const label = action.label || action.text || action.type;
  if (action.type === "uri") {
    const uri = String(action.uri || "");
    const isTel = uri.startsWith("tel:");
    const text = isTel ? `📞 ${t("call")} ${uri.slice(4)}` : `🔗 ${label}`;
    return el("a", { href: SAFE_URI.test(uri) ? uri : "#", target: isTel ? "_self" : "_blank", rel: "noopener", title: uri }, text);
  }
  const icon = action.type === "location" ? "📍 " : action.type.startsWith("camera") ? "📷 " : "";
  return el("button", { type: "button", onclick: () => runAction(action) }, icon + label);
}

// ---- rendering -------------------------------------------------------------------

function clock(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString(state.lang === "th" ? "th-TH" : "en-GB",
    { hour: "2-digit", minute: "2-digit" });
}

function textBubble(text) {
  return el("div", { class: "bubble" }, text);
}

function renderUserMessage(message) {
  if (message.type === "location") {
    const lines = [`📍 ${message.title || ""}`.trim(), message.address, `${message.latitude}, ${message.longitude}`];
    return textBubble(lines.filter(Boolean).join("\n"));
  }
  if (message.type === "sticker") return textBubble(t("stickerSent"));
  if (message.type === "image") return textBubble(t("imageSent"));
  return textBubble(message.text);
}

function card(title, text, actions, layout = "") {
  return el("div", { class: "card" },
    el("div", { class: "card-body" }, title ? el("div", { class: "card-title" }, title) : null, text || ""),
    actions && actions.length ? el("div", { class: `actions ${layout}` }, ...actions.map(actionControl)) : null);
}

function renderTemplate(message) {
  const tpl = message.template || {};
  if (tpl.type === "confirm") return card("", tpl.text, tpl.actions, "confirm");
  if (tpl.type === "buttons") return card(tpl.title, tpl.text, tpl.actions);
  if (tpl.type === "carousel") {
    return el("div", { class: "carousel" }, ...(tpl.columns || []).map((c) => card(c.title, c.text, c.actions)));
  }
  return card("", message.altText, []);
}

// Flex: boxes, texts, buttons, separators and images drawn close to how LINE lays them out.
const FLEX_SIZES = { xxs: 11, xs: 12, sm: 13, md: 14, lg: 16, xl: 18, xxl: 22, "3xl": 26, "4xl": 32, "5xl": 40 };
const FLEX_SPACING = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };

function flexStyle(node, parentLayout) {
  const style = [];
  if (node.flex !== undefined && parentLayout !== "vertical") style.push(`flex:${node.flex} 1 0`);
  if (node.margin) style.push(`margin-${parentLayout === "vertical" ? "top" : "left"}:${FLEX_SPACING[node.margin] ?? 0}px`);
  if (node.backgroundColor) style.push(`background:${node.backgroundColor}`);
  if (node.paddingAll) style.push(`padding:${FLEX_SPACING[node.paddingAll] ?? node.paddingAll}`);
  return style.join(";");
}

function flexNode(node, parentLayout = "vertical") {
  if (!node || typeof node !== "object") return null;
  switch (node.type) {
    case "box": return flexBox(node, parentLayout);
    case "text": return flexText(node, parentLayout);
    case "button": return flexButton(node, parentLayout);
    case "separator": return el("hr", { class: "fx-separator", style: flexStyle(node, parentLayout) });
    case "spacer": return el("div", { class: "fx-spacer" });
    case "image": return el("img", { class: "fx-image", src: node.url || "", alt: "", style: flexStyle(node, parentLayout) });
    case "icon": return el("img", { class: "fx-icon", src: node.url || "", alt: "" });
    default: return null;
  }
}

function flexBox(node, parentLayout) {
  const layout = node.layout || "vertical";
  const gap = FLEX_SPACING[node.spacing] ?? 0;
  const box = el("div", { class: `fx-box fx-${layout}`, style: `${flexStyle(node, parentLayout)};gap:${gap}px` },
    ...(node.contents || []).map((child) => flexNode(child, layout)));
  if (node.action) box.addEventListener("click", () => runAction(node.action));
  return box;
}

function flexText(node, parentLayout) {
  const text = node.text || (node.contents || []).map((span) => span.text || "").join("");
  const style = [flexStyle(node, parentLayout), `font-size:${FLEX_SIZES[node.size] ?? 14}px`];
  if (node.color) style.push(`color:${node.color}`);
  if (node.weight === "bold") style.push("font-weight:700");
  if (node.align) style.push(`text-align:${node.align === "start" ? "left" : node.align === "end" ? "right" : "center"}`);
  return el("div", { class: `fx-text${node.wrap ? " fx-wrap" : ""}`, style: style.join(";") }, text);
}

function flexButton(node, parentLayout) {
  const styleName = node.style || "link";
  const control = actionControl(node.action || {});
  control.classList.add("fx-button", `fx-${styleName}`);
  if (node.height === "sm") control.classList.add("fx-sm");
  if (node.color) control.style[styleName === "link" ? "color" : "background"] = node.color;
  const style = flexStyle(node, parentLayout);
  if (style) control.setAttribute("style", `${control.getAttribute("style") || ""};${style}`);
  return control;
}

function flexBubble(bubble) {
  const sections = ["header", "hero", "body", "footer"].map((key) => {
    const part = bubble[key];
    if (!part) return null;
    const background = bubble.styles?.[key]?.backgroundColor || part.backgroundColor;
    return el("div", { class: `fx-${key}`, style: background ? `background:${background}` : "" }, flexNode(part));
  });
  return el("div", { class: "card fx-bubble" }, ...sections);
}

function renderFlex(message) {
  const contents = message.contents || {};
  const bubble = contents.type === "carousel"
    ? el("div", { class: "carousel" }, ...(contents.contents || []).map(flexBubble))
    : flexBubble(contents);
  bubble.dataset.altText = message.altText || "";
  bubble.title = `altText: ${message.altText || ""}`;
  return bubble;
}

function renderBotMessage(message) {
  switch (message.type) {
    case "text": return textBubble(message.text);
    case "template": return renderTemplate(message);
    case "flex": return renderFlex(message);
    case "sticker": return textBubble(t("stickerSent"));
    case "image": return el("div", { class: "bubble" }, el("a", { href: message.originalContentUrl, target: "_blank" }, t("imageSent")));
    case "location": return textBubble(`📍 ${message.title}\n${message.address}\n${message.latitude}, ${message.longitude}`);
    default: return textBubble(`[${message.type}] ${message.altText || ""}`);
  }
}

function systemRow(message) {
  let text = message.text === "follow" ? t("followed") : message.text === "unfollow" ? t("unfollowed") : message.text;
  let cls = "system-note";
  if (message.type === "error") {
    text = message.status ? `${t("httpError")} ${message.status}` : t("unreachable");
    cls += " error";
  }
  return el("div", { class: "row system" }, el("span", { class: cls }, text));
}

function renderEntry(entry) {
  if (entry.from === "system" || entry.message.type === "system") return systemRow(entry.message);
  if (entry.from === "user") {
    return el("div", { class: "row user" }, el("span", { class: "time" }, clock(entry.at)), renderUserMessage(entry.message));
  }
  return el("div", { class: "row bot" }, el("span", { class: "avatar bot-avatar" }, "พม."),
    renderBotMessage(entry.message),
    el("span", {}, el("div", { class: "time" }, clock(entry.at)), el("div", { class: "via" }, t("via")[entry.via] || entry.via)));
}

function showLoading(entry) {
  removeLoading();
  const row = el("div", { class: "row bot", id: "loading-row" }, el("span", { class: "avatar bot-avatar" }, "พม."),
    el("div", { class: "bubble loading-dots" }, el("span", {}, "•"), el("span", {}, "•"), el("span", {}, "•")));
  $("chat").append(row);
  // Replayed history (another citizen, a reload) may hold an animation that is already over;
  // each row removes only itself, so an earlier timer cannot cut a later animation short.
  const age = Date.now() / 1000 - entry.at;
  const left = (entry.message.seconds || 5) - Math.max(0, age);
  if (left <= 0) { row.remove(); return; }
  setTimeout(() => row.remove(), left * 1000);
}

function removeLoading() {
  $("loading-row")?.remove();
}

function renderQuickReply() {
  const quick = $("quick");
  quick.replaceChildren();
  const items = state.lastBot?.quickReply?.items || [];
  for (const item of items) quick.append(actionControl(item.action));
}

function appendEntries(entries) {
  const chat = $("chat");
  for (const entry of entries) {
    if (entry.from === "loading") { showLoading(entry); continue; }
    if (entry.from === "bot") removeLoading();
    chat.append(renderEntry(entry));
    state.lastBot = entry.from === "bot" ? entry.message : null;
  }
  if (entries.length) {
    renderQuickReply();
    chat.scrollTop = chat.scrollHeight;
  }
}

function staffQuickReply(message) {
  const items = message.quickReply?.items || [];
  if (!items.length) return null;
  return el("div", { class: "note-quick", title: t("staffOnly") },
    ...items.map((item) => el("span", {}, item.action?.label || item.action?.type || "")));
}

function appendNotes(entries) {
  const notes = $("notes");
  if (entries.length) notes.querySelector(".empty")?.remove();
  for (const entry of entries) {
    const note = el("div", { class: "note" },
      el("div", { class: "note-head" }, el("code", {}, entry.chat), el("span", {}, `${t("via")[entry.via] || entry.via} · ${clock(entry.at)}`)),
      el("div", { class: "row" }, renderBotMessage(entry.message)),
      staffQuickReply(entry.message));
    notes.prepend(note);
  }
}

// ---- rich menu -------------------------------------------------------------------

function richMenuArea(area, size) {
  const b = area.bounds;
  const pct = (value, whole) => `${(value / whole) * 100}%`;
  const style = `left:${pct(b.x, size.width)};top:${pct(b.y, size.height)};`
    + `width:${pct(b.width, size.width)};height:${pct(b.height, size.height)}`;
  const action = area.action || {};
  const label = action.label || action.text || action.type;
  if (action.type === "uri") {
    const uri = String(action.uri || "");
    return el("a", { class: "richmenu-area", style, href: SAFE_URI.test(uri) ? uri : "#", title: `${label} (${uri})`,
      "aria-label": label, "data-label": label });
  }
  return el("button", { type: "button", class: "richmenu-area", style, title: label, "aria-label": label,
    "data-label": label, onclick: () => runAction(action) });
}

function renderRichMenu(menu, image) {
  const box = $("richmenu");
  box.hidden = !menu;
  if (!menu) return;
  const panel = $("richmenu-panel");
  panel.style.aspectRatio = `${menu.size.width} / ${menu.size.height}`;
  panel.replaceChildren(el("img", { src: image, alt: "" }), ...menu.areas.map((area) => richMenuArea(area, menu.size)));
  panel.hidden = !menu.selected;
  $("richmenu-bar").textContent = `${menu.chatBarText} ${panel.hidden ? "▴" : "▾"}`;
  $("richmenu-bar").setAttribute("aria-expanded", String(!panel.hidden));
}

async function loadRichMenu() {
  const info = await api("/sim/api/richmenu");
  const id = info.menu?.richMenuId || "";
  if (id === state.richMenuId) return;
  state.richMenuId = id;
  renderRichMenu(info.menu, info.image);
}

function toggleRichMenu() {
  const panel = $("richmenu-panel");
  panel.hidden = !panel.hidden;
  $("richmenu-bar").textContent = $("richmenu-bar").textContent.replace(/[▴▾]$/, panel.hidden ? "▴" : "▾");
  $("richmenu-bar").setAttribute("aria-expanded", String(!panel.hidden));
}

// ---- polling ---------------------------------------------------------------------

let polling = false;

async function poll() {
  if (polling || !state.userId) return;
  polling = true;
  try {
    // When the view is reset (another citizen, cleared, new language) while a request is under
    // way, its answer belongs to the old view: ask again from the new starting point.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const generation = state.generation;
      const chat = await api(`/sim/api/messages?user_id=${encodeURIComponent(state.userId)}&since=${state.since}`);
      if (generation !== state.generation) continue;
      appendEntries(chat.entries);
      if (chat.entries.length) state.since = chat.entries[chat.entries.length - 1].seq;
      break;
    }
    const notesSince = state.notesSince;
    const notes = await api(`/sim/api/notifications?since=${notesSince}`);
    if (notesSince === state.notesSince) {
      appendNotes(notes.entries);
      if (notes.entries.length) state.notesSince = notes.entries[notes.entries.length - 1].seq;
    }
    await loadRichMenu();
  } catch (error) {
    console.warn("poll failed", error);
  } finally {
    polling = false;
  }
}

// ---- dialogs ---------------------------------------------------------------------

function openLocation() {
  const presets = $("presets");
  presets.replaceChildren(...PRESETS.map((place) => el("button", { type: "button", onclick: () => fillLocation(place) },
    place.title, el("small", {}, `${place.address} · ${place.latitude}, ${place.longitude}`))));
  $("location-dialog").returnValue = "";
  $("location-dialog").showModal();
}

function fillLocation(place) {
  const form = $("location-form");
  for (const key of ["latitude", "longitude", "title", "address"]) form.elements[key].value = place[key];
}

function submitLocation() {
  if ($("location-dialog").returnValue !== "send") return;
  const form = $("location-form").elements;
  send({ type: "location", latitude: form.latitude.value, longitude: form.longitude.value,
    title: form.title.value, address: form.address.value });
}

function openDatetime(action) {
  const input = $("datetime-input");
  input.type = { date: "date", time: "time" }[action.mode] || "datetime-local";
  input.value = action.initial || "";
  state.pendingDatetime = action;
  $("datetime-dialog").returnValue = "";
  $("datetime-dialog").showModal();
}

function submitDatetime() {
  const action = state.pendingDatetime;
  if ($("datetime-dialog").returnValue !== "send" || !action) return;
  const mode = action.mode || "datetime";
  const value = $("datetime-input").value;
  send({ type: "postback", data: action.data, params: { [mode]: value }, display_text: value });
}

// ---- wiring ----------------------------------------------------------------------

function runTool(tool) {
  if (tool === "location") return openLocation();
  if (tool === "clear") {
    return api("/sim/api/clear", { user_id: state.userId }).then(() => selectUser(state.userId));
  }
  return send({ type: tool });
}

async function start() {
  const info = await api("/sim/api/users");
  state.users = info.users;
  $("callback").textContent = info.callback_url;
  $("bot-name").textContent = info.bot.displayName;
  if (!state.users.some((u) => u.user_id === state.userId)) state.userId = state.users[0].user_id;
  resetNotes();
  applyLanguage();
  selectUser(state.userId);
  setInterval(poll, 1000);
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("text");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  send({ type: "text", text });
});
document.querySelectorAll("[data-tool]").forEach((button) => {
  button.addEventListener("click", () => runTool(button.dataset.tool));
});
$("lang").addEventListener("click", () => {
  state.lang = state.lang === "th" ? "en" : "th";
  localStorage.setItem("sim.lang", state.lang);
  applyLanguage();
  resetNotes();
  selectUser(state.userId);   // redraw the chat and the staff panel in the new language
});
$("richmenu-bar").addEventListener("click", toggleRichMenu);
$("outage").addEventListener("change", (event) => api("/sim/api/down", { down: event.target.checked }));
$("location-dialog").addEventListener("close", submitLocation);
$("datetime-dialog").addEventListener("close", submitDatetime);
start();
