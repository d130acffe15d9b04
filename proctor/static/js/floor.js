// The room screen: wiring of the seat grid, the card, the incident form, the log and the
// timeline to the outbox and the live events.
import { connectLive } from "./live.js";
import { initCard, openCard, refreshCard } from "./floor/card.js";
import { openDetail } from "./floor/detail.js";
import {
  T, currentSubject, isoWithOffset, newClientId, rid, sid, toast,
} from "./floor/common.js";
import {
  renderClock, renderGrid, renderLog, renderSync, renderTimeline,
} from "./floor/grid.js";
import { initIncident, openIncident } from "./floor/incident.js";
import { checkAbsences, outOf, setLimit } from "./floor/movements.js";
import {
  initPatrol, isPatrol, loadFlags, onFlagEvent, openFlagForm, renderFlags,
} from "./floor/flags.js";
import {
  acceptEvent, loadState, loadTimeline, store, submit, subscribe, sync,
} from "./floor/sync.js";
import { viewOf } from "./floor/view.js";
import { apiUrl } from "./lib/api.js";
import { el, fmt } from "./lib/dom.js";

let picking = null;  // {onSeat, onDone} while the incident form borrows the grid

function onSeat(seatNo, seat) {
  if (picking) {
    if (seat) picking.onSeat(seat);
    document.querySelector(`[data-seat="${seatNo}"]`)?.classList.add("picked");
    return;
  }
  if (isPatrol) openFlagForm(seatNo, seat);  // a patrol reads; it only flags
  else if (seat) openCard(seat, store.view);
}

function pickSeats(onPicked, onDone) {
  const banner = document.getElementById("picking");
  banner.replaceChildren(T.pick_seats, " ",
    el("button.button.primary", { type: "button", onclick: () => {
      picking = null;
      banner.hidden = true;
      document.body.classList.remove("picking");
      onDone();
    } }, T.done));
  banner.hidden = false;
  document.body.classList.add("picking");
  picking = { onSeat: onPicked };
}

function render() {
  setLimit(store.server?.absence_alert_minutes);
  store.view = viewOf(store);
  renderGrid(store.view, onSeat);
  renderFlags(store.view);
  renderLog(store.view);
  renderTimeline(store.events);
  renderSync(store);
  refreshCard(store.view);
  checkAbsences(store.view);
}

function logButtons() {
  const note = document.getElementById("log-note");
  const kinds = ["subject_started", "subject_ended", "rules_read", "late_arrival", "illness",
                 "evacuation", "equipment_fault", "misprint", "power_cut", "other"];
  document.getElementById("log-buttons").replaceChildren(...kinds.map((kind) =>
    el("button.button", { type: "button", dataset: { kind }, onclick: () => {
      const text = note.value.trim();
      if (kind === "other" && !text) {
        toast(T.note_required, "error");
        note.focus();
        return;
      }
      const clientId = newClientId();
      submit({ kind: "log", client_id: clientId, method: "POST",
               url: apiUrl(`/sittings/${sid}/rooms/${rid}/log`), label: T[`log_${kind}`],
               body: { client_id: clientId, kind, note: text || null,
                       subject: currentSubject()?.code ?? null, observed_at: isoWithOffset() } });
      note.value = "";
    } }, T[`log_${kind}`])));
}

function tabs() {
  for (const button of document.querySelectorAll("[data-tab]")) {
    button.addEventListener("click", () => {
      for (const other of document.querySelectorAll("[data-tab]")) {
        const chosen = other === button;
        other.setAttribute("aria-selected", String(chosen));
        document.getElementById(`tab-${other.dataset.tab}`).hidden = !chosen;
      }
    });
  }
}

// Once the service worker controls this page, fetch the page and its data again through it,
// so a reload without the network still opens this room.
async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => {
        navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true });
      });
    }
    await fetch(location.href, { credentials: "same-origin" });
    await Promise.all([loadState(), loadTimeline()]);
    document.documentElement.dataset.offlineReady = "1";
  } catch {
    // Without a service worker the screen still works online; the outbox keeps every write.
  }
}

subscribe(render);
initCard(openIncident, openDetail);
initIncident(pickSeats);
if (isPatrol) initPatrol();
else logButtons();
tabs();
loadFlags();
renderClock();
setInterval(renderClock, 1000);
// An absence runs past its limit with nothing else happening: look every 15 s.
setInterval(() => {
  if (!store.view?.seats.some(outOf)) return;
  renderGrid(store.view, onSeat);
  checkAbsences(store.view);
}, 15000);
registerServiceWorker();
loadState().then(sync);
loadTimeline();
const attention = document.getElementById("attention");
connectLive({
  sittingId: sid,
  onEvent: (payload) => { acceptEvent(payload); onFlagEvent(payload); },
  onRefused: (seconds) => {
    attention.textContent = fmt(T.server_full, { s: seconds });
    attention.dataset.reason = "server_full";
    attention.hidden = false;
  },
  onStatus: (online) => {
    store.online = online;
    document.documentElement.dataset.live = online ? "1" : "0";
    if (online && attention.dataset.reason === "server_full") {
      attention.hidden = true;
      delete attention.dataset.reason;
    }
    if (online) {
      sync();
      loadState();
      loadFlags();
    }
    render();
  },
});
window.addEventListener("online", () => sync());
window.addEventListener("session-ended", () => {
  const banner = document.getElementById("attention");
  banner.textContent = T.login_needed;
  banner.hidden = false;
});
window.addEventListener("offline", () => { store.online = false; render(); });
setInterval(sync, 10000);
document.documentElement.dataset.ready = "1";
