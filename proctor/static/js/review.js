// The chief examiner's live board: a tile per room, the queue of incidents waiting, what falls
// due and when, an alert (sound and badge) when an incident is reported. Live over Socket.IO;
// numbers re-read on events.
import { apiUrl, call } from "./lib/api.js";
import { el, fmt, pageData } from "./lib/dom.js";
import { connectLive } from "./live.js";

const boot = pageData("boot");
const T = pageData("strings");
const sid = boot.sitting_id;
let soundOn = false;
let unseen = 0;
let roomNames = new Map();

// The board only reads: the session and the page's language, no CSRF token.
async function getJSON(path) {
  const response = await call(apiUrl(path), { language: document.documentElement.lang });
  return response.json();
}

// A candidate out of the room longer than the sitting's limit (the board times it itself).
let limitMinutes = 10;
const overdue = (out, now = Date.now()) => now - Date.parse(out.since) > limitMinutes * 60000;
const timeOf = new Intl.DateTimeFormat(document.documentElement.lang || "zh-CN", {
  hour: "2-digit", minute: "2-digit", hour12: false, timeZone: boot.zone });

function outList(room) {
  if (!room.out_now?.length) return null;
  return el("ul", { class: "out-now" }, ...room.out_now.map((out) =>
    el("li", { class: overdue(out) ? "overdue" : undefined, "data-out": out.id },
       fmt(T.out_who, { name: out.name, seat: out.seat_no ?? "—",
                        time: timeOf.format(new Date(out.since)) }))));
}

function tile(room) {
  const numbers = ["seated", "present", "late", "absent", "not_checked_in", "reminders_open",
                   "incidents_waiting", "incidents_confirmed", "out"];
  const classes = ["tile", "room-tile"];
  if (room.incidents_waiting) classes.push("has-incident");
  else if (room.reminders_open) classes.push("has-warning");
  if (room.out_now?.some((out) => overdue(out))) classes.push("out-overdue");
  return el("a", { class: classes.join(" "), href: `/floor/sittings/${sid}/rooms/${room.id}`,
                   "data-room": room.id },
    el("strong", { class: "room-name" }, room.name),
    el("dl", { class: "numbers" }, ...numbers.flatMap((key) => [
      el("dt", {}, T[key]), el("dd", { "data-key": key }, String(room[key] ?? 0))])),
    outList(room),
    el("span", { class: "button small" }, T.open_room));
}

function queueItem(incident) {
  const waiting = incident.status === "reported";
  return el("li", { "data-incident": incident.id },
    el("a", { class: "button", href: `/review/incidents/${incident.id}` },
       waiting ? T.review : T.view), " ",
    el("span", { class: "badge tier" }, T[`tier_${incident.tier}`] ?? ""), " ",
    `${incident.rule_code} · ${roomNames.get(incident.room_id) ?? ""} · `,
    incident.parties.map((p) => `${p.name}${p.ticket_no ? ` (${p.ticket_no})` : ""}`).join("、"),
    incident.status !== "reported" ? ` · ${T[`status_${incident.status}`] ?? incident.status}` : "");
}

// A deadline's due date is a venue date (the server's), shown as it is: never shifted into
// the browser's time zone.
function when({ days_left: days }) {
  if (days < -1) return fmt(T.overdue_by, { n: -days });
  if (days === -1) return T.overdue_one;
  if (days === 0) return T.due_today;
  return days === 1 ? T.due_tomorrow : fmt(T.due_in, { n: days });
}

function deadlineItem(deadline) {
  const person = deadline.person
    ? `${deadline.person.name}${deadline.person.ticket_no ? ` (${deadline.person.ticket_no})` : ""}`
    : "";
  return el("li", { "data-deadline": deadline.kind, "data-incident": deadline.incident_id,
                    class: deadline.overdue ? "overdue" : undefined },
    el("a", { class: "button", href: `/review/incidents/${deadline.incident_id}` }, T.review), " ",
    el("a", { class: "button small",
              href: apiUrl(`/incidents/${deadline.incident_id}/case-file?lang=zh_CN`) },
       T.case_file), " ",
    el("strong", {}, T[`deadline_${deadline.kind}`] ?? deadline.kind), " ",
    el("time", { datetime: deadline.due_on }, deadline.due_on), " ",
    el("span", { class: `badge ${deadline.overdue ? "incident" : "pending"}` }, when(deadline)),
    el("span", {}, [deadline.rule_code, deadline.room, person].filter(Boolean).join(" · ")));
}

async function refresh() {
  try {
    const [board, incidents, deadlines] = await Promise.all([
      getJSON(`/sittings/${sid}/board`), getJSON(`/sittings/${sid}/incidents`),
      getJSON(`/sittings/${sid}/deadlines`)]);
    roomNames = new Map(board.rooms.map((r) => [r.id, r.name]));
    lastBoard = board;
    limitMinutes = board.absence_alert_minutes ?? limitMinutes;
    drawTiles(board);
    const waiting = incidents.filter((i) => i.status === "reported");
    document.getElementById("queue").replaceChildren(...(waiting.length
      ? waiting.map(queueItem) : [el("li", { class: "muted" }, T.nothing_waiting)]));
    document.getElementById("decided").replaceChildren(
      ...incidents.filter((i) => i.status !== "reported").slice(0, 50).map(queueItem));
    document.getElementById("deadlines").replaceChildren(...(deadlines.length
      ? deadlines.map(deadlineItem) : [el("li", { class: "muted" }, T.nothing_due)]));
    document.documentElement.dataset.waiting = String(waiting.length);
    document.documentElement.dataset.deadlines = String(deadlines.length);
  } catch {
    // keep what is shown; the status light says offline
  }
}

function beep() {
  if (!soundOn) return;
  const audio = new AudioContext();
  const tone = audio.createOscillator();
  const gain = audio.createGain();
  tone.frequency.value = 880;
  gain.gain.setValueAtTime(0.2, audio.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
  tone.connect(gain).connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + 0.6);
}

// Only what was reported after this page was drawn is new: the catch-up at connect replays the
// sitting's earlier events too, and those are in the queue already.
const drawnAt = Date.parse(boot.now);
function alertIncident(payload) {
  if (!(Date.parse(payload.at) > drawnAt)) return;
  unseen += 1;
  const badge = document.getElementById("alert-badge");
  badge.textContent = `⚑ ${unseen} · ${fmt(T.new_incident, {
    rule: payload.data.rule_code, room: roomNames.get(payload.room_id) ?? "" })}`;
  badge.hidden = false;
  beep();
}

// A statement or a review request (sent from a candidate's page or recorded by staff): named
// in the same badge, so the chief sees that the candidate has answered.
function alertAnswer(payload) {
  if (!(Date.parse(payload.at) > drawnAt)) return;
  const text = payload.type === "statement_received"
    ? fmt(T.new_statement, { number: payload.data.number })
    : fmt(T.new_review_request, { id: payload.data.notice_id });
  const badge = document.getElementById("alert-badge");
  badge.textContent = `✉ ${text}`;
  badge.dataset.answer = payload.type;
  badge.hidden = false;
  beep();
}

// A face that does not match its registration photo (人证不一致): the candidate goes on the
// board at once (the catch-up at connect lists the earlier ones), with the alert if it is new.
const mismatches = new Set();
function identityMismatch(payload) {
  const { ticket_no: ticket, subject, name, seat_no: seat } = payload.data;
  if (!mismatches.has(`${ticket}/${subject}`)) {
    mismatches.add(`${ticket}/${subject}`);
    const room = roomNames.get(payload.room_id) ?? "";
    const text = fmt(T.identity_mismatch, { name, ticket, room, seat: seat ?? "" });
    document.getElementById("identity-list").append(el("li", { "data-ticket": ticket },
      el("a", { class: "button", href: `/review/sittings/${sid}/candidates/${encodeURIComponent(ticket)}` },
         T.view), " ", text));
    document.getElementById("identity-alerts").hidden = false;
    if (Date.parse(payload.at) > drawnAt) {
      const badge = document.getElementById("alert-badge");
      badge.textContent = `⚠ ${text}`;
      badge.dataset.answer = payload.type;
      badge.hidden = false;
      beep();
    }
  }
}

// Each absence past the limit alerts once on this board (remembered across a reload): the
// badge names it and the tone sounds; its tile stays marked while it lasts.
const ALERTED = "proctor-board-absences-alerted";
let lastBoard = null;
function checkAbsences() {
  if (!lastBoard) return;
  let seen;
  try {
    seen = new Set(JSON.parse(localStorage.getItem(ALERTED) ?? "[]"));
  } catch {
    seen = new Set();
  }
  const fresh = lastBoard.rooms.flatMap((room) => (room.out_now ?? [])
    .filter((out) => overdue(out) && !seen.has(out.id)).map((out) => ({ room, out })));
  if (!fresh.length) return;
  fresh.forEach(({ out }) => seen.add(out.id));
  try {
    localStorage.setItem(ALERTED, JSON.stringify([...seen].slice(-1000)));
  } catch {
    // private mode: the alert may come again after a reload
  }
  const { room, out } = fresh[0];
  const badge = document.getElementById("alert-badge");
  badge.textContent = fmt(T.absence_board_alert, { limit: limitMinutes, name: out.name,
                                                 room: room.name });
  badge.dataset.absence = String(out.id);
  badge.hidden = false;
  document.documentElement.dataset.absenceAlerts =
    String(Number(document.documentElement.dataset.absenceAlerts ?? 0) + fresh.length);
  beep();
}

function drawTiles(board) {
  document.getElementById("tiles").replaceChildren(...board.rooms.map(tile));
}

let timer = null;
function onEvent(payload) {
  if (payload.type === "identity_mismatch") identityMismatch(payload);
  if (payload.type === "incident_reported") alertIncident(payload);
  if (payload.type === "statement_received" || payload.type === "review_requested") {
    alertAnswer(payload);
  }
  clearTimeout(timer);
  timer = setTimeout(() => refresh().then(checkAbsences), 200);
}

document.getElementById("sound").addEventListener("click", (event) => {
  soundOn = !soundOn;  // browsers play sound only after a tap, so the chief turns it on
  event.currentTarget.setAttribute("aria-pressed", String(soundOn));
  event.currentTarget.textContent = soundOn ? T.sound_off : T.sound_on;
  if (soundOn) beep();
});
document.getElementById("alert-badge").addEventListener("click", (event) => {
  unseen = 0;
  event.currentTarget.hidden = true;
});

refresh().then(checkAbsences);
// Absences run past their limit with no event: redraw the tiles and look every 15 s.
setInterval(() => {
  if (lastBoard) drawTiles(lastBoard);
  checkAbsences();
}, 15000);
connectLive({
  sittingId: sid,
  onEvent,
  onRefused: (seconds) => {
    document.getElementById("sync-text").textContent = fmt(T.server_full, { s: seconds });
  },
  onStatus: (online) => {
    document.documentElement.dataset.live = online ? "1" : "0";
    document.getElementById("sync").className = `sync ${online ? "online" : "offline"}`;
    document.getElementById("sync-text").textContent = online ? T.online : T.offline;
    if (online) refresh();
  },
});
