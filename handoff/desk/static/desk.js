// The agent desk: plain modules (this one, routing.js, i18n.js), no framework, no build step.
//
// Everything comes from the handoff service's JSON API, called with the
// session cookie (credentials: "same-origin") and the CSRF token in a header
// on every change; live updates come from its event stream (/api/events)
// through an EventSource, which resumes with Last-Event-ID by itself.
// All text from the API is put into the page with textContent, never as HTML.
// Every word of the desk's own comes from i18n.js (t), in English or Spanish;
// skills routing (status, offers, queues) is routing.js.

import {
  fillLanguagePicker, languageName, t, translatePage, uiLanguage,
} from "./i18n.js";
import * as routing from "./routing.js";

const CHANNEL_NAMES = { sms: "SMS", telegram: "Telegram", messenger: "Messenger", whatsapp: "WhatsApp" };
// Conversation records name channels as Rasa's input channels do: ours by their names, and Rasa's own SMS and Messenger channels by theirs.
const RECORD_CHANNEL_NAMES = { sms: "SMS", messenger: "Messenger", whatsapp: "WhatsApp", twilio: "SMS", facebook: "Messenger", rest: "Web" };
const OUTCOMES = ["resolved", "handed_off", "abandoned", "opted_out", "ongoing"];
const DELIVERIES = ["pending", "sent", "failed"];
// Seven distinct colours with 3:1 contrast on white; further reasons share "Other" (grey).
const CHART_COLOURS = ["#0b5cad", "#b3261e", "#1e7b34", "#8a4baf", "#9a5800", "#00768a", "#c2185b"];
const OTHER_COLOUR = "#595959";
const STATS_REFRESH_MS = 30000;
const NEW_HIGHLIGHT_MS = 8000;

const state = {
  me: null, // {name, role}
  csrf: null,
  sla: { amber_s: 120, red_s: 300 },
  clockOffsetMs: 0, // server time minus this browser's time
  channels: { channels: {}, default_max_length: 1600 },
  canned: [], // those for the open conversation's language
  cannedByLanguage: new Map(),
  offers: new Map(), // handoffs offered to me, by id (routing.js)
  routing: null, // GET /api/agents/routing
  sending: false,
  agents: [],
  waiting: new Map(),
  active: new Map(),
  unread: new Set(),
  current: null, // the handoff open in the conversation view, with its transcript
  source: null,
  buffering: null, // events received while the lists load, replayed after
  ticker: null,
  statsTimer: null,
  statsDebounce: null,
  audio: null,
};

// -- small helpers ---------------------------------------------------------------------

const $ = (id) => document.getElementById(id);

function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "text") element.textContent = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  for (const child of children) {
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const isSupervisor = () => state.me && state.me.role === "supervisor";
const serverNow = () => Date.now() + state.clockOffsetMs;
const channelName = (channel) => CHANNEL_NAMES[channel] || channel;
const humanize = (word) => {
  const text = String(word).replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
};

function duration(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

function roughDuration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function clock(iso, options = {}) {
  const when = new Date(iso);
  const sameDay = when.toDateString() === new Date(serverNow()).toDateString();
  const time = when.toLocaleTimeString(uiLanguage(), { hour: "2-digit", minute: "2-digit", ...options });
  return sameDay ? time : `${when.toLocaleDateString(uiLanguage(), { month: "short", day: "numeric" })} ${time}`;
}

function customerLabel(handoff) {
  const customer = handoff.customer || {};
  return customer.name || customer.phone || customer.username || handoff.customer_id;
}

function orderNumber(handoff) {
  const summary = handoff.summary || {};
  return summary.order_number || summary.order_id || null;
}

function announce(text) {
  const announcer = $("announcer");
  announcer.textContent = "";
  // A fresh text node after a tick, so that screen readers read it even when repeated.
  setTimeout(() => { announcer.textContent = text; }, 50);
}

function beep() {
  if (!$("sound").checked) return;
  try {
    state.audio = state.audio || new AudioContext();
    const context = state.audio;
    const tone = context.createOscillator();
    const gain = context.createGain();
    tone.frequency.value = 660;
    gain.gain.setValueAtTime(0.04, context.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, context.currentTime + 0.2);
    tone.connect(gain).connect(context.destination);
    tone.start();
    tone.stop(context.currentTime + 0.2);
  } catch (error) {
    console.warn("no sound:", error);
  }
}

function updateBadge() {
  const count = state.waiting.size + state.unread.size;
  document.title = count ? `(${count}) ${t("title")}` : t("title");
}

// -- the API -------------------------------------------------------------------------

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    return { status: 0, data: { error: "network", detail: t("error.network") } };
  }
  let data = {};
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch (error) {
      data = { error: "bad response", detail: t("error.badResponse", { status: response.status }) };
    }
  }
  if (response.status === 401 && path !== "/api/session" && state.me) {
    signedOut(t("signIn.ended"));
  }
  return { status: response.status, data };
}

const problem = (result) =>
  (result.data && (result.data.detail || result.data.error)) || t("error.status", { status: result.status });

// -- signing in and out ----------------------------------------------------------------

function showOnly(viewId) {
  for (const view of document.querySelectorAll(".view")) view.hidden = view.id !== viewId;
  $("loading").hidden = true;
}

function showSignIn(note = "") {
  $("top").hidden = true;
  showOnly("sign-in-view");
  $("sign-in-note").textContent = note;
  $("sign-in-error").textContent = "";
  $("sign-in-name").focus();
}

function signedOut(note) {
  if (state.source) state.source.close();
  clearInterval(state.ticker);
  clearInterval(state.statsTimer);
  Object.assign(state, {
    me: null, csrf: null, source: null, current: null, buffering: null, routing: null,
  });
  state.offers.clear();
  $("offers").hidden = true;
  state.waiting.clear();
  state.active.clear();
  state.unread.clear();
  updateBadge();
  showSignIn(note);
}

async function signIn(event) {
  event.preventDefault();
  const name = $("sign-in-name").value.trim();
  const password = $("sign-in-password").value;
  const error = $("sign-in-error");
  if (!name || !password) {
    error.textContent = t("signIn.missing");
    return;
  }
  $("sign-in-submit").disabled = true;
  const result = await api("POST", "/api/session", { name, password });
  $("sign-in-submit").disabled = false;
  if (result.status !== 200) {
    error.textContent =
      result.status === 401 ? t("signIn.wrong") : t("signIn.failed", { problem: problem(result) });
    $("sign-in-password").select();
    return;
  }
  $("sign-in-password").value = "";
  await start();
}

async function signOut() {
  await api("DELETE", "/api/session");
  signedOut(t("signIn.signedOut"));
}

// -- start-up ----------------------------------------------------------------------------

async function start() {
  const me = await api("GET", "/api/me");
  if (me.status !== 200) {
    showSignIn(me.status === 401 ? "" : t("start.failed", { problem: problem(me) }));
    return;
  }
  state.me = { name: me.data.name, role: me.data.role };
  state.csrf = me.data.csrf_token;
  state.sla = me.data.sla;
  state.clockOffsetMs = Date.parse(me.data.server_time) - Date.now();
  state.cannedByLanguage.clear();
  const [channels, agents] = await Promise.all([
    api("GET", "/api/channels"),
    api("GET", "/api/agents"),
    routing.loadMyState(),
  ]);
  if (channels.status === 200) state.channels = channels.data;
  if (agents.status === 200) state.agents = agents.data.agents;

  $("nav-supervisor").hidden = !isSupervisor();
  $("nav-insights").hidden = !isSupervisor();
  renderChrome();
  $("top").hidden = false;
  clearInterval(state.ticker);
  state.ticker = setInterval(tick, 1000);
  connect();
  await route();
}

// The parts of the header and the queue made from data, in the interface's language.
function renderChrome() {
  if (!state.me) return;
  $("who").textContent = t("who", { name: state.me.name, role: t(`role.${state.me.role}`) });
  $("active-label").textContent = isSupervisor() ? t("queue.active") : t("queue.mine");
  $("sla-hint").textContent = t("queue.hint", {
    amber: roughDuration(state.sla.amber_s), red: roughDuration(state.sla.red_s),
  });
}

// The interface's language changed: everything built from data is built again.
function relabel() {
  updateBadge();
  if (!state.me) return;
  renderChrome();
  renderLists();
  routing.renderOffers(true);
  if (state.current && !$("conversation-view").hidden) {
    renderConversation();
    $("transcript").replaceChildren();
    for (const message of state.current.transcript) upsertMessage(message, false);
    renderCanned();
    loadHistory();
  }
  if (!$("supervisor-view").hidden) loadStats();
  if (!$("insights-view").hidden) loadInsights();
}

// -- the lists and the live stream -----------------------------------------------------------

async function loadLists() {
  state.buffering = [];
  const [waiting, assigned] = await Promise.all([
    api("GET", "/api/handoffs?status=waiting&limit=500"),
    api("GET", "/api/handoffs?status=assigned&limit=500"),
  ]);
  if (!state.me) return;
  if (waiting.status === 200 && assigned.status === 200) {
    state.waiting.clear();
    state.active.clear();
    for (const handoff of [...waiting.data.handoffs, ...assigned.data.handoffs]) {
      place(handoff);
    }
  }
  // Each event carries the whole handoff after the change, so replaying those
  // that arrived during the load, in order, leaves every handoff as it is now.
  const replay = state.buffering || [];
  state.buffering = null;
  for (const [type, data] of replay) apply(type, data, false);
  renderLists();
}

function place(handoff) {
  state.waiting.delete(handoff.id);
  state.active.delete(handoff.id);
  if (handoff.status === "waiting") {
    state.waiting.set(handoff.id, handoff);
  } else if (
    handoff.status === "assigned" &&
    (isSupervisor() || handoff.assigned_to === state.me.name)
  ) {
    state.active.set(handoff.id, handoff);
  }
  if (!state.active.has(handoff.id)) state.unread.delete(handoff.id);
  return routing.trackOffer(handoff);
}

function connect() {
  if (state.source) state.source.close();
  const source = new EventSource("/api/events");
  state.source = source;
  let first = true;
  source.addEventListener("open", () => {
    // The first time, and after the browser gave up and we made a new
    // stream, events may have been missed: load the lists afresh.
    if (first) {
      first = false;
      loadLists();
    }
  });
  const types = [
    "handoff.created", "handoff.assigned", "handoff.closed", "handoff.overdue",
    "handoff.offered", "handoff.offer_ended", "handoff.awaiting_skill",
    "message.created", "message.updated",
  ];
  for (const type of types) {
    source.addEventListener(type, (event) => receive(type, JSON.parse(event.data)));
  }
  source.addEventListener("stream.reset", () => {
    loadLists();
    if (state.current) openConversation(state.current.id, false);
  });
  source.addEventListener("error", () => {
    if (source.readyState !== EventSource.CLOSED || state.source !== source) return;
    // The browser retries by itself unless the server refused the stream
    // (401 after the session ended): find out which, then start again.
    setTimeout(async () => {
      if (state.source !== source) return;
      const me = await api("GET", "/api/me");
      if (me.status === 200) {
        connect();
        if (state.current) openConversation(state.current.id, false);
      }
    }, 3000);
  });
}

function receive(type, data) {
  if (state.buffering) state.buffering.push([type, data]);
  apply(type, data, true);
}

function apply(type, data, live) {
  if (type === "message.created") {
    messageArrived(data.handoff_id, data.message, live);
    return;
  }
  if (type === "message.updated") {
    // A reply's delivery state changed (pending -> sent or failed).
    if (state.current && state.current.id === data.handoff_id) upsertMessage(data.message, false);
    return;
  }
  if (type === "handoff.overdue") {
    overdue(data, live);
    return;
  }
  if (type === "handoff.awaiting_skill") {
    awaitingSkill(data, live);
    return;
  }
  const handoff = data.handoff;
  const { transcript, ...fields } = handoff;
  const isNew = type === "handoff.created" && live && !state.waiting.has(handoff.id);
  const wasOffered = state.offers.has(fields.id);
  const offered = place(fields);
  if (offered && live) routing.announceOffer(fields);
  if (wasOffered && live && type === "handoff.offer_ended" && !state.offers.has(fields.id)) {
    routing.offerEnded(fields, data.outcome);
  }
  if (isNew && fields.status === "waiting") {
    fields.arrivedLive = Date.now();
    announce(t("announce.new", {
      customer: customerLabel(fields),
      channel: channelName(fields.channel),
      reasons: fields.reasons.map(humanize).join(", ") || t("announce.noReason"),
    }));
    beep();
  }
  if (state.current && state.current.id === handoff.id) {
    // The window is the detail's (GET /api/handoffs/<id>); events do not carry it.
    state.current = {
      ...fields, transcript: state.current.transcript, window_closes_at: state.current.window_closes_at,
    };
    renderConversation();
  }
  renderLists();
  scheduleStats();
}

function overdue(data, live) {
  // Nobody picked the handoff up in time: the service told the customer to
  // hold on; supervisors are alerted here.
  const handoff = state.waiting.get(data.handoff_id);
  if (!handoff) return;
  handoff.pickup_notified_at = handoff.pickup_notified_at || new Date(serverNow()).toISOString();
  renderLists();
  if (live && isSupervisor()) {
    announce(t("announce.overdue", { customer: customerLabel(handoff), waited: roughDuration(data.waited_s) }));
    beep();
  }
}

function awaitingSkill(data, live) {
  // Nobody available has the skills: the customer was told; supervisors can staff the queue.
  scheduleStats();
  if (!live || !isSupervisor()) return;
  announce(t("announce.awaitingSkill", {
    id: data.handoff_id,
    language: languageName(data.language),
    skills: (data.skills || []).map(humanize).join(", ") || t("announce.noSkills"),
  }));
}

function messageArrived(handoffId, message, live) {
  if (state.current && state.current.id === handoffId) {
    upsertMessage(message);
  } else if (live && message.role === "customer" && state.active.has(handoffId)) {
    if (!state.unread.has(handoffId)) {
      state.unread.add(handoffId);
      announce(t("announce.message", { customer: customerLabel(state.active.get(handoffId)) }));
      beep();
      renderLists();
    }
  }
  if (message.role === "customer") {
    const handoff = state.waiting.get(handoffId) || state.active.get(handoffId);
    if (handoff) handoff.last_customer_message_at = message.timestamp;
    const current = state.current;
    if (current && current.id === handoffId && current.window_closes_at) {
      // The customer wrote: WhatsApp's window opens again for 24 hours, as
      // the service counts it (handoff.desk.window) from this message's time.
      const reopened = Date.parse(message.timestamp) + 24 * 3600 * 1000;
      if (reopened > Date.parse(current.window_closes_at)) {
        current.window_closes_at = new Date(reopened).toISOString();
        renderWindow();
      }
    }
  }
}

// -- rendering the queue ---------------------------------------------------------------------

function queueOrder(a, b) {
  return a.priority - b.priority || Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id;
}

function card(handoff, kind) {
  const reasons = handoff.reasons.map(humanize).join(" · ") || t("card.noReason");
  const order = orderNumber(handoff);
  const summary = handoff.summary || {};
  const details = [
    order && t("card.order", { order }),
    summary.email && summary.email,
    summary.intents && summary.intents.length &&
      t("card.askedAbout", { intents: summary.intents.map(humanize).join(", ") }),
  ].filter(Boolean);
  const unread = state.unread.has(handoff.id);
  const fresh = handoff.arrivedLive && Date.now() - handoff.arrivedLive < NEW_HIGHLIGHT_MS;
  return h(
    "li",
    { class: `card${fresh ? " is-new" : ""}${unread ? " is-unread" : ""}`, dataset: { id: handoff.id } },
    h(
      "p",
      { class: "card-head" },
      h("a", { href: `#/handoffs/${handoff.id}`, class: "card-link" }, customerLabel(handoff)),
      kind === "waiting"
        ? h("span", { class: "timer", dataset: { since: handoff.created_at } }, "")
        : h("span", { class: "held-by" },
            handoff.assigned_to === state.me.name ? t("card.withYou") : t("card.with", { name: handoff.assigned_to })),
    ),
    h(
      "p",
      { class: "chips" },
      h("span", { class: "chip" }, channelName(handoff.channel)),
      languageChip(handoff),
      h("span", { class: `chip priority-${handoff.priority}` }, t("card.priority", { priority: handoff.priority })),
      h("span", { class: "chip" }, t("card.anger", { anger: Math.round(handoff.anger * 100) })),
      unread ? h("span", { class: "chip unread" }, t("card.newMessage")) : null,
      kind === "waiting" && handoff.pickup_notified_at
        ? h("span", { class: "chip overdue" }, t("card.overdue"))
        : null,
    ),
    h("p", { class: "reasons" }, reasons),
    details.length ? h("p", { class: "summary" }, details.join(" · ")) : null,
  );
}

function languageChip(handoff) {
  const label = t("card.language", { language: languageName(handoff.language) });
  return h("span", { class: "chip language", title: label },
    h("span", { class: "visually-hidden" }, `${label}: `), String(handoff.language || "").toUpperCase());
}

function renderLists() {
  const waiting = [...state.waiting.values()].sort(queueOrder);
  const active = [...state.active.values()].sort((a, b) =>
    (b.assigned_at || "").localeCompare(a.assigned_at || ""),
  );
  $("queue").replaceChildren(...waiting.map((handoff) => card(handoff, "waiting")));
  $("active").replaceChildren(...active.map((handoff) => card(handoff, "active")));
  $("waiting-count").textContent = waiting.length;
  $("active-count").textContent = active.length;
  $("queue-empty").hidden = waiting.length > 0;
  $("active-empty").hidden = active.length > 0;
  updateBadge();
  routing.renderOffers();
  tick();
}

function tick() {
  const now = serverNow();
  for (const timer of document.querySelectorAll(".timer[data-since]")) {
    const waited = (now - Date.parse(timer.dataset.since)) / 1000;
    const level = waited >= state.sla.red_s ? "red" : waited >= state.sla.amber_s ? "amber" : "ok";
    const label = t(`timer.${level}`);
    timer.textContent = duration(waited);
    timer.className = `timer sla-${level}`;
    timer.dataset.sla = level;
    timer.setAttribute("title", label);
    timer.setAttribute("aria-label", `${duration(waited)} ${label}`);
  }
  for (const card of document.querySelectorAll(".card.is-new")) {
    const handoff = state.waiting.get(Number(card.dataset.id));
    if (!handoff || Date.now() - handoff.arrivedLive >= NEW_HIGHLIGHT_MS) card.classList.remove("is-new");
  }
  routing.tickOffers();
  renderWindow();
}

// -- the conversation -------------------------------------------------------------------

async function openConversation(id, focus = true) {
  const result = await api("GET", `/api/handoffs/${id}`);
  if (!state.me) return; // the session ended meanwhile: the sign-in form is showing
  if (result.status !== 200) {
    showOnly("conversation-view");
    $("conversation-title").textContent = t("conversation.notFound");
    $("conversation-status").textContent = problem(result);
    for (const id of ["claim-box", "reply-form", "transfer-form", "close-form", "history-panel"]) {
      $(id).hidden = true;
    }
    $("transcript").replaceChildren();
    $("customer").replaceChildren();
    return;
  }
  state.current = result.data;
  state.unread.delete(id);
  renderLists();
  $("transcript").replaceChildren();
  showOnly("conversation-view");
  renderConversation();
  for (const message of state.current.transcript) upsertMessage(message, false);
  $("transcript-log").scrollTop = $("transcript-log").scrollHeight;
  if (focus) $("conversation-title").focus();
  $("link-key").value = "";
  $("link-error").textContent = "";
  $("reply-error").textContent = "";
  loadHistory();
  loadCanned(state.current);
}

// -- canned responses in the conversation's language ---------------------------------------

async function loadCanned(handoff) {
  const language = handoff.language || "en";
  if (!state.cannedByLanguage.has(language)) {
    const result = await api("GET", `/api/canned-responses?language=${encodeURIComponent(language)}`);
    if (result.status !== 200) return;
    state.cannedByLanguage.set(language, result.data.canned_responses);
  }
  if (!state.current || state.current.id !== handoff.id) return;
  state.canned = state.cannedByLanguage.get(language);
  renderCanned();
}

function renderCanned() {
  $("canned").replaceChildren(
    h("option", { value: "", text: t("choose") }),
    ...state.canned.map((item, index) => h("option", { value: index, text: item.title, lang: item.language })),
  );
}

// -- the customer's earlier conversations -------------------------------------------------

async function loadHistory() {
  const id = state.current.id;
  $("history-panel").hidden = false;
  $("history-status").textContent = t("loading");
  const result = await api("GET", `/api/handoffs/${id}/history`);
  // The session ended, or another conversation was opened meanwhile.
  if (!state.me || !state.current || state.current.id !== id) return;
  if (result.status !== 200) {
    $("history").replaceChildren();
    $("history-key").textContent = "";
    $("history-status").textContent = t("history.failed", { problem: problem(result) });
    $("link-form").hidden = true;
    return;
  }
  renderHistory(result.data);
}

function day(iso) {
  return new Date(iso).toLocaleDateString(uiLanguage(), { year: "numeric", month: "short", day: "numeric" });
}

function historyItem(conversation) {
  const channel = conversation.channel || "unknown";
  const reasons = conversation.contact_reasons.map(humanize).join(", ");
  return h(
    "li",
    { dataset: { conversation: conversation.conversation_id } },
    h(
      "p",
      { class: "meta" },
      h("time", { datetime: conversation.started_at }, day(conversation.started_at)),
      ` · ${RECORD_CHANNEL_NAMES[channel] || channelName(channel)}`,
    ),
    h("p", { class: "outcome" },
      OUTCOMES.includes(conversation.outcome) ? t(`outcome.${conversation.outcome}`) : humanize(conversation.outcome)),
    reasons ? h("p", { class: "reasons" }, t("history.about", { reasons })) : null,
    conversation.handoff_reason
      ? h("p", { class: "reasons" }, t("history.handedOff", { reason: humanize(conversation.handoff_reason) }))
      : null,
    conversation.csat_score
      ? h("p", { class: "csat" }, t("history.rated", { score: conversation.csat_score }) +
          (conversation.csat_comment ? `: “${conversation.csat_comment}”` : ""))
      : null,
  );
}

function renderHistory(history) {
  const link = history.link;
  let said = t("history.notLinked");
  if (link && link.source === "manual") said = t("history.linkedBy", { key: link.customer_key, by: link.linked_by });
  else if (link) said = t("history.customer", { key: link.customer_key });
  $("history-key").textContent = said;
  $("history-status").textContent = history.conversations.length ? "" : t("history.none");
  $("history").replaceChildren(...history.conversations.map(historyItem));
  $("link-form").hidden = !isSupervisor();
  $("unlink").hidden = !link;
}

async function changeLink(method, body) {
  const error = $("link-error");
  error.textContent = "";
  const path = `/api/customers/links/${encodeURIComponent(state.current.conversation_id)}`;
  for (const id of ["link", "unlink"]) $(id).disabled = true;
  const result = await api(method, path, body);
  for (const id of ["link", "unlink"]) $(id).disabled = false;
  if (!state.me) return;
  if (result.status !== 200) {
    error.textContent = t(method === "PUT" ? "link.notLinked" : "link.notUnlinked", { problem: problem(result) });
    return;
  }
  $("link-key").value = "";
  announce(method === "PUT" ? t("link.linked", { key: result.data.customer_key }) : t("link.unlinked"));
  loadHistory();
}

function linkCustomer(event) {
  event.preventDefault();
  const key = $("link-key").value.trim();
  if (!key) {
    $("link-error").textContent = t("link.missing");
    $("link-key").focus();
    return;
  }
  changeLink("PUT", { customer_key: key });
}

function triggerMessageId(handoff) {
  // The last customer message at or before the escalation.
  const escalated = Date.parse(handoff.created_at);
  let trigger = null;
  for (const message of handoff.transcript || []) {
    if (message.role === "customer" && Date.parse(message.timestamp) <= escalated) trigger = message.id;
  }
  return trigger;
}

function messageElement(message, trigger) {
  const who =
    message.role === "customer" ? t("who.customer") : message.role === "bot" ? t("who.bot") : message.author || t("who.agent");
  const classes = [`message`, `from-${message.role}`];
  if (message.internal) classes.push("internal");
  if (message.id === trigger) classes.push("trigger");
  if (message.delivery === "failed") classes.push("failed");
  return h(
    "li",
    { class: classes.join(" "), dataset: { id: message.id } },
    h(
      "p",
      { class: "meta" },
      h("span", { class: "who" }, who),
      " ",
      h("time", { datetime: message.timestamp }, clock(message.timestamp)),
      message.id === trigger ? h("span", { class: "badge trigger-badge" }, t("badge.escalated")) : null,
      message.internal ? h("span", { class: "badge note-badge" }, t("badge.note")) : null,
      message.role === "agent" && !message.internal && message.delivery
        ? h("span", { class: `badge delivery-${message.delivery}` },
            DELIVERIES.includes(message.delivery) ? t(`delivery.${message.delivery}`) : message.delivery)
        : null,
    ),
    h("p", { class: "text" }, message.text),
  );
}

function upsertMessage(message, scroll = true) {
  const handoff = state.current;
  const transcript = handoff.transcript;
  const index = transcript.findIndex((m) => m.id === message.id);
  if (index >= 0) transcript[index] = message;
  else transcript.push(message);
  const list = $("transcript");
  const element = messageElement(message, triggerMessageId(handoff));
  const existing = list.querySelector(`li[data-id="${message.id}"]`);
  if (existing) existing.replaceWith(element);
  else list.append(element);
  if (scroll) $("transcript-log").scrollTop = $("transcript-log").scrollHeight;
}

function fact(term, value) {
  if (value === null || value === undefined || value === "") return [];
  return [h("dt", {}, term), h("dd", {}, value)];
}

function limitFor(channel) {
  const known = state.channels.channels[channel];
  return known ? known.max_length : state.channels.default_max_length;
}

function renderConversation() {
  const handoff = state.current;
  const me = state.me.name;
  const mine = handoff.status === "assigned" && handoff.assigned_to === me;
  const mayAct = mine || (isSupervisor() && handoff.status !== "closed");
  const summary = handoff.summary || {};
  $("conversation-title").textContent =
    t("conversation.title", { customer: customerLabel(handoff), channel: channelName(handoff.channel) });

  const status = $("conversation-status");
  status.className = "status-line";
  if (handoff.status === "waiting") {
    status.replaceChildren(
      t("conversation.waiting"),
      h("span", { class: "timer", dataset: { since: handoff.created_at } }, ""),
    );
  } else if (handoff.status === "assigned" && mine) {
    status.textContent = t("conversation.yours");
  } else if (handoff.status === "assigned") {
    status.textContent = t("conversation.taken", { name: handoff.assigned_to });
    status.classList.add("taken");
  } else {
    status.textContent = handoff.resolution
      ? t("conversation.closedWith", { resolution: handoff.resolution })
      : t("conversation.closed");
  }

  const customer = handoff.customer || {};
  $("customer").replaceChildren(
    ...fact(t("fact.name"), customer.name),
    ...fact(t("fact.customerId"), handoff.customer_id),
    ...fact(t("fact.channel"), channelName(handoff.channel)),
    ...fact(t("fact.language"), languageName(handoff.language)),
    ...fact(t("fact.order"), orderNumber(handoff)),
    ...fact(t("fact.email"), summary.email || customer.email),
    ...fact(t("fact.reasons"), handoff.reasons.map(humanize).join(", ")),
    ...fact(t("fact.anger"), `${Math.round(handoff.anger * 100)}%`),
    ...fact(t("fact.priority"), String(handoff.priority)),
    ...fact(t("fact.askedAbout"), (summary.intents || []).map(humanize).join(", ")),
    ...fact(t("fact.escalated"), clock(handoff.created_at)),
    ...fact(t("fact.heldBy"), handoff.assigned_to),
  );

  $("claim-box").hidden = handoff.status !== "waiting";
  $("reply-form").hidden = !(handoff.status === "assigned" && mayAct);
  $("close-form").hidden = !mayAct;
  $("transfer-form").hidden = !mayAct;
  const others = state.agents.filter((agent) => agent.name !== handoff.assigned_to);
  const select = $("transfer-to");
  const chosen = select.value;
  select.replaceChildren(
    ...others.map((agent) => h("option", { value: agent.name }, t("who", { name: agent.name, role: t(`role.${agent.role}`) }))),
  );
  if (others.some((agent) => agent.name === chosen)) select.value = chosen;
  $("reply-text").maxLength = limitFor(handoff.channel);
  relabelReply();
  updateCounter();
  tick();
}

function relabelReply() {
  const internal = $("reply-internal").checked;
  $("reply-label").textContent = internal ? t("reply.noteLabel") : t("reply.label");
  $("reply-send").textContent = internal ? t("reply.addNote") : t("reply.send");
}

// WhatsApp's 24-hour window (window_closes_at, handoff.desk.window): when it
// closes, and after, free text is off; internal notes never leave the desk.
function renderWindow() {
  const handoff = state.current;
  const note = $("window-note");
  const closesAt = handoff && handoff.window_closes_at;
  let closed = false;
  if (!closesAt) {
    note.hidden = true;
  } else {
    const left = (Date.parse(closesAt) - serverNow()) / 1000;
    const time = clock(closesAt, { hourCycle: "h23" });
    closed = left <= 0;
    const level = closed ? "closed" : left < 3600 ? "warning" : "open";
    const text = closed
      ? t("window.closed", { time })
      : level === "warning"
        ? t("window.closingSoon", { time, minutes: Math.ceil(left / 60) })
        : t("window.closesAt", { time });
    if (note.textContent !== text) note.textContent = text;
    note.className = `window-note window-${level}`;
    note.dataset.window = level;
    note.hidden = false;
  }
  const blocked = closed && !$("reply-internal").checked;
  $("reply-text").disabled = blocked;
  $("canned").disabled = blocked;
  $("canned-insert").disabled = blocked;
  $("reply-send").disabled = blocked || state.sending;
}

function updateCounter() {
  if (!state.current) return;
  const limit = limitFor(state.current.channel);
  const length = $("reply-text").value.length;
  const counter = $("reply-count");
  counter.textContent = t("reply.count", { length, limit, channel: channelName(state.current.channel) });
  counter.classList.toggle("over", length > limit);
}

async function claim() {
  const handoff = state.current;
  $("claim").disabled = true;
  const result = await api("POST", `/api/handoffs/${handoff.id}/claim`);
  $("claim").disabled = false;
  if (!state.me) return;
  if (result.status === 200) {
    apply("handoff.assigned", { handoff: result.data }, false);
    announce(t("claim.done"));
    $("reply-text").focus();
    return;
  }
  if (result.status === 409) {
    // Someone was faster: show who, from the handoff as it is now.
    const now = await api("GET", `/api/handoffs/${handoff.id}`);
    // The status line (role="status") now says who has it; screen readers read it.
    if (now.status === 200) apply("handoff.assigned", { handoff: now.data }, false);
    return;
  }
  $("conversation-status").textContent = t("claim.failed", { problem: problem(result) });
}

function insertCanned() {
  const item = state.canned[Number($("canned").value)];
  if ($("canned").value === "" || !item) return;
  const order = orderNumber(state.current);
  const text = item.text.replaceAll("{agent}", state.me.name).replaceAll("{order}", order || "{order}");
  const box = $("reply-text");
  const start = box.selectionStart ?? box.value.length;
  const end = box.selectionEnd ?? box.value.length;
  box.value = box.value.slice(0, start) + text + box.value.slice(end);
  box.focus();
  box.selectionStart = box.selectionEnd = start + text.length;
  updateCounter();
}

async function sendReply(event) {
  event.preventDefault();
  const handoff = state.current;
  const box = $("reply-text");
  const error = $("reply-error");
  const text = box.value.trim();
  const internal = $("reply-internal").checked;
  const limit = limitFor(handoff.channel);
  error.textContent = "";
  if (!text) {
    error.textContent = t("reply.empty");
    box.focus();
    return;
  }
  if (!internal && text.length > limit) {
    error.textContent = t("reply.tooLong", { length: text.length, channel: channelName(handoff.channel), limit });
    box.focus();
    return;
  }
  state.sending = true;
  $("reply-send").disabled = true;
  const result = await api("POST", `/api/handoffs/${handoff.id}/messages`, { text, internal });
  state.sending = false;
  $("reply-send").disabled = false;
  if (!state.me) return;
  if (result.data && result.data.message && state.current && state.current.id === handoff.id) {
    upsertMessage(result.data.message);
  }
  if (result.status === 201) {
    box.value = "";
    $("reply-internal").checked = false;
    relabelReply();
    updateCounter();
    box.focus();
  } else if (result.data && result.data.error === "window_closed") {
    // WhatsApp refused free text: the window closed (maybe while typing).
    error.textContent = t("reply.windowRefused");
    const now = await api("GET", `/api/handoffs/${handoff.id}`);
    if (now.status === 200 && state.current && state.current.id === handoff.id) {
      state.current.window_closes_at = now.data.window_closes_at;
    }
  } else if (result.status === 502) {
    error.textContent = t("reply.notDelivered");
  } else {
    error.textContent = t("reply.notSent", { problem: problem(result) });
  }
  renderWindow();
}

async function transfer(event) {
  event.preventDefault();
  const to = $("transfer-to").value;
  const error = $("transfer-error");
  error.textContent = "";
  if (!to) {
    error.textContent = t("transfer.choose");
    return;
  }
  const result = await api("POST", `/api/handoffs/${state.current.id}/transfer`, { to });
  if (!state.me) return;
  if (result.status !== 200) {
    error.textContent = t("transfer.failed", { problem: problem(result) });
    return;
  }
  apply("handoff.assigned", { handoff: result.data }, false);
  announce(t("transfer.done", { to }));
}

async function closeHandoff(event) {
  event.preventDefault();
  const resolution = $("resolution").value.trim();
  const error = $("close-error");
  error.textContent = "";
  if (!resolution) {
    error.textContent = t("close.missing");
    $("resolution").focus();
    return;
  }
  $("close").disabled = true;
  const result = await api("POST", `/api/handoffs/${state.current.id}/close`, { resolution });
  $("close").disabled = false;
  if (!state.me) return;
  if (result.status !== 200) {
    error.textContent = t("close.failed", { problem: problem(result) });
    return;
  }
  $("resolution").value = "";
  apply("handoff.closed", { handoff: result.data }, false);
  if (result.data.bot_resumed === false) {
    $("conversation-status").textContent += t("conversation.notResumed");
  }
}

// -- the supervisor view --------------------------------------------------------------------

// One figure of a <dl class="tiles">: its label and value.
const tile = (label, value, id) =>
  [h("div", { class: "tile" }, h("dt", {}, label), h("dd", { id }, value))];

function scheduleStats() {
  if ($("supervisor-view").hidden) return;
  clearTimeout(state.statsDebounce);
  state.statsDebounce = setTimeout(loadStats, 1000);
}

async function loadStats() {
  routing.loadQueues();
  const result = await api("GET", `/api/stats?period=${encodeURIComponent($("period").value)}`);
  if (!state.me) return;
  if (result.status !== 200) {
    $("stats-updated").textContent = t("stats.failed", { problem: problem(result) });
    return;
  }
  const stats = result.data;
  $("tiles").replaceChildren(
    ...tile(t("stats.waiting"), stats.waiting, "stat-waiting"),
    ...tile(t("stats.active"), stats.active, "stat-active"),
    ...tile(t("stats.averageWait"), roughDuration(stats.wait.average_s), "stat-average-wait"),
    ...tile(t("stats.longestWait"), roughDuration(stats.wait.longest_s), "stat-longest-wait"),
    ...tile(t("stats.answered"), stats.answered_today.count, "stat-answered"),
    ...tile(t("stats.answerWait"), roughDuration(stats.answered_today.average_wait_s), "stat-answer-wait"),
    ...tile(t("stats.handled"), stats.handled_today, "stat-handled"),
  );
  renderChart(stats.reasons);
  $("load").replaceChildren(
    ...stats.agents.map((agent) =>
      h("tr", {}, h("th", { scope: "row" }, agent.name), h("td", {}, agent.role),
        h("td", {}, agent.active), h("td", {}, agent.handled_today)),
    ),
  );
  $("stats-updated").textContent = t("stats.updated", {
    time: new Date().toLocaleTimeString(uiLanguage()), timezone: stats.timezone,
  });
}

function bucketLabel(start, bucket) {
  // The server's zone, as the numbers are: the offset is part of the ISO string.
  const [date, time] = start.split("T");
  if (bucket === "hour") return time.slice(0, 2);
  const [, month, day] = date.split("-");
  return `${Number(day)}/${Number(month)}`;
}

function chartSeries(reasons) {
  // The most frequent reasons each get a colour; the rest are summed as "Other".
  const all = Object.keys(reasons.totals);
  const shown = all.slice(0, all.length > CHART_COLOURS.length ? CHART_COLOURS.length - 1 : all.length);
  const rest = all.slice(shown.length);
  const series = shown.map((name, index) => ({
    label: humanize(name), colour: index, reasons: [name], total: reasons.totals[name],
  }));
  if (rest.length) {
    series.push({
      label: t("reasons.other"), colour: "other", reasons: rest,
      total: rest.reduce((sum, name) => sum + reasons.totals[name], 0),
    });
  }
  return series;
}

function renderChart(reasons) {
  const names = Object.keys(reasons.totals);
  const series = chartSeries(reasons);
  const colour = (item) => (item.colour === "other" ? OTHER_COLOUR : CHART_COLOURS[item.colour]);
  const buckets = reasons.buckets;
  const totals = buckets.map((b) => Object.values(b.counts).reduce((sum, n) => sum + n, 0));
  const top = Math.max(1, ...totals);
  const width = 760, height = 260, left = 36, bottom = 28, plotTop = 10;
  const plotHeight = height - bottom - plotTop;
  const slot = (width - left) / Math.max(1, buckets.length);
  const barWidth = Math.max(4, Math.min(40, slot * 0.7));
  const described = series.map((item) => `${item.label} ${item.total}`).join(", ");
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": names.length
      ? t("reasons.chart", { bucket: t(`reasons.per.${reasons.bucket}`), totals: described })
      : t("reasons.none"),
    class: "chart",
  });
  for (const fraction of [0, 0.5, 1]) {
    const y = plotTop + plotHeight * (1 - fraction);
    chart.append(
      svg("line", { x1: left, x2: width, y1: y, y2: y, class: "grid" }),
      svg("text", { x: left - 6, y: y + 4, "text-anchor": "end", class: "axis" }, Math.round(top * fraction)),
    );
  }
  const every = Math.ceil(buckets.length / 16);
  buckets.forEach((bucket, index) => {
    const x = left + slot * index + (slot - barWidth) / 2;
    let y = plotTop + plotHeight;
    for (const item of series) {
      const count = item.reasons.reduce((sum, name) => sum + (bucket.counts[name] || 0), 0);
      if (!count) continue;
      const barHeight = (count / top) * plotHeight;
      y -= barHeight;
      chart.append(
        svg("rect", { x, y, width: barWidth, height: barHeight, fill: colour(item) },
          svg("title", {}, `${item.label}: ${count}`)),
      );
    }
    if (index % every === 0) {
      chart.append(svg("text", { x: x + barWidth / 2, y: height - 8, "text-anchor": "middle", class: "axis" }, bucketLabel(bucket.start, reasons.bucket)));
    }
  });
  $("chart").replaceChildren(chart);
  $("legend").replaceChildren(
    ...(series.length
      ? series.map((item) =>
          h("span", { class: "legend-item" },
            h("span", { class: "swatch", dataset: { colour: item.colour } }),
            `${item.label} (${item.total})`))
      : [h("span", {}, t("reasons.none"))]),
  );
  const header = h("tr", {}, h("th", { scope: "col" }, reasons.bucket === "hour" ? t("reasons.hour") : t("reasons.day")),
    ...names.map((name) => h("th", { scope: "col" }, humanize(name))));
  const rows = buckets.map((bucket) =>
    h("tr", {}, h("th", { scope: "row" }, bucketLabel(bucket.start, reasons.bucket)),
      ...names.map((name) => h("td", {}, bucket.counts[name] || 0))));
  $("reasons-table").replaceChildren(h("table", {}, h("thead", {}, header), h("tbody", {}, ...rows)));
}

// -- the insights view ----------------------------------------------------------------------

const MISSES_SHOWN = 20;
// A median time: seconds under a minute, else roughDuration's minutes and hours.
const medianTime = (value) =>
  value === null || value === undefined ? "–" : value < 60 ? `${value.toFixed(1)} s` : roughDuration(value);
const percent = (share) => (share === null || share === undefined ? "–" : `${Math.round(share * 100)}%`);
const utcDay = (offsetDays) => new Date(Date.now() + offsetDays * 86400000).toISOString().slice(0, 10);

function insightsQuery() {
  const query = new URLSearchParams({ since: $("insights-since").value, until: $("insights-until").value });
  const boxes = [...document.querySelectorAll("#insights-form input[name=channel]")];
  // All ticked is every channel, including any not listed here.
  if (boxes.some((box) => !box.checked)) {
    for (const box of boxes) if (box.checked) query.append("channel", box.value);
  }
  return query;
}

async function loadInsights(event) {
  if (event) event.preventDefault();
  if (!$("insights-since").value) $("insights-since").value = utcDay(-6);
  if (!$("insights-until").value) $("insights-until").value = utcDay(0);
  const query = insightsQuery();
  $("insights-csv").href = `/api/insights/records?${query}&format=csv`;
  $("insights-jsonl").href = `/api/insights/records?${query}&format=jsonl`;
  const result = await api("GET", `/api/insights?${query}`);
  if (!state.me) return;
  if (result.status !== 200) {
    $("insights-updated").textContent = t("insights.failed", { problem: problem(result) });
    return;
  }
  const data = result.data;
  $("insights-tiles").replaceChildren(
    ...tile(t("insights.sessions"), data.sessions, "insight-sessions"),
    ...tile(t("insights.containment"), percent(data.containment), "insight-containment"),
    ...tile(t("insights.handoffRate"), percent(data.handoff_rate), "insight-handoff"),
    ...tile(t("insights.abandoned"), percent(data.abandonment_rate), "insight-abandoned"),
    ...tile(t("insights.botFirst"), medianTime(data.times.bot_first_response_s), "insight-bot-first"),
    ...tile(t("insights.botResolution"), medianTime(data.times.bot_resolution_s), "insight-bot-resolution"),
    ...tile(t("insights.agentFirst"), medianTime(data.times.agent_first_response_s), "insight-agent-first"),
    ...tile(t("insights.humanResolution"), medianTime(data.times.human_resolution_s), "insight-human-resolution"),
  );
  $("handoff-reasons").replaceChildren(
    ...data.handoff_reasons.map((item) =>
      h("tr", {}, h("th", { scope: "row" }, humanize(item.reason)), h("td", {}, item.sessions))),
  );
  if (!data.handoff_reasons.length) {
    $("handoff-reasons").replaceChildren(h("tr", {}, h("td", { colspan: 2 }, t("insights.noHandoffs"))));
  }
  renderTopReasons(data.top_reasons);
  renderCsat(data.csat);
  renderSentiment(data.sentiment_by_day);
  renderProducts(data.products, data.product_sentiment_by_day);
  // The latest first; the download has them all.
  const latest = data.misses.slice(-MISSES_SHOWN).reverse();
  $("misses").replaceChildren(
    ...latest.map((miss) =>
      h("tr", {}, h("td", {}, new Date(miss.started_at).toLocaleString(uiLanguage())),
        h("td", {}, miss.conversation_id), h("td", {}, miss.why),
        h("td", {}, h("a", { href: `/desk/review.html#${encodeURIComponent(miss.review_id)}` },
          h("code", {}, miss.review_id)))),
    ),
  );
  if (!data.misses.length) {
    $("misses").replaceChildren(h("tr", {}, h("td", { colspan: 4 }, t("insights.noneInPeriod"))));
  } else if (data.misses.length > MISSES_SHOWN) {
    $("misses").append(h("tr", {}, h("td", { colspan: 4 },
      t("insights.latest", { shown: MISSES_SHOWN, total: data.misses.length }))));
  }
  const unfinished = data.sessions - data.finished;
  $("insights-updated").textContent =
    t("insights.finished", { count: data.finished }) +
    (unfinished ? t("insights.unfinished", { count: unfinished }) : "") + ".";
}

function renderTopReasons(reasons) {
  const width = 760, row = 28, left = 220;
  const height = Math.max(1, reasons.length) * row + 8;
  const top = Math.max(1, ...reasons.map((r) => r.sessions));
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart",
    "aria-label": reasons.length
      ? t("insights.perReason", { items: reasons.map((r) => `${humanize(r.reason)} ${r.sessions}`).join(", ") })
      : t("insights.noConversations"),
  });
  reasons.forEach((reason, index) => {
    const y = 4 + index * row;
    const length = ((width - left - 60) * reason.sessions) / top;
    chart.append(
      svg("text", { x: left - 8, y: y + 17, "text-anchor": "end", class: "axis" },
        humanize(reason.reason.replace("faq/", ""))),
      svg("rect", { x: left, y: y + 4, width: Math.max(2, length), height: row - 10, fill: CHART_COLOURS[0] }),
      svg("text", { x: left + length + 6, y: y + 17, class: "axis" }, reason.sessions),
    );
  });
  $("top-reasons-chart").replaceChildren(chart);
}

// Customer satisfaction: tiles (overall, after a person, after the bot) and the scores' bars.
function renderCsat(csat) {
  const kinds = csat.by_kind;
  const satisfied = (figures) =>
    figures.answered ? t("insights.satisfiedOf", { share: percent(figures.satisfied), answered: figures.answered }) : "–";
  $("csat-tiles").replaceChildren(
    ...tile(t("insights.csat"), satisfied(csat), "insight-csat"),
    ...tile(t("insights.csatAverage"), csat.average === null ? "–" : csat.average.toFixed(2), "insight-csat-average"),
    ...tile(t("insights.csatAnswered"), percent(csat.response_rate), "insight-csat-response"),
    ...tile(t("insights.csatHandoff"), satisfied(kinds.handoff), "insight-csat-handoff"),
    ...tile(t("insights.csatBot"), satisfied(kinds.bot), "insight-csat-bot"),
  );
  const scores = ["1", "2", "3", "4", "5"];
  const width = 760, row = 28, left = 120;
  const top = Math.max(1, ...scores.map((s) => csat.distribution[s]));
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${scores.length * row + 8}`, role: "img", class: "chart",
    "aria-label": csat.answered
      ? t("insights.perScore", { items: scores.map((s) => `${s}: ${csat.distribution[s]}`).join(", ") })
      : t("insights.noAnswers"),
  });
  scores.slice().reverse().forEach((score, index) => {
    const y = 4 + index * row;
    const count = csat.distribution[score];
    const length = ((width - left - 60) * count) / top;
    chart.append(
      svg("text", { x: left - 8, y: y + 17, "text-anchor": "end", class: "axis" }, t("insights.scoreOf", { score })),
      svg("rect", { x: left, y: y + 4, width: Math.max(2, length), height: row - 10,
        fill: CHART_COLOURS[Number(score) >= 4 ? 2 : Number(score) === 3 ? 4 : 1] }),
      svg("text", { x: left + length + 6, y: y + 17, class: "axis" }, count),
    );
  });
  $("csat-chart").replaceChildren(chart);
}

function renderSentiment(byDay) {
  const days = Object.keys(byDay).sort();
  const width = 760, height = 200, left = 36, bottom = 28, plotTop = 10;
  const plotHeight = height - bottom - plotTop;
  const slot = (width - left) / Math.max(1, days.length);
  const y = (value) => plotTop + plotHeight * (1 - (value + 1) / 2);
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart",
    "aria-label": days.length
      ? t("insights.sentimentChart", { items: days.map((d) => `${d} ${byDay[d].toFixed(2)}`).join(", ") })
      : t("insights.noMessages"),
  });
  for (const value of [-1, 0, 1]) {
    chart.append(
      svg("line", { x1: left, x2: width, y1: y(value), y2: y(value), class: "grid" }),
      svg("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end", class: "axis" }, value),
    );
  }
  const points = days.map((day, index) => [left + slot * (index + 0.5), y(byDay[day])]);
  if (points.length > 1) {
    chart.append(svg("polyline", {
      points: points.map((p) => p.join(",")).join(" "), fill: "none",
      stroke: CHART_COLOURS[0], "stroke-width": 2,
    }));
  }
  const every = Math.ceil(days.length / 16);
  days.forEach((day, index) => {
    const [x, yy] = points[index];
    chart.append(svg("circle", { cx: x, cy: yy, r: 4, fill: CHART_COLOURS[0] }));
    if (index % every === 0) {
      chart.append(svg("text", { x, y: height - 8, "text-anchor": "middle", class: "axis" }, day.slice(5)));
    }
  });
  $("sentiment-chart").replaceChildren(chart);
}

// Sentiment per product: the mean per product as bars around 0, the most named day by day as
// lines, and every product in a table. The panel is made here, after the daily sentiment's.
const PRODUCTS_CHARTED = 15;

function productsPanel() {
  if ($("products-panel")) $("products-panel").remove(); // made again: its words may have changed language
  const panel = h("section", { class: "panel", id: "products-panel", "aria-labelledby": "products-title" },
    h("h2", { id: "products-title" }, t("products.title")),
    h("p", { class: "hint" }, t("products.hint")),
    h("figure", {}, h("div", { id: "products-chart" })),
    h("figure", {}, h("div", { id: "products-trend" }), h("div", { class: "legend", id: "products-legend" })),
    h("table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("products.product")),
        h("th", { scope: "col" }, t("products.conversations")),
        h("th", { scope: "col" }, t("products.messages")), h("th", { scope: "col" }, t("products.mean")))),
      h("tbody", { id: "products" })),
  );
  $("sentiment-chart").closest("section").after(panel);
}

const signed = (value) => (value === null || value === undefined ? "–" : `${value > 0 ? "+" : ""}${value.toFixed(2)}`);

function renderProducts(products, byDay) {
  productsPanel();
  const shown = products.slice(0, PRODUCTS_CHARTED);
  const width = 760, row = 28, left = 220, right = 60;
  const middle = left + (width - left - right) / 2;
  const half = (width - left - right) / 2;
  const bottom = Math.max(1, shown.length) * row + 8;
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${bottom + 20}`, role: "img", class: "chart",
    "aria-label": shown.length
      ? t("products.chart", {
        items: shown.map((p) =>
          t("products.item", { product: p.product, mean: signed(p.mean_compound), sessions: p.sessions })).join(", "),
      })
      : t("products.none"),
  });
  // The scale: from −1 on the left to 1 on the right of the zero line.
  for (const value of [-1, 0, 1]) {
    const x = middle + value * half;
    chart.append(
      svg("line", { x1: x, x2: x, y1: 0, y2: bottom, class: value ? "grid" : "zero" }),
      svg("text", { x, y: bottom + 14, "text-anchor": "middle", class: "axis" }, value),
    );
  }
  shown.forEach((item, index) => {
    const y = 4 + index * row;
    const value = item.mean_compound || 0;
    const length = Math.max(2, Math.abs(value) * half);
    const x = value < 0 ? middle - length : middle;
    chart.append(
      svg("text", { x: left - 8, y: y + 17, "text-anchor": "end", class: "axis" }, item.product),
      svg("rect", { x, y: y + 4, width: length, height: row - 10, fill: CHART_COLOURS[value < 0 ? 1 : 2] },
        svg("title", {}, `${item.product}: ${signed(item.mean_compound)}`)),
      svg("text", { x: width - right + 6, y: y + 17, class: "axis" }, signed(item.mean_compound)),
    );
  });
  $("products-chart").replaceChildren(chart);
  renderProductTrend(byDay);
  $("products").replaceChildren(
    ...products.map((item) =>
      h("tr", {}, h("th", { scope: "row" }, item.product), h("td", {}, item.sessions),
        h("td", {}, item.messages), h("td", {}, signed(item.mean_compound)))),
  );
  if (!products.length) {
    $("products").replaceChildren(h("tr", {}, h("td", { colspan: 4 }, t("products.none"))));
  }
}

// The most named products' daily mean, one line each, on the daily sentiment's scale.
function renderProductTrend(byDay) {
  const names = Object.keys(byDay);
  const days = [...new Set(names.flatMap((name) => Object.keys(byDay[name])))].sort();
  const width = 760, height = 200, left = 36, bottom = 28, plotTop = 10;
  const plotHeight = height - bottom - plotTop;
  const slot = (width - left) / Math.max(1, days.length);
  const y = (value) => plotTop + plotHeight * (1 - (value + 1) / 2);
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart",
    "aria-label": names.length
      ? t("products.trend", {
        items: names.map((name) => `${name}: ${Object.entries(byDay[name]).map(([d, v]) => `${d} ${v.toFixed(2)}`).join(", ")}`)
          .join("; "),
      })
      : t("products.none"),
  });
  for (const value of [-1, 0, 1]) {
    chart.append(
      svg("line", { x1: left, x2: width, y1: y(value), y2: y(value), class: "grid" }),
      svg("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end", class: "axis" }, value),
    );
  }
  names.forEach((name, index) => {
    const colour = CHART_COLOURS[index % CHART_COLOURS.length];
    const points = days.map((day, at) => [day, at])
      .filter(([day]) => byDay[name][day] !== undefined)
      .map(([day, at]) => [left + slot * (at + 0.5), y(byDay[name][day])]);
    chart.append(svg("polyline", {
      points: points.map((p) => p.join(",")).join(" "), fill: "none", stroke: colour, "stroke-width": 2,
    }, svg("title", {}, name)));
    for (const [cx, cy] of points) chart.append(svg("circle", { cx, cy, r: 3, fill: colour }));
  });
  const every = Math.ceil(days.length / 16);
  days.forEach((day, index) => {
    if (index % every === 0) {
      chart.append(svg("text", { x: left + slot * (index + 0.5), y: height - 8, "text-anchor": "middle", class: "axis" },
        day.slice(5)));
    }
  });
  $("products-trend").replaceChildren(chart);
  $("products-legend").replaceChildren(
    ...names.map((name, index) =>
      h("span", { class: "legend-item" },
        h("span", { class: "swatch", dataset: { colour: String(index % CHART_COLOURS.length) } }), name)),
  );
}

// -- routing --------------------------------------------------------------------------------

async function route() {
  if (!state.me) return;
  const hash = location.hash || "#/queue";
  const conversation = hash.match(/^#\/handoffs\/(\d+)$/);
  clearInterval(state.statsTimer);
  if (conversation) {
    await openConversation(Number(conversation[1]));
    return;
  }
  state.current = null;
  if (hash === "#/supervisor" && isSupervisor()) {
    showOnly("supervisor-view");
    $("supervisor-title").focus();
    await loadStats();
    state.statsTimer = setInterval(loadStats, STATS_REFRESH_MS);
    return;
  }
  if (hash === "#/insights" && isSupervisor()) {
    showOnly("insights-view");
    $("insights-title").focus();
    await loadInsights();
    return;
  }
  showOnly("queue-view");
  $("queue-title").focus();
  renderLists();
}

// -- wiring -----------------------------------------------------------------------------------

function wire() {
  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("claim").addEventListener("click", claim);
  $("reply-form").addEventListener("submit", sendReply);
  $("reply-text").addEventListener("input", updateCounter);
  $("reply-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $("reply-form").requestSubmit();
    }
  });
  $("reply-internal").addEventListener("change", () => {
    relabelReply();
    renderWindow();
  });
  $("canned-insert").addEventListener("click", insertCanned);
  $("transfer-form").addEventListener("submit", transfer);
  $("close-form").addEventListener("submit", closeHandoff);
  $("link-form").addEventListener("submit", linkCustomer);
  $("unlink").addEventListener("click", () => changeLink("DELETE"));
  $("period").addEventListener("change", loadStats);
  $("insights-form").addEventListener("submit", loadInsights);
  const sound = $("sound");
  sound.checked = localStorage.getItem("desk.sound") === "on";
  sound.addEventListener("change", () => {
    localStorage.setItem("desk.sound", sound.checked ? "on" : "off");
    if (sound.checked) beep();
  });
  window.addEventListener("hashchange", route);
  fillLanguagePicker($("ui-language"), relabel);
  routing.setupRouting({
    state, api, problem, h, announce, beep, apply, serverNow, duration, roughDuration,
    customerLabel, channelName, humanize,
  });
}

translatePage();
relabelReply();
updateBadge();
wire();
start();
