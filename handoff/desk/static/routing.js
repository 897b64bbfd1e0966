// Skills routing in the desk (handoff.routing): the signed-in person's own
// status, the conversations offered to them, and for supervisors the queues
// per skill and each agent's skills.
//
// Offers come with the handoffs themselves: every handoff the desk learns of
// (the lists, and each event, which carries the whole handoff) says whom it
// is offered to and until when, so the desk's one event stream keeps the
// offers current; handoff.offered and handoff.offer_ended only make it sooner.
// The countdown runs on the server's clock (desk.serverNow), since the offer
// expires by it.

import { languageName, t } from "./i18n.js";

let desk = null; // what desk.js shares: see setupRouting's caller

const $ = (id) => document.getElementById(id);
const STATES = ["available", "away", "offline"];
// As handoff.bodies.AgentRouting takes it; the service checks every field
// too (400 with the reason, shown as is), this only saves a round trip.
const MAX_CAPACITY = 100;

export function setupRouting(shared) {
  desk = shared;
  $("agent-state").addEventListener("change", changeState);
  $("offers-list").addEventListener("click", answerOffer);
  $("skills-form").addEventListener("submit", saveSkills);
  $("skills-agent").addEventListener("change", fillSkillsForm);
}

// -- my status --------------------------------------------------------------------------

export async function loadMyState() {
  const result = await desk.api("GET", "/api/agents/routing");
  if (!desk.state.me || result.status !== 200) return;
  desk.state.routing = result.data;
  const mine = result.data.agents.find((agent) => agent.name === desk.state.me.name);
  $("agent-state-box").hidden = !mine;
  if (mine) {
    $("agent-state").value = mine.state;
    $("agent-state").dataset.current = mine.state;
  }
}

async function changeState() {
  const select = $("agent-state");
  const wanted = select.value;
  if (!STATES.includes(wanted)) return;
  $("agent-state-error").textContent = "";
  select.disabled = true;
  const result = await desk.api("PUT", "/api/agents/me/state", { state: wanted });
  select.disabled = false;
  if (!desk.state.me) return;
  if (result.status !== 200) {
    select.value = select.dataset.current || "offline";
    $("agent-state-error").textContent = t("state.failed", { problem: desk.problem(result) });
    return;
  }
  select.value = result.data.state;
  select.dataset.current = result.data.state;
  desk.announce(t("state.now", { state: t(`state.${result.data.state}`) }));
}

// -- offers -----------------------------------------------------------------------------

// Keeps desk.state.offers in step with a handoff as it is now; true when it is newly offered to me.
export function trackOffer(handoff) {
  const offers = desk.state.offers;
  const mine =
    handoff.status === "waiting" &&
    handoff.offered_to === desk.state.me.name &&
    Boolean(handoff.offer_expires_at);
  const fresh = mine && !offers.has(handoff.id);
  if (mine) offers.set(handoff.id, handoff);
  else offers.delete(handoff.id);
  return fresh;
}

export function announceOffer(handoff) {
  const left = (Date.parse(handoff.offer_expires_at) - desk.serverNow()) / 1000;
  desk.announce(t("offer.new", {
    customer: desk.customerLabel(handoff),
    channel: desk.channelName(handoff.channel),
    time: desk.duration(left),
  }));
  desk.beep();
}

// The service ended an offer this desk still showed: it expired (or was withdrawn: claimed
// by hand, closed) before the agent answered.
export function offerEnded(handoff, outcome) {
  desk.announce(t(outcome === "expired" ? "offer.expired" : "offer.withdrawn", {
    customer: desk.customerLabel(handoff),
  }));
}

function offerCard(handoff) {
  const reasons = handoff.reasons.map(desk.humanize).join(" · ") || t("card.noReason");
  return desk.h(
    "li",
    { class: "card offer", dataset: { id: handoff.id } },
    desk.h("p", { class: "card-head" },
      desk.h("strong", {}, desk.customerLabel(handoff)),
      desk.h("span", { class: "countdown", dataset: { expires: handoff.offer_expires_at } }, "")),
    desk.h("p", { class: "chips" },
      desk.h("span", { class: "chip" }, desk.channelName(handoff.channel)),
      desk.h("span", { class: "chip language", title: t("card.language", { language: languageName(handoff.language) }) },
        String(handoff.language || "").toUpperCase()),
      desk.h("span", { class: `chip priority-${handoff.priority}` }, t("card.priority", { priority: handoff.priority }))),
    desk.h("p", { class: "reasons" }, reasons),
    desk.h("p", { class: "offer-actions" },
      desk.h("button", { type: "button", dataset: { action: "accept", id: handoff.id } }, t("offer.accept")),
      desk.h("button", { type: "button", class: "secondary", dataset: { action: "decline", id: handoff.id } },
        t("offer.decline"))),
    desk.h("p", { class: "error", role: "alert" }),
  );
}

let shown = ""; // what the offers list was last built from

// Rebuilt only when the offers change (or `force`, for the interface's language):
// every event renders the lists, and rebuilding would take the focus off a button.
export function renderOffers(force = false) {
  const offers = [...desk.state.offers.values()].sort(
    (a, b) => Date.parse(a.offer_expires_at) - Date.parse(b.offer_expires_at),
  );
  const signature = offers.map((offer) => `${offer.id}@${offer.offer_expires_at}`).join(" ");
  if (force || signature !== shown) $("offers-list").replaceChildren(...offers.map(offerCard));
  shown = signature;
  $("offers").hidden = offers.length === 0;
  tickOffers();
}

export function tickOffers() {
  let expired = false;
  for (const countdown of document.querySelectorAll("#offers-list .countdown[data-expires]")) {
    const left = (Date.parse(countdown.dataset.expires) - desk.serverNow()) / 1000;
    if (left <= 0) {
      // The router withdraws it by itself; it is no longer this agent's to take.
      const id = Number(countdown.closest("li").dataset.id);
      const handoff = desk.state.offers.get(id);
      desk.state.offers.delete(id);
      if (handoff) desk.announce(t("offer.expired", { customer: desk.customerLabel(handoff) }));
      expired = true;
      continue;
    }
    countdown.textContent = t("offer.expiresIn", { time: desk.duration(Math.ceil(left)) });
    countdown.classList.toggle("urgent", left <= 10);
  }
  if (expired) renderOffers();
}

async function answerOffer(event) {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const id = Number(button.dataset.id);
  const action = button.dataset.action;
  const handoff = desk.state.offers.get(id);
  if (!handoff) return;
  const card = button.closest("li");
  for (const each of card.querySelectorAll("button")) each.disabled = true;
  const result = await desk.api("POST", `/api/handoffs/${id}/${action}`);
  if (!desk.state.me) return;
  if (result.status === 200) {
    desk.state.offers.delete(id);
    const customer = desk.customerLabel(handoff);
    desk.apply(action === "accept" ? "handoff.assigned" : "handoff.offer_ended", { handoff: result.data }, false);
    renderOffers();
    if (action === "accept") {
      desk.announce(t("offer.accepted", { customer }));
      location.hash = `#/handoffs/${id}`;
    } else {
      desk.announce(t("offer.declined", { customer }));
    }
    return;
  }
  for (const each of card.querySelectorAll("button")) each.disabled = false;
  const key = result.status === 409 ? "offer.gone" : "offer.failed";
  card.querySelector(".error").textContent = t(key, { problem: desk.problem(result) });
  if (result.status === 409) {
    // Expired or withdrawn meanwhile: the handoff as it is now says which.
    const now = await desk.api("GET", `/api/handoffs/${id}`);
    if (now.status === 200) {
      const { transcript, ...fields } = now.data;
      trackOffer(fields);
      setTimeout(renderOffers, 4000); // long enough to read why it went
    }
  }
}

// -- supervisors: queues per skill and agents' skills ---------------------------------------

export async function loadQueues() {
  const [queues, routing] = await Promise.all([
    desk.api("GET", "/api/queues"),
    desk.api("GET", "/api/agents/routing"),
  ]);
  if (!desk.state.me) return;
  if (queues.status !== 200) {
    $("queues-note").textContent = t("queues.failed", { problem: desk.problem(queues) });
    return;
  }
  renderQueues(queues.data, routing.status === 200 ? routing.data : null);
  if (routing.status === 200) {
    desk.state.routing = routing.data;
    renderSkills(routing.data.agents);
  }
}

function renderQueues(data, routing) {
  const now = desk.serverNow();
  const rows = data.queues.map((queue) => {
    const name = queue.kind === "language"
      ? t("queues.language", { name: languageName(queue.skill) })
      : t("queues.topic", { name: desk.humanize(queue.skill) });
    const oldest = queue.oldest_created_at
      ? desk.roughDuration((now - Date.parse(queue.oldest_created_at)) / 1000)
      : "–";
    return desk.h("tr", { dataset: { skill: `${queue.kind}:${queue.skill}` }, class: queue.waiting && !queue.agents_available ? "unstaffed" : null },
      desk.h("th", { scope: "row" }, name),
      desk.h("td", {}, queue.waiting), desk.h("td", {}, queue.offered), desk.h("td", {}, oldest),
      desk.h("td", {}, queue.agents_available), desk.h("td", {}, queue.agents_online),
      desk.h("td", {}, queue.spare_capacity));
  });
  if (!rows.length) rows.push(desk.h("tr", {}, desk.h("td", { colspan: 7 }, t("queues.none"))));
  $("queues").replaceChildren(...rows);
  const notes = [data.unstaffed ? t("queues.unstaffed", { count: data.unstaffed }) : t("queues.allStaffed")];
  if (routing && !routing.auto_assign) notes.push(t("queues.autoOff"));
  $("queues-note").textContent = notes.join(" ");
}

function renderSkills(agents) {
  $("skills").replaceChildren(...agents.map((agent) =>
    desk.h("tr", { dataset: { agent: agent.name } },
      desk.h("th", { scope: "row" }, agent.name),
      desk.h("td", {}, t(`state.${agent.state}`)),
      desk.h("td", {}, agent.languages.join(", ")),
      desk.h("td", {}, agent.topics.join(", ") || "–"),
      desk.h("td", {}, agent.capacity),
      desk.h("td", {}, agent.load))));
  const select = $("skills-agent");
  const chosen = select.value;
  select.replaceChildren(...agents.map((agent) => desk.h("option", { value: agent.name }, agent.name)));
  if (agents.some((agent) => agent.name === chosen)) select.value = chosen;
  // Not while a supervisor is typing: the numbers refresh every half minute.
  if (!$("skills-form").contains(document.activeElement) || chosen !== select.value) fillSkillsForm();
}

function fillSkillsForm() {
  const agents = (desk.state.routing && desk.state.routing.agents) || [];
  const agent = agents.find((each) => each.name === $("skills-agent").value);
  if (!agent) return;
  $("skills-languages").value = agent.languages.join(", ");
  $("skills-topics").value = agent.topics.join(", ");
  $("skills-capacity").value = agent.capacity;
  $("skills-error").textContent = "";
}

const list = (value) =>
  [...new Set(value.split(",").map((item) => item.trim().toLowerCase()).filter(Boolean))];

async function saveSkills(event) {
  event.preventDefault();
  const name = $("skills-agent").value;
  const error = $("skills-error");
  error.textContent = "";
  const languages = list($("skills-languages").value);
  const topics = list($("skills-topics").value);
  const capacity = Number($("skills-capacity").value);
  if (!languages.length) {
    error.textContent = t("skills.noLanguage");
    $("skills-languages").focus();
    return;
  }
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
    error.textContent = t("skills.badCapacity");
    $("skills-capacity").focus();
    return;
  }
  if (!name) return;
  $("skills-save").disabled = true;
  const result = await desk.api("PUT", `/api/agents/${encodeURIComponent(name)}/routing`,
    { languages, topics, capacity });
  $("skills-save").disabled = false;
  if (!desk.state.me) return;
  if (result.status !== 200) {
    error.textContent = t("skills.failed", { problem: desk.problem(result) });
    return;
  }
  desk.announce(t("skills.saved", { name }));
  await loadQueues();
}
