// The room's state: what the server said last, with this tablet's waiting writes laid over it.
import { apiUrl, errorMessage, send } from "../lib/api.js";
import { fmt } from "../lib/dom.js";
import * as outbox from "../outbox.js";
import { T, acceptLanguage, csrf, rid, sid, toast } from "./common.js";

export const store = { server: null, pending: [], events: [], online: navigator.onLine };
const listeners = new Set();
export const subscribe = (fn) => listeners.add(fn);
const notify = () => listeners.forEach((fn) => fn(store));

let skewShown = false;
function checkSkew(response) {
  const header = response.headers.get("Date");
  if (!header || skewShown) return;
  const minutes = Math.round((Date.now() - Date.parse(header)) / 60000);
  if (Math.abs(Date.now() - Date.parse(header)) > 60000) {
    const banner = document.getElementById("skew");
    banner.textContent = fmt(T.skew, { m: minutes });
    banner.hidden = false;
    skewShown = true;
  }
}

function needLogin() {
  const banner = document.getElementById("attention");
  banner.textContent = T.login_needed;
  banner.hidden = false;
}

async function getJSON(path) {
  const response = await send(apiUrl(path), { accept: "application/json",
                                              language: acceptLanguage });
  checkSkew(response);
  if (response.status === 401) needLogin();
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

export async function loadState() {
  try {
    store.server = await getJSON(`/sittings/${sid}/rooms/${rid}/state`);
  } catch {
    // Offline with nothing cached yet: keep what is on screen.
  }
  store.pending = await outbox.items();
  notify();
}

export async function loadTimeline() {
  try {
    const events = await getJSON(`/sittings/${sid}/events?room_id=${rid}`);
    store.events = events.reverse();
  } catch {
    // keep the timeline we have
  }
  notify();
}

let reloadTimer = null;
export function scheduleReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(loadState, 250);
}

export function acceptEvent(payload) {
  if (payload.room_id !== rid) return;
  if (!store.events.some((e) => e.seq === payload.seq)) {
    store.events.unshift(payload);
    store.events.sort((a, b) => b.seq - a.seq);
  }
  scheduleReload();
  notify();
}

// A write: into the outbox first, shown at once as waiting, then sent when the network allows.
// Resolves once this attempt to send is over (the item answered, or still waiting offline).
export async function submit(item) {
  await outbox.enqueue(item);
  store.pending = await outbox.items();
  notify();
  await sync();
}

// A JSON body, or a multipart form for a photo or a signature (its Blob kept in IndexedDB).
function transmit(item, url = item.url) {
  const options = { method: item.method, accept: "application/json", language: acceptLanguage,
                    csrf };
  if (!item.form) return send(url, { ...options, json: item.body });
  const form = new FormData();
  for (const [key, value] of Object.entries(item.form)) {
    if (value instanceof Blob) form.append(key, value, item.filename ?? "photo.jpg");
    else if (value !== null && value !== undefined) form.append(key, value);
  }
  return send(url, { ...options, form });
}

async function deliver(item) {
  let url = item.url;
  if (item.ref) {
    const id = await outbox.recall(item.ref);
    if (id === undefined) return "keep";
    url = url.replace("{ref}", id);
  }
  const response = await transmit(item, url);
  checkSkew(response);
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 || data.error?.code === "csrf_failed") {
    needLogin();
    return "keep";
  }
  if (response.status === 503 && data.error?.code === "storage_unavailable") {
    // The server cannot store it just now (its disk is full or its database busy): keep the
    // write, say so once, and wait as long as the server asks before trying again.
    const seconds = Number(response.headers.get("Retry-After")) || 10;
    if (Date.now() >= pausedUntil) toast(fmt(T.storage_busy, { message: data.error.message }), "error");
    pausedUntil = Date.now() + seconds * 1000;
    return "keep";
  }
  if (response.status >= 500 || response.status === 429) return "keep";
  if (response.ok) {
    if (item.client_id && data.id !== undefined) await outbox.remember(item.client_id, data.id);
    return "done";
  }
  // The server answered and refused: the invigilator must know, the record is not kept.
  toast(fmt(T.rejected, { message: `${item.label} · ${data.error?.message ?? response.status}` }),
        "error");
  return "done";
}

let pausedUntil = 0;  // the server asked to wait (503 storage_unavailable with Retry-After)

// One flush at a time; a sync asked for meanwhile runs once the current one is over (an item
// queued while a flush is under way is then sent too, and its caller waits for that).
let running = null;
let again = false;
export function sync() {
  if (running) {
    again = true;
    return running;
  }
  if (Date.now() < pausedUntil) return Promise.resolve();
  running = (async () => {
    try {
      do {
        again = false;
        const before = (await outbox.items()).length;
        const complete = await outbox.flush(deliver);
        store.pending = await outbox.items();
        store.online = complete || navigator.onLine;
        if (before > 0 && store.pending.length < before) await loadState();
        notify();
      } while (again);
    } finally {
      running = null;
    }
  })();
  return running;
}

// A write that must not wait in the outbox (it carries an ID number): straight to the server.
export async function sendNow(item) {
  const response = await transmit(item);
  checkSkew(response);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(errorMessage(data, response.status));
  scheduleReload();
  return data;
}

window.addEventListener("outbox-changed", async () => {
  store.pending = await outbox.items();
  notify();
});
