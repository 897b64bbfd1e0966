// The trainers' review inbox, read-only: GET /api/review (handoff.desk.review).
//
// Opened from the Insights page as /desk/review.html#<review_id> (or
// ?conversation=<review_id>): only the groups holding that conversation's
// messages are shown. Without an id, the whole inbox, a page at a time.
// Signed in through the desk's page (/desk): the session cookie comes along
// with fetch (credentials: "same-origin"); this page changes nothing, so it
// needs no CSRF token. All text from the API goes in with textContent.
// The page's own words are the desk's (i18n.js), in the language chosen there;
// what the server writes about the inbox (its state, the next step) is English.

import { fillLanguagePicker, t, translatePage, uiLanguage } from "./i18n.js";

const PAGE_SIZE = 50;
const REASONS = ["fallback", "low_confidence", "rephrased", "handoff"];

const state = { offset: 0 };

const $ = (id) => document.getElementById(id);

function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") element.className = value;
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// `make review` in the server's words becomes <code>make review</code>.
function withCode(text) {
  return String(text).split("`").map((part, i) => (i % 2 ? h("code", {}, part) : part));
}

function show(id) {
  for (const view of ["loading", "signed-out-view", "forbidden-view", "review-view"]) {
    $(view).hidden = view !== id;
  }
}

// The review id asked for: the fragment (what the Insights page links to), else ?conversation=.
function wanted() {
  const fragment = location.hash.slice(1);
  if (fragment) {
    try {
      return decodeURIComponent(fragment).trim() || null;
    } catch {
      return fragment.trim() || null;
    }
  }
  return new URLSearchParams(location.search).get("conversation")?.trim() || null;
}

async function api(path) {
  const response = await fetch(path, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { status: response.status, body };
}

function percent(value) {
  return value === null || value === undefined ? t("review.unknown") : `${Math.round(value * 100)}%`;
}

function label(group) {
  if (group.discard) return t("review.discarded");
  if (group.intent) return t("review.labelled", { intent: group.intent });
  return t("review.notLabelled");
}

function groupCard(group, conversation) {
  const reasons = group.why.map((why) => (REASONS.includes(why) ? t(`review.why.${why}`) : why)).join(" · ");
  const others = group.conversation_count - group.conversations.length;
  const chips = group.conversations.map((id) =>
    h("span", { class: id === conversation ? "chip unread" : "chip" }, id));
  return h("li", { class: conversation ? "card is-new" : "card" },
    h("div", { class: "card-head" },
      h("p", { class: "card-link" }, `“${group.text}”`),
      h("span", { class: "chip" }, group.count === null ? "" : `${group.count}×`)),
    h("p", {}, t("review.understood"),
      h("strong", {}, group.predicted || t("review.nothing")),
      t("review.confidence", { confidence: percent(group.confidence) })),
    reasons ? h("p", { class: "reasons" }, t("review.whyHere", { reasons })) : null,
    group.variants.length
      ? h("p", { class: "summary" }, t("review.alsoSaid"), group.variants.map((v) => `“${v}”`).join(", "))
      : null,
    h("p", { class: "summary" }, label(group)),
    h("div", { class: "summary" }, t("review.conversations"),
      h("span", { class: "chips" }, chips),
      others > 0 ? t("review.more", { count: others }) : null),
    h("p", { class: "summary" },
      t("review.item", { index: group.index, line: group.line }) +
      (group.last_seen ? t("review.lastSeen", { when: group.last_seen }) : ".")),
  );
}

function render(data, conversation) {
  $("review-status").textContent = conversation
    ? (data.total
      ? t("review.groupsOf", { total: data.total, conversation })
      : t("review.noneOf", { conversation }))
    : data.message;
  if (conversation && data.state !== "ready") $("review-status").textContent = data.message;
  $("review-error").textContent = data.state === "malformed" || data.state === "too_large"
    ? data.message : "";
  $("next-step").replaceChildren(...withCode(data.next_step));
  $("show-all").hidden = !conversation;
  $("groups").replaceChildren(...data.groups.map((group) => groupCard(group, conversation)));
  const empty = data.groups.length === 0;
  $("groups-empty").hidden = !empty;
  $("groups-empty").textContent = data.state === "ready" && !conversation ? t("review.empty") : "";
  if (empty && data.state !== "ready") $("groups-empty").hidden = true;
  const paged = !conversation && data.total > data.limit;
  $("pager").hidden = !paged;
  if (paged) {
    const last = Math.min(data.offset + data.groups.length, data.total);
    $("page-info").textContent = ` ${t("review.page", { first: data.offset + 1, last, total: data.total })} `;
    $("previous-page").disabled = data.offset === 0;
    $("next-page").disabled = last >= data.total;
  }
  $("review-source").textContent = data.updated_at
    ? t("review.fromWritten", { path: data.path, when: new Date(data.updated_at).toLocaleString(uiLanguage()) })
    : t("review.from", { path: data.path });
}

async function load() {
  const conversation = wanted();
  $("conversation").value = conversation || "";
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (conversation) query.set("conversation", conversation);
  else query.set("offset", String(state.offset));
  const { status, body } = await api(`/api/review?${query}`);
  if (status === 401) {
    show("signed-out-view");
    return;
  }
  if (status === 403) {
    show("forbidden-view");
    return;
  }
  show("review-view");
  if (status !== 200 || !body) {
    $("review-error").textContent = (body && body.detail) || t("review.unreadable", { status });
    return;
  }
  render(body, conversation);
}

async function start() {
  const me = await api("/api/me");
  if (me.status === 200 && me.body) {
    $("who").textContent = t("who", { name: me.body.name, role: t(`role.${me.body.role}`) });
  }
  $("filter-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("conversation").value.trim();
    state.offset = 0;
    const hash = value ? `#${encodeURIComponent(value)}` : "";
    if (location.hash === hash || (!hash && !location.hash)) load();
    else location.hash = hash;
  });
  $("previous-page").addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - PAGE_SIZE);
    load();
  });
  $("next-page").addEventListener("click", () => {
    state.offset += PAGE_SIZE;
    load();
  });
  window.addEventListener("hashchange", () => {
    state.offset = 0;
    load();
  });
  await load();
}

translatePage();
fillLanguagePicker($("ui-language"), () => load());

start().catch((error) => {
  show("review-view");
  $("review-error").textContent = t("review.failed", { problem: error.message });
});
