// Live events: Socket.IO from the session cookie. Each event is applied once (by its seq, in
// whatever order it arrives: the screens re-read the server's state on an event). After every
// (re)connect the tablet asks for everything after the last seq it saw; events that arrive while
// that answer is on its way are held and merged with it, so none is lost in between. It asks
// from a little before that seq (repeats are dropped), and again every few minutes: with several
// server processes an event can be committed before one the tablet saw yet sent after it, and a
// process that dies between commit and send never sends it at all.
// A server at its connection limit refuses a new socket at once: the page says so, and the
// tablet tries again after the delay the server gave, doubled at each refusal up to a minute,
// with jitter so a venue's tablets do not come back all at the same moment.
import { io } from "/vendor/socket.io/socket.io.esm.min.js";

const REMEMBERED = 5000;  // seqs kept to drop repeats
const CATCH_UP_TIMEOUT_MS = 15000;
const CATCH_UP_MARGIN = 100;  // seqs before the last one seen that are asked for again
const RECHECK_MS = 3 * 60 * 1000;
const MAX_RETRY_SECONDS = 60;

export function connectLive({ sittingId, onEvent, onStatus, onRefused }) {
  const key = `proctor-last-seq-${sittingId}`;
  let lastSeq = Number(sessionStorage.getItem(key) || 0);
  const seen = new Set();
  let held = null;  // live events that arrived while a catch-up was in flight
  let refusals = 0;
  const socket = io({ transports: ["websocket", "polling"], reconnectionDelayMax: 5000 });

  function apply(payload) {
    if (!payload || payload.sitting_id !== sittingId || seen.has(payload.seq)) return;
    seen.add(payload.seq);
    if (seen.size > REMEMBERED) {
      for (const seq of seen) if (seq < lastSeq - REMEMBERED) seen.delete(seq);
    }
    if (payload.seq > lastSeq) {
      lastSeq = payload.seq;
      sessionStorage.setItem(key, String(lastSeq));
    }
    onEvent(payload);
    window.dispatchEvent(new CustomEvent("live-event", { detail: payload }));
  }

  function accept(payload) {
    if (held) held.push(payload);
    else apply(payload);
  }

  // Everything after `after` that this user may see, page by page, merged with what arrived
  // live meanwhile.
  function catchUp(after, found = []) {
    if (held === null) held = [];
    socket.timeout(CATCH_UP_TIMEOUT_MS).emit(
      "catch_up", { sitting_id: sittingId, after_seq: after }, (error, answer) => {
        const page = error ? [] : (answer?.events ?? []);
        if (answer?.more && page.length) {
          catchUp(page[page.length - 1].seq, found.concat(page));
          return;
        }
        const arrived = held ?? [];
        held = null;
        for (const payload of [...found, ...page, ...arrived].sort((a, b) => a.seq - b.seq)) {
          apply(payload);
        }
      });
  }

  socket.on("connect", () => {
    refusals = 0;
    onStatus(true);
    catchUp(Math.max(0, lastSeq - CATCH_UP_MARGIN));
  });
  setInterval(() => {
    if (socket.connected && held === null) catchUp(Math.max(0, lastSeq - CATCH_UP_MARGIN));
  }, RECHECK_MS);
  socket.on("disconnect", () => {
    held = null;
    onStatus(false);
  });
  socket.on("connect_error", (error) => {
    onStatus(false);
    // A network failure: Socket.IO reconnects by itself. A refusal by the server does not.
    if (socket.active || error?.data?.code !== "server_full") return;
    refusals += 1;
    const base = Number(error.data.retry_after) || 5;
    const seconds = Math.min(MAX_RETRY_SECONDS, base * 2 ** (refusals - 1))
      * (0.5 + Math.random());
    onRefused?.(Math.round(seconds));
    setTimeout(() => socket.connect(), seconds * 1000);
  });
  socket.on("session_ended", () => {
    socket.disconnect();
    window.dispatchEvent(new CustomEvent("session-ended"));
  });
  socket.onAny((name, payload) => { if (name !== "session_ended") accept(payload); });
  return {
    socket,
    setLastSeq(seq) {
      if (seq > lastSeq) {
        lastSeq = seq;
        sessionStorage.setItem(key, String(seq));
      }
    },
  };
}
