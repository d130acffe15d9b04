// Live events: Socket.IO from the session cookie; after a reconnect, catch up from the last seq.
import { io } from "/vendor/socket.io/socket.io.esm.min.js";

export function connectLive({ sittingId, onEvent, onStatus }) {
  const key = `proctor-last-seq-${sittingId}`;
  let lastSeq = Number(sessionStorage.getItem(key) || 0);
  const socket = io({ transports: ["websocket", "polling"], reconnectionDelayMax: 5000 });

  function accept(payload) {
    if (!payload || payload.sitting_id !== sittingId || payload.seq <= lastSeq) return;
    lastSeq = payload.seq;
    sessionStorage.setItem(key, String(lastSeq));
    onEvent(payload);
    window.dispatchEvent(new CustomEvent("live-event", { detail: payload }));
  }

  socket.on("connect", () => {
    onStatus(true);
    socket.emit("catch_up", { sitting_id: sittingId, after_seq: lastSeq }, (answer) => {
      for (const payload of answer?.events ?? []) accept(payload);
    });
  });
  socket.on("disconnect", () => onStatus(false));
  socket.on("connect_error", () => onStatus(false));
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
