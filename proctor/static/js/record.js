// The room record on the invigilator's tablet: the close-out counts, an explanation for each
// discrepancy, and the sign-off. After a write the page is read again from the server; a
// refusal is shown in the server's words (the page's language) and the record stays as it is.
// The other tablet of the room sees a change live (it reloads unless something is being typed).
import { connectLive } from "./live.js";
import { csrfToken, send } from "./lib/api.js";
import { el, pageData } from "./lib/dom.js";

const article = document.querySelector("article.room-record");
const words = pageData("record-words");
const language = article?.dataset.lang === "en" ? "en" : "zh-CN";
const message = document.getElementById("closeout-message");
const newClientId = () => (crypto.randomUUID ? crypto.randomUUID()
  : `${Date.now()}-${Math.random()}`.replace(".", ""));

function say(text) {
  message.textContent = text;
  message.hidden = false;
  message.scrollIntoView({ block: "center" });
}

// Mark the discrepancies the server named as still unexplained.
function markOpen(listed) {
  const keys = new Set((listed ?? []).map((d) => d.key));
  for (const item of document.querySelectorAll("li.discrepancy")) {
    item.classList.toggle("refused", keys.has(item.dataset.key));
  }
}

// One write. Answers {answered}: false when the network failed before the server answered
// (the form then sends the same client_id again, so a retry never records twice).
async function write(url, method, body, button) {
  button.disabled = true;
  let response;
  try {
    response = await send(url, { method, json: body, csrf: csrfToken(), language,
                                 accept: "application/json" });
  } catch {
    button.disabled = false;
    say(words.offline);
    return { answered: false };
  }
  if (response.ok) {
    window.location.reload();
    return { answered: true };
  }
  const payload = await response.json().catch(() => ({}));
  button.disabled = false;
  say(payload?.error?.message ?? `HTTP ${response.status}`);
  markOpen(payload?.error?.discrepancies);
  return { answered: true };
}

function counts(form) {
  let pending = null;  // {clientId, values} of a write the server has not answered yet
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { handed_out: Number(form.handed_out.value),
                   collected: Number(form.collected.value) };
    const values = JSON.stringify(body);
    if (pending?.values !== values) pending = { clientId: newClientId(), values };
    const { answered } = await write(form.dataset.url, "PUT",
                                     { client_id: pending.clientId, ...body },
                                     form.querySelector("button"));
    if (answered) pending = null;
  });
}

function explanation(form) {
  let pending = null;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = form.text.value;
    if (pending?.text !== text) pending = { clientId: newClientId(), text };
    const { answered } = await write(form.dataset.url, "POST", {
      client_id: pending.clientId, discrepancy: form.dataset.key, text },
      form.querySelector("button"));
    if (answered) pending = null;
  });
}

const countsForm = document.getElementById("closeout-form");
if (countsForm) counts(countsForm);
for (const form of document.querySelectorAll("form.explain")) explanation(form);

const button = document.getElementById("signoff");
if (button) {
  button.addEventListener("click", () => write(button.dataset.url, "POST", undefined, button));
}

// Live: a close-out, an explanation, a check-in or a sign-off of this room from the other tablet.
const typing = () => [...document.querySelectorAll("form.explain textarea")]
  .some((area) => area.value.trim()) || document.activeElement?.matches("input, textarea");
if (article) {
  const room = Number(article.dataset.room);
  const shownSeq = Number(article.dataset.seq);  // what the page was rendered from
  connectLive({
    sittingId: Number(article.dataset.sitting),
    onStatus: () => {},
    onRefused: () => {},
    onEvent: (payload) => {
      if (payload.seq <= shownSeq || payload.room_id !== room || !["closeout_recorded", "discrepancy_explained",
        "attendance_recorded", "room_record_signed"].includes(payload.type)) return;
      if (!typing()) {
        window.location.reload();
        return;
      }
      say(words.updated);
      message.append(" ", el("button.button", { type: "button",
        onclick: () => window.location.reload() }, words.reload));
    },
  });
}
