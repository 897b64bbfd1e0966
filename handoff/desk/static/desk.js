// The agent desk: one small module, no framework, no build step.
//
// Everything comes from the handoff service's JSON API, called with the
// session cookie (credentials: "same-origin") and the CSRF token in a header
// on every change; live updates come from its event stream (/api/events)
// through an EventSource, which resumes with Last-Event-ID by itself.
// All text from the API is put into the page with textContent, never as HTML.

const CHANNEL_NAMES = { sms: "SMS", telegram: "Telegram", messenger: "Messenger", whatsapp: "WhatsApp" };
// Conversation records name channels as Rasa's input channels do: ours by their names, and Rasa's own SMS and Messenger channels by theirs.
const RECORD_CHANNEL_NAMES = { sms: "SMS", messenger: "Messenger", whatsapp: "WhatsApp", twilio: "SMS", facebook: "Messenger", rest: "Web" };
const OUTCOME_LABELS = {
  resolved: "Resolved by the bot",
  handed_off: "Handed to a person",
  abandoned: "Abandoned",
  opted_out: "Opted out",
  ongoing: "Ongoing",
};
const DELIVERY_LABELS = {
  pending: "Sending…",
  sent: "Delivered to the channel",
  failed: "Not delivered",
};
// Seven distinct colours with 3:1 contrast on white; further reasons share "Other" (grey).
const CHART_COLOURS = ["#0b5cad", "#b3261e", "#1e7b34", "#8a4baf", "#9a5800", "#00768a", "#c2185b"];
const OTHER_COLOUR = "#595959";
const OTHER = "other reasons";
const STATS_REFRESH_MS = 30000;
const NEW_HIGHLIGHT_MS = 8000;

const state = {
  me: null, // {name, role}
  csrf: null,
  sla: { amber_s: 120, red_s: 300 },
  clockOffsetMs: 0, // server time minus this browser's time
  channels: { channels: {}, default_max_length: 1600 },
  canned: [],
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

function clock(iso) {
  const when = new Date(iso);
  const sameDay = when.toDateString() === new Date(serverNow()).toDateString();
  const time = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return sameDay ? time : `${when.toLocaleDateString([], { month: "short", day: "numeric" })} ${time}`;
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
  document.title = count ? `(${count}) Desk` : "Desk";
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
    return { status: 0, data: { error: "network", detail: "the desk cannot reach the service" } };
  }
  let data = {};
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch (error) {
      data = { error: "bad response", detail: `the service answered ${response.status}` };
    }
  }
  if (response.status === 401 && path !== "/api/session" && state.me) {
    signedOut("Your session has ended. Please sign in again.");
  }
  return { status: response.status, data };
}

const problem = (result) =>
  (result.data && (result.data.detail || result.data.error)) || `error ${result.status}`;

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
    me: null, csrf: null, source: null, current: null, buffering: null,
  });
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
    error.textContent = "Enter your name and your password.";
    return;
  }
  $("sign-in-submit").disabled = true;
  const result = await api("POST", "/api/session", { name, password });
  $("sign-in-submit").disabled = false;
  if (result.status !== 200) {
    error.textContent =
      result.status === 401 ? "Wrong name or password." : `Cannot sign in: ${problem(result)}.`;
    $("sign-in-password").select();
    return;
  }
  $("sign-in-password").value = "";
  await start();
}

async function signOut() {
  await api("DELETE", "/api/session");
  signedOut("You are signed out.");
}

// -- start-up ----------------------------------------------------------------------------

async function start() {
  const me = await api("GET", "/api/me");
  if (me.status !== 200) {
    showSignIn(me.status === 401 ? "" : `The desk cannot start: ${problem(me)}.`);
    return;
  }
  state.me = { name: me.data.name, role: me.data.role };
  state.csrf = me.data.csrf_token;
  state.sla = me.data.sla;
  state.clockOffsetMs = Date.parse(me.data.server_time) - Date.now();
  const [channels, canned, agents] = await Promise.all([
    api("GET", "/api/channels"),
    api("GET", "/api/canned-responses"),
    api("GET", "/api/agents"),
  ]);
  if (channels.status === 200) state.channels = channels.data;
  if (canned.status === 200) state.canned = canned.data.canned_responses;
  if (agents.status === 200) state.agents = agents.data.agents;

  $("who").textContent = `${state.me.name} (${state.me.role})`;
  $("nav-supervisor").hidden = !isSupervisor();
  $("nav-insights").hidden = !isSupervisor();
  $("active-title").firstChild.textContent = isSupervisor()
    ? "Active conversations "
    : "My conversations ";
  $("sla-amber").textContent = roughDuration(state.sla.amber_s);
  $("sla-red").textContent = roughDuration(state.sla.red_s);
  $("canned").replaceChildren(
    h("option", { value: "", text: "Choose…" }),
    ...state.canned.map((item, index) => h("option", { value: index, text: item.title })),
  );
  $("top").hidden = false;
  clearInterval(state.ticker);
  state.ticker = setInterval(tick, 1000);
  connect();
  await route();
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
  const handoff = data.handoff;
  const { transcript, ...fields } = handoff;
  const isNew = type === "handoff.created" && live && !state.waiting.has(handoff.id);
  place(fields);
  if (isNew && fields.status === "waiting") {
    fields.arrivedLive = Date.now();
    announce(
      `New handoff waiting: ${customerLabel(fields)} on ${channelName(fields.channel)}, ` +
        `${fields.reasons.map(humanize).join(", ") || "no reason given"}.`,
    );
    beep();
  }
  if (state.current && state.current.id === handoff.id) {
    state.current = { ...fields, transcript: state.current.transcript };
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
    announce(
      `Overdue: ${customerLabel(handoff)} has waited ${roughDuration(data.waited_s)} ` +
        "and nobody has picked the handoff up.",
    );
    beep();
  }
}

function messageArrived(handoffId, message, live) {
  if (state.current && state.current.id === handoffId) {
    upsertMessage(message);
  } else if (live && message.role === "customer" && state.active.has(handoffId)) {
    if (!state.unread.has(handoffId)) {
      state.unread.add(handoffId);
      announce(`New message from ${customerLabel(state.active.get(handoffId))}.`);
      beep();
      renderLists();
    }
  }
  if (message.role === "customer") {
    const handoff = state.waiting.get(handoffId) || state.active.get(handoffId);
    if (handoff) handoff.last_customer_message_at = message.timestamp;
  }
}

// -- rendering the queue ---------------------------------------------------------------------

function queueOrder(a, b) {
  return a.priority - b.priority || Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id;
}

function card(handoff, kind) {
  const reasons = handoff.reasons.map(humanize).join(" · ") || "No reason given";
  const order = orderNumber(handoff);
  const summary = handoff.summary || {};
  const details = [
    order && `Order ${order}`,
    summary.email && summary.email,
    summary.intents && summary.intents.length && `Asked about: ${summary.intents.map(humanize).join(", ")}`,
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
            handoff.assigned_to === state.me.name ? "with you" : `with ${handoff.assigned_to}`),
    ),
    h(
      "p",
      { class: "chips" },
      h("span", { class: "chip" }, channelName(handoff.channel)),
      h("span", { class: `chip priority-${handoff.priority}` }, `Priority ${handoff.priority}`),
      h("span", { class: "chip" }, `Anger ${Math.round(handoff.anger * 100)}%`),
      unread ? h("span", { class: "chip unread" }, "New message") : null,
      kind === "waiting" && handoff.pickup_notified_at
        ? h("span", { class: "chip overdue" }, "Overdue: customer told to hold on")
        : null,
    ),
    h("p", { class: "reasons" }, reasons),
    details.length ? h("p", { class: "summary" }, details.join(" · ")) : null,
  );
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
  tick();
}

function tick() {
  const now = serverNow();
  for (const timer of document.querySelectorAll(".timer[data-since]")) {
    const waited = (now - Date.parse(timer.dataset.since)) / 1000;
    const level = waited >= state.sla.red_s ? "red" : waited >= state.sla.amber_s ? "amber" : "ok";
    const label = { ok: "waiting", amber: "waiting, over the amber limit", red: "waiting, over the red limit" }[level];
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
}

// -- the conversation -------------------------------------------------------------------

async function openConversation(id, focus = true) {
  const result = await api("GET", `/api/handoffs/${id}`);
  if (!state.me) return; // the session ended meanwhile: the sign-in form is showing
  if (result.status !== 200) {
    showOnly("conversation-view");
    $("conversation-title").textContent = "Conversation not found";
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
  loadHistory();
}

// -- the customer's earlier conversations -------------------------------------------------

async function loadHistory() {
  const id = state.current.id;
  $("history-panel").hidden = false;
  $("history-status").textContent = "Loading…";
  const result = await api("GET", `/api/handoffs/${id}/history`);
  // The session ended, or another conversation was opened meanwhile.
  if (!state.me || !state.current || state.current.id !== id) return;
  if (result.status !== 200) {
    $("history").replaceChildren();
    $("history-key").textContent = "";
    $("history-status").textContent = `Earlier conversations could not be loaded: ${problem(result)}.`;
    $("link-form").hidden = true;
    return;
  }
  renderHistory(result.data);
}

function day(iso) {
  return new Date(iso).toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" });
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
    h("p", { class: "outcome" }, OUTCOME_LABELS[conversation.outcome] || humanize(conversation.outcome)),
    reasons ? h("p", { class: "reasons" }, `About: ${reasons}`) : null,
    conversation.handoff_reason
      ? h("p", { class: "reasons" }, `Handed off for: ${humanize(conversation.handoff_reason)}`)
      : null,
    conversation.csat_score
      ? h("p", { class: "csat" }, `Rated ${conversation.csat_score}/5` +
          (conversation.csat_comment ? `: “${conversation.csat_comment}”` : ""))
      : null,
  );
}

function renderHistory(history) {
  const link = history.link;
  let said = "Not linked to a customer yet.";
  if (link && link.source === "manual") said = `Customer ${link.customer_key}, linked by ${link.linked_by}.`;
  else if (link) said = `Customer ${link.customer_key}.`;
  $("history-key").textContent = said;
  $("history-status").textContent = history.conversations.length ? "" : "None yet";
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
    error.textContent = `${method === "PUT" ? "Not linked" : "Not unlinked"}: ${problem(result)}.`;
    return;
  }
  $("link-key").value = "";
  announce(method === "PUT" ? `Linked to ${result.data.customer_key}.` : "Unlinked.");
  loadHistory();
}

function linkCustomer(event) {
  event.preventDefault();
  const key = $("link-key").value.trim();
  if (!key) {
    $("link-error").textContent = "Enter a customer key, such as phone:+14155550101.";
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
    message.role === "customer" ? "Customer" : message.role === "bot" ? "Bot" : message.author || "Agent";
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
      message.id === trigger ? h("span", { class: "badge trigger-badge" }, "Escalated here") : null,
      message.internal ? h("span", { class: "badge note-badge" }, "Internal note") : null,
      message.role === "agent" && !message.internal && message.delivery
        ? h("span", { class: `badge delivery-${message.delivery}` }, DELIVERY_LABELS[message.delivery] || message.delivery)
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
    `${customerLabel(handoff)} on ${channelName(handoff.channel)}`;

  const status = $("conversation-status");
  status.className = "status-line";
  if (handoff.status === "waiting") {
    status.replaceChildren(
      "Waiting for a person for ",
      h("span", { class: "timer", dataset: { since: handoff.created_at } }, ""),
    );
  } else if (handoff.status === "assigned" && mine) {
    status.textContent = "You hold this conversation: the bot is paused until you close it.";
  } else if (handoff.status === "assigned") {
    status.textContent = `Taken by ${handoff.assigned_to}.`;
    status.classList.add("taken");
  } else {
    status.textContent = `Closed${handoff.resolution ? `: ${handoff.resolution}` : "."} The bot has the conversation again.`;
  }

  const customer = handoff.customer || {};
  $("customer").replaceChildren(
    ...fact("Name", customer.name),
    ...fact("Customer ID", handoff.customer_id),
    ...fact("Channel", channelName(handoff.channel)),
    ...fact("Order", orderNumber(handoff)),
    ...fact("Email", summary.email || customer.email),
    ...fact("Reasons", handoff.reasons.map(humanize).join(", ")),
    ...fact("Anger", `${Math.round(handoff.anger * 100)}%`),
    ...fact("Priority", String(handoff.priority)),
    ...fact("Asked about", (summary.intents || []).map(humanize).join(", ")),
    ...fact("Escalated", clock(handoff.created_at)),
    ...fact("Held by", handoff.assigned_to),
  );

  $("claim-box").hidden = handoff.status !== "waiting";
  $("reply-form").hidden = !(handoff.status === "assigned" && mayAct);
  $("close-form").hidden = !mayAct;
  $("transfer-form").hidden = !mayAct;
  const others = state.agents.filter((agent) => agent.name !== handoff.assigned_to);
  const select = $("transfer-to");
  const chosen = select.value;
  select.replaceChildren(
    ...others.map((agent) => h("option", { value: agent.name }, `${agent.name} (${agent.role})`)),
  );
  if (others.some((agent) => agent.name === chosen)) select.value = chosen;
  $("reply-text").maxLength = limitFor(handoff.channel);
  updateCounter();
  tick();
}

function updateCounter() {
  if (!state.current) return;
  const limit = limitFor(state.current.channel);
  const length = $("reply-text").value.length;
  const counter = $("reply-count");
  counter.textContent = `${length} / ${limit} characters (the ${channelName(state.current.channel)} limit)`;
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
    announce("You claimed the conversation.");
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
  $("conversation-status").textContent = `Cannot claim: ${problem(result)}.`;
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
    error.textContent = "Write a message first.";
    box.focus();
    return;
  }
  if (!internal && text.length > limit) {
    error.textContent = `This is ${text.length} characters; ${channelName(handoff.channel)} takes at most ${limit}. Shorten it or send it in parts.`;
    box.focus();
    return;
  }
  $("reply-send").disabled = true;
  const result = await api("POST", `/api/handoffs/${handoff.id}/messages`, { text, internal });
  $("reply-send").disabled = false;
  if (!state.me) return;
  if (result.data && result.data.message && state.current && state.current.id === handoff.id) {
    upsertMessage(result.data.message);
  }
  if (result.status === 201) {
    box.value = "";
    $("reply-internal").checked = false;
    updateCounter();
    box.focus();
  } else if (result.status === 502) {
    error.textContent =
      "Not delivered: the customer's channel did not take the reply. It is kept in the box; send it again to retry.";
  } else {
    error.textContent = `Not sent: ${problem(result)}.`;
  }
}

async function transfer(event) {
  event.preventDefault();
  const to = $("transfer-to").value;
  const error = $("transfer-error");
  error.textContent = "";
  if (!to) {
    error.textContent = "Choose an agent.";
    return;
  }
  const result = await api("POST", `/api/handoffs/${state.current.id}/transfer`, { to });
  if (!state.me) return;
  if (result.status !== 200) {
    error.textContent = `Not transferred: ${problem(result)}.`;
    return;
  }
  apply("handoff.assigned", { handoff: result.data }, false);
  announce(`Transferred to ${to}.`);
}

async function closeHandoff(event) {
  event.preventDefault();
  const resolution = $("resolution").value.trim();
  const error = $("close-error");
  error.textContent = "";
  if (!resolution) {
    error.textContent = "Say how it was resolved: the next agent will read it.";
    $("resolution").focus();
    return;
  }
  $("close").disabled = true;
  const result = await api("POST", `/api/handoffs/${state.current.id}/close`, { resolution });
  $("close").disabled = false;
  if (!state.me) return;
  if (result.status !== 200) {
    error.textContent = `Not closed: ${problem(result)}.`;
    return;
  }
  $("resolution").value = "";
  apply("handoff.closed", { handoff: result.data }, false);
  if (result.data.bot_resumed === false) {
    $("conversation-status").textContent +=
      " The bot could not be resumed yet; the customer's next message will reach it.";
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
  const result = await api("GET", `/api/stats?period=${encodeURIComponent($("period").value)}`);
  if (!state.me) return;
  if (result.status !== 200) {
    $("stats-updated").textContent = `Cannot load the numbers: ${problem(result)}.`;
    return;
  }
  const stats = result.data;
  $("tiles").replaceChildren(
    ...tile("Waiting", stats.waiting, "stat-waiting"),
    ...tile("Active", stats.active, "stat-active"),
    ...tile("Average wait", roughDuration(stats.wait.average_s), "stat-average-wait"),
    ...tile("Longest wait", roughDuration(stats.wait.longest_s), "stat-longest-wait"),
    ...tile("Answered today", stats.answered_today.count, "stat-answered"),
    ...tile("Their average wait", roughDuration(stats.answered_today.average_wait_s), "stat-answer-wait"),
    ...tile("Handled today", stats.handled_today, "stat-handled"),
  );
  renderChart(stats.reasons);
  $("load").replaceChildren(
    ...stats.agents.map((agent) =>
      h("tr", {}, h("th", { scope: "row" }, agent.name), h("td", {}, agent.role),
        h("td", {}, agent.active), h("td", {}, agent.handled_today)),
    ),
  );
  $("stats-updated").textContent = `Updated ${new Date().toLocaleTimeString()} (times in ${stats.timezone}).`;
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
      label: humanize(OTHER), colour: "other", reasons: rest,
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
      ? `Escalations per ${reasons.bucket}, stacked by reason. Totals: ${described}.`
      : "No escalations in this period.",
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
      : [h("span", {}, "No escalations in this period.")]),
  );
  const header = h("tr", {}, h("th", { scope: "col" }, reasons.bucket === "hour" ? "Hour" : "Day"),
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
    $("insights-updated").textContent = `Cannot load the insights: ${problem(result)}.`;
    return;
  }
  const data = result.data;
  $("insights-tiles").replaceChildren(
    ...tile("Conversations", data.sessions, "insight-sessions"),
    ...tile("Resolved by the bot", percent(data.containment), "insight-containment"),
    ...tile("Handed to a person", percent(data.handoff_rate), "insight-handoff"),
    ...tile("Abandoned", percent(data.abandonment_rate), "insight-abandoned"),
    ...tile("Bot's first answer", medianTime(data.times.bot_first_response_s), "insight-bot-first"),
    ...tile("Bot resolution", medianTime(data.times.bot_resolution_s), "insight-bot-resolution"),
    ...tile("Agent's first reply", medianTime(data.times.agent_first_response_s), "insight-agent-first"),
    ...tile("Human resolution", medianTime(data.times.human_resolution_s), "insight-human-resolution"),
  );
  $("handoff-reasons").replaceChildren(
    ...data.handoff_reasons.map((item) =>
      h("tr", {}, h("th", { scope: "row" }, humanize(item.reason)), h("td", {}, item.sessions))),
  );
  if (!data.handoff_reasons.length) {
    $("handoff-reasons").replaceChildren(h("tr", {}, h("td", { colspan: 2 }, "No handoffs in this period.")));
  }
  renderTopReasons(data.top_reasons);
  renderCsat(data.csat);
  renderSentiment(data.sentiment_by_day);
  renderProducts(data.products, data.product_sentiment_by_day);
  // The latest first; the download has them all.
  const latest = data.misses.slice(-MISSES_SHOWN).reverse();
  $("misses").replaceChildren(
    ...latest.map((miss) =>
      h("tr", {}, h("td", {}, new Date(miss.started_at).toLocaleString()),
        h("td", {}, miss.conversation_id), h("td", {}, miss.why),
        h("td", {}, h("a", { href: `/desk/review.html#${encodeURIComponent(miss.review_id)}` },
          h("code", {}, miss.review_id)))),
    ),
  );
  if (!data.misses.length) {
    $("misses").replaceChildren(h("tr", {}, h("td", { colspan: 4 }, "None in this period.")));
  } else if (data.misses.length > MISSES_SHOWN) {
    $("misses").append(h("tr", {}, h("td", { colspan: 4 },
      `The latest ${MISSES_SHOWN} of ${data.misses.length}; the records download has them all.`)));
  }
  const unfinished = data.sessions - data.finished;
  $("insights-updated").textContent =
    `${data.finished} finished conversations` +
    (unfinished ? `, ${unfinished} still going (not in the rates)` : "") + ".";
}

function renderTopReasons(reasons) {
  const width = 760, row = 28, left = 220;
  const height = Math.max(1, reasons.length) * row + 8;
  const top = Math.max(1, ...reasons.map((r) => r.sessions));
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart",
    "aria-label": reasons.length
      ? `Conversations per reason: ${reasons.map((r) => `${humanize(r.reason)} ${r.sessions}`).join(", ")}.`
      : "No conversations in this period.",
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
    figures.answered ? `${percent(figures.satisfied)} of ${figures.answered}` : "–";
  $("csat-tiles").replaceChildren(
    ...tile("Satisfied (CSAT)", satisfied(csat), "insight-csat"),
    ...tile("Average score", csat.average === null ? "–" : csat.average.toFixed(2), "insight-csat-average"),
    ...tile("Answered", percent(csat.response_rate), "insight-csat-response"),
    ...tile("After a person", satisfied(kinds.handoff), "insight-csat-handoff"),
    ...tile("After the bot", satisfied(kinds.bot), "insight-csat-bot"),
  );
  const scores = ["1", "2", "3", "4", "5"];
  const width = 760, row = 28, left = 120;
  const top = Math.max(1, ...scores.map((s) => csat.distribution[s]));
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${scores.length * row + 8}`, role: "img", class: "chart",
    "aria-label": csat.answered
      ? `Answers per score: ${scores.map((s) => `${s}: ${csat.distribution[s]}`).join(", ")}.`
      : "No survey answers in this period.",
  });
  scores.slice().reverse().forEach((score, index) => {
    const y = 4 + index * row;
    const count = csat.distribution[score];
    const length = ((width - left - 60) * count) / top;
    chart.append(
      svg("text", { x: left - 8, y: y + 17, "text-anchor": "end", class: "axis" }, `${score} of 5`),
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
      ? `Mean sentiment per day: ${days.map((d) => `${d} ${byDay[d].toFixed(2)}`).join(", ")}.`
      : "No customer messages in this period.",
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
const PRODUCTS_HINT =
  "Products named in the customers' messages (found with the product catalogue). For each, " +
  "the mean sentiment of every customer message of the conversations that named it, from −1 " +
  "(very negative) to 1; the lines follow the most named ones day by day.";

function productsPanel() {
  if ($("products-panel")) return;
  const panel = h("section", { class: "panel", id: "products-panel", "aria-labelledby": "products-title" },
    h("h2", { id: "products-title" }, "Sentiment per product"),
    h("p", { class: "hint" }, PRODUCTS_HINT),
    h("figure", {}, h("div", { id: "products-chart" })),
    h("figure", {}, h("div", { id: "products-trend" }), h("div", { class: "legend", id: "products-legend" })),
    h("table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Product"), h("th", { scope: "col" }, "Conversations"),
        h("th", { scope: "col" }, "Messages"), h("th", { scope: "col" }, "Mean sentiment"))),
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
      ? "Mean sentiment per product: " +
        shown.map((p) => `${p.product} ${signed(p.mean_compound)} (${p.sessions} conversations)`).join(", ") + "."
      : "No products named in this period.",
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
    $("products").replaceChildren(h("tr", {}, h("td", { colspan: 4 }, "No products named in this period.")));
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
      ? "Sentiment per day of the most named products: " +
        names.map((name) => `${name}: ${Object.entries(byDay[name]).map(([d, v]) => `${d} ${v.toFixed(2)}`).join(", ")}`)
          .join("; ") + "."
      : "No products named in this period.",
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
    $("reply-label").textContent = $("reply-internal").checked
      ? "Internal note (agents only)"
      : "Message to the customer";
    $("reply-send").textContent = $("reply-internal").checked ? "Add note" : "Send reply";
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
}

wire();
start();
