// The outbox: every write goes here first (IndexedDB), and leaves only when the server answered.
// Items are replayed in the order they were made; a replay is harmless because each write
// carries a client_id the server has seen before (it answers with the record it made).
// No full ID number is ever stored here.
import { openDB } from "/vendor/idb/index.js";

const DB_NAME = "proctor-tablet";
const OUTBOX = "outbox";
const KNOWN = "known"; // client_id -> server id, for writes that refer to an earlier one

let opening = null;
function db() {
  opening ??= openDB(DB_NAME, 1, {
    upgrade(database) {
      database.createObjectStore(OUTBOX, { keyPath: "seq", autoIncrement: true });
      database.createObjectStore(KNOWN);
    },
  });
  return opening;
}

function changed() {
  count().then((n) => window.dispatchEvent(new CustomEvent("outbox-changed", { detail: n })));
}

const FULL_ID = /\d{17}[\dXx]/;

export async function enqueue(item) {
  const record = { ...item, queued_at: new Date().toISOString() };
  if (FULL_ID.test(JSON.stringify(record))) {
    throw new Error("an ID number may not be kept on the tablet");
  }
  const seq = await (await db()).add(OUTBOX, record);
  changed();
  return { ...record, seq };
}

export async function items() {
  return (await db()).getAll(OUTBOX);
}

export async function count() {
  return (await db()).count(OUTBOX);
}

export async function remember(clientId, serverId) {
  await (await db()).put(KNOWN, serverId, clientId);
}

export async function recall(clientId) {
  return (await db()).get(KNOWN, clientId);
}

export async function clearAll() {
  const database = await db();
  await database.clear(OUTBOX);
  await database.clear(KNOWN);
  changed();
}

let flushing = null;

// send(item) resolves to "done" (the server answered: keep nothing) or "keep" (try later);
// it throws when the network is down. Replay stops at the first item that cannot go yet,
// so later items never overtake earlier ones.
export function flush(send) {
  flushing ??= (async () => {
    try {
      for (const item of await items()) {
        const outcome = await send(item);
        if (outcome !== "done") return false;
        await (await db()).delete(OUTBOX, item.seq);
        changed();
      }
      return true;
    } catch {
      return false;
    } finally {
      flushing = null;
    }
  })();
  return flushing;
}

changed();
