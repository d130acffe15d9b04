// One incident: its evidence (photos from the tablet or the room camera), the candidate's
// signature or an attested refusal, seized items and addenda.
//
// The sheet shows what the server holds, and what waits in this tablet's outbox for it: after
// every write it is drawn again from the server's answer (never from what it hoped to save),
// and again whenever the outbox changes or a live event concerns this incident. The controls
// (the signature pad, the text being typed) are built once per opening and kept while the
// lists around them are redrawn.
import { apiUrl, send } from "../lib/api.js";
import { el, fmt } from "../lib/dom.js";
import * as outbox from "../outbox.js";
import {
  T, isoWithOffset, newClientId, ruleTitle, shortTime, tierName, toast,
} from "./common.js";
import { sendNow, store, submit, subscribe } from "./sync.js";

const dialog = document.getElementById("detail");
let current = null;  // {id, client_id, rule_code, tier, status, ticket_no, name}
let held = { evidence: [], acks: [], seized: [], addenda: [] };  // the server's, last read
let parts = null;  // the sheet's sections, built once per opening
let ackState = "";

export function openDetail(incident, seat) {
  current = { ...incident, ticket_no: seat.ticket_no, name: seat.name };
  held = { evidence: [], acks: [], seized: [], addenda: [] };
  returning.clear();
  document.getElementById("card").close();
  build();
  if (!dialog.open) dialog.showModal();
  reload();
}

// Redraw from what is known now whenever the outbox or the room's state changes...
subscribe(() => { if (dialog.open && current) fill(); });
// ... and read the server again when a live event concerns this incident.
window.addEventListener("live-event", (event) => {
  const { type, data } = event.detail;
  if (!dialog.open || !current?.id) return;
  if (data?.incident_id === current.id || (type === "incident_decided" && data?.id === current.id)) {
    reload();
  }
});

// Writes about an incident name it by server id, or by its client_id while it waits to sync.
function target(path) {
  return current.id
    ? { url: apiUrl(`/incidents/${current.id}${path}`) }
    : { ref: current.client_id, url: apiUrl(`/incidents/{ref}${path}`) };
}

async function fetchJSON(path) {
  try {
    const response = await send(apiUrl(path));
    return response.ok ? response.json() : null;
  } catch {
    return null;
  }
}

async function reload() {
  if (!current) return;
  if (!current.id && current.client_id) {
    current.id = (await outbox.recall(current.client_id)) ?? null;
  }
  if (current.id) {
    const id = current.id;
    const [evidence, acks, seized, addenda] = await Promise.all([
      fetchJSON(`/incidents/${id}/evidence`), fetchJSON(`/incidents/${id}/acknowledgements`),
      fetchJSON(`/incidents/${id}/seized`), fetchJSON(`/incidents/${id}/addenda`)]);
    if (current?.id !== id) return;  // another incident was opened meanwhile
    // Offline, keep what was read last rather than show an empty record.
    held = { evidence: evidence ?? held.evidence, acks: acks ?? held.acks,
             seized: seized ?? held.seized, addenda: addenda ?? held.addenda };
  }
  fill();
}

// What waits in the outbox for this incident, of one kind.
function waiting(kind) {
  return store.pending.filter((item) => item.kind === kind
    && ((item.ref && item.ref === current.client_id)
        || (current.id && item.url.includes(`/incidents/${current.id}/`))));
}

// The skeleton: headings, the places the lists go, and the controls.
function build() {
  document.getElementById("detail-title").textContent = current.id
    ? `${fmt(T.incident, { n: current.id })} · ${tierName(current.tier)} · ${ruleTitle(current.rule_code)}`
    : `${T.incident_pending} · ${ruleTitle(current.rule_code)}`;
  ackState = "";
  parts = {
    thumbs: el("div.thumbs"), photosWaiting: el("p.muted.waiting", { hidden: true }),
    ack: el("div.ack-body"), seized: el("ul.seized-list"), addenda: el("ol.addenda-list"),
  };
  document.getElementById("detail-body").replaceChildren(
    photoSection(), el("section.ack", {}, el("h3", {}, T.sign), parts.ack), seizedSection(),
    addendaSection());
  fill();
}

// The lists and states, from the server's last answer and the outbox.
function fill() {
  if (!parts) return;
  const shown = held.evidence.filter((e) => e.kind === "photo" && !e.purged);
  parts.thumbs.replaceChildren(...shown.map((e) => el("button.thumb", {
    type: "button", "aria-label": `${T.photo} #${e.id}`, onclick: () => fullSize(e) },
    el("img", { src: apiUrl(`/evidence/${e.id}/thumb`), alt: `#${e.id}`, loading: "lazy" }))));
  const photos = waiting("photo").length;
  parts.photosWaiting.textContent = photos ? fmt(T.photos_waiting, { n: photos }) : "";
  parts.photosWaiting.hidden = !photos;
  fillAcknowledgement();
  const typing = document.activeElement?.closest?.("li[data-seized]")?.dataset.seized;
  if (typing && returning.has(Number(typing))) returning.get(Number(typing)).focus = true;
  parts.seized.replaceChildren(
    ...held.seized.map(seizedItem),
    ...waiting("seize").map((item) => el("li.pending", {},
      `${item.body.description} · ${item.body.kept_at} `,
      el("span.badge.pending", {}, T.pending))));
  parts.addenda.replaceChildren(
    ...held.addenda.map((a) => el("li", {}, `${shortTime(a.written_at)} ${a.written_by}：`,
                                  a.text)),
    ...waiting("addendum").map((item) => el("li.pending", {}, item.body.text, " ",
                                            el("span.badge.pending", {}, T.pending))));
}

// --- photos -----------------------------------------------------------------------------------

function photoSection() {
  const input = el("input", { type: "file", accept: "image/*", capture: "environment",
                              hidden: true, onchange: () => {
                                for (const file of input.files) queuePhoto(file, "upload");
                                input.value = "";
                              } });
  return el("section.evidence", {}, el("h3", {}, T.photos), parts.thumbs, parts.photosWaiting,
    el("div.button-row", {},
       el("button.button.big", { type: "button", onclick: livePhoto }, T.take_photo),
       el("button.button", { type: "button", dataset: { action: "pick-photo" },
                             onclick: () => input.click() }, T.choose_photo),
       el("button.button", { type: "button", onclick: roomCamera }, T.room_camera)),
    input, el("div#camera-box"));
}

// Full size on tap, inside the page (the file itself is served as a download, never inline).
function fullSize(evidence) {
  const viewer = el("dialog.viewer", { onclick: () => viewer.close(),
                                       onclose: () => viewer.remove() },
    el("img", { src: apiUrl(`/evidence/${evidence.id}/display`), alt: `#${evidence.id}` }),
    el("p", {}, `sha256 ${evidence.sha256.slice(0, 16)}… · ${evidence.taken_by} · `,
       shortTime(evidence.taken_at)));
  document.body.append(viewer);
  viewer.showModal();
}

async function queuePhoto(blob, source) {
  const clientId = newClientId();
  await submit({ kind: "photo", client_id: clientId, method: "POST", ...target("/evidence"),
                 filename: blob.name || "photo.jpg", label: `${T.photo} · ${ruleTitle(current.rule_code)}`,
                 form: { client_id: clientId, source, taken_at: isoWithOffset(), file: blob } });
  reload();
}

// The rear camera where the page is a secure context; the file picker everywhere else.
async function livePhoto() {
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
    document.querySelector("[data-action='pick-photo']").click();
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1920 } }, audio: false });
  } catch (error) {
    toast(fmt(T.camera_failed, { message: error.message }), "error");
    document.querySelector("[data-action='pick-photo']").click();
    return;
  }
  const video = el("video", { autoplay: true, playsInline: true, muted: true });
  video.srcObject = stream;
  const stop = () => { stream.getTracks().forEach((t) => t.stop()); box.replaceChildren(); };
  const box = document.getElementById("camera-box");
  box.replaceChildren(video, el("div.button-row", {},
    el("button.button.primary.big", { type: "button", onclick: () => {
      const canvas = el("canvas", { width: video.videoWidth, height: video.videoHeight });
      canvas.getContext("2d").drawImage(video, 0, 0);
      canvas.toBlob((blob) => { stop(); queuePhoto(blob, "tablet_camera"); }, "image/jpeg", 0.92);
    } }, T.capture),
    el("button.button", { type: "button", onclick: stop }, T.cancel)));
}

async function roomCamera() {
  if (!current.id) {
    toast(T.room_camera_needs_sync, "error");
    return;
  }
  try {
    await sendNow({ method: "POST", url: apiUrl(`/incidents/${current.id}/evidence/camera`),
                    body: { client_id: newClientId() } });
  } catch (error) {
    toast(fmt(T.rejected, { message: error.message }), "error");
  }
  reload();
}

// --- signature or refusal ---------------------------------------------------------------------

function fillAcknowledgement() {
  const done = held.acks[0];
  const pendingSignature = waiting("signature")[0];
  const pendingRefusal = waiting("refusal")[0];
  const state = done ? `${done.kind}:${done.attested_by ?? ""}:${done.evidence_id ?? ""}`
    : pendingSignature ? "signature-waiting" : pendingRefusal ? "refusal-waiting" : "none";
  if (state === ackState) return;  // keep the pad (and what is drawn on it) as it is
  ackState = state;
  if (done?.kind === "signed") {
    parts.ack.replaceChildren(el("p.done", {}, fmt(T.signed_at, { at: shortTime(done.recorded_at) })),
      done.evidence_id ? el("img.signature-shown", {
        src: apiUrl(`/evidence/${done.evidence_id}/thumb`), alt: T.signature }) : null);
  } else if (done?.kind === "refused") {
    parts.ack.replaceChildren(
      el("p", {}, fmt(T.refusal_recorded, { who: done.recorded_by })),
      done.attested_by ? el("p.done", {}, fmt(T.attested, { who: done.attested_by }))
        : el("button.button.big", { type: "button", dataset: { action: "attest" },
                                    onclick: () => attest(done) }, T.attest));
  } else if (pendingSignature) {
    parts.ack.replaceChildren(el("p.pending", {}, T.signature_waiting, " ",
                                 el("span.badge.pending", {}, T.pending)));
  } else if (pendingRefusal) {
    parts.ack.replaceChildren(el("p.pending", {}, T.refusal_waiting, " ",
                                 el("span.badge.pending", {}, T.pending)));
  } else {
    parts.ack.replaceChildren(signaturePad(),
      el("button.button.danger", { type: "button", dataset: { action: "refuse" },
                                   onclick: refuseToSign }, T.refuses_to_sign));
  }
}

function signaturePad() {
  const canvas = el("canvas.signature", { width: 640, height: 240, "aria-label": T.sign_here });
  const pen = canvas.getContext("2d");
  pen.lineWidth = 3;
  pen.lineCap = "round";
  let drawing = false;
  let inked = false;
  const at = (e) => {
    const box = canvas.getBoundingClientRect();
    return [(e.clientX - box.left) * canvas.width / box.width,
            (e.clientY - box.top) * canvas.height / box.height];
  };
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    pen.beginPath();
    pen.moveTo(...at(e));
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    pen.lineTo(...at(e));
    pen.stroke();
    inked = true;
  });
  canvas.addEventListener("pointerup", () => { drawing = false; });
  const save = () => {
    if (!inked) {
      toast(T.sign_first, "error");
      return;
    }
    canvas.toBlob(async (blob) => {
      const clientId = newClientId();
      await submit({ kind: "signature", client_id: clientId, method: "POST",
                     ...target("/signature"), filename: "signature.png", label: T.sign,
                     form: { client_id: clientId, taken_at: isoWithOffset(), file: blob } });
      reload();
    }, "image/png");
  };
  return el("div.signature-pad", {}, el("p.muted", {}, T.sign_here), canvas,
    el("div.button-row", {},
       el("button.button", { type: "button", onclick: () => {
         pen.clearRect(0, 0, canvas.width, canvas.height);
         inked = false;
       } }, T.clear),
       el("button.button.primary", { type: "button", dataset: { action: "save-signature" },
                                     onclick: save }, T.save_signature)));
}

async function refuseToSign() {
  const clientId = newClientId();
  await submit({ kind: "refusal", client_id: clientId, method: "POST", ...target("/refusal"),
                 body: { client_id: clientId }, label: T.refuses_to_sign });
  reload();
}

async function attest(ack) {
  await submit({ kind: "attest", method: "POST", url: apiUrl(`/acknowledgements/${ack.id}/attest`),
                 body: {}, label: T.attest });
  reload();
}

// --- seized items -----------------------------------------------------------------------------

function seizedSection() {
  const what = el("input", { placeholder: T.item, maxLength: 1000, "aria-label": T.item });
  const where = el("input", { placeholder: T.kept_at, maxLength: 255, "aria-label": T.kept_at });
  const seize = async () => {
    if (!what.value.trim() || !where.value.trim()) {
      toast(T.seize_needs_both, "error");
      return;
    }
    const clientId = newClientId();
    const body = { client_id: clientId, description: what.value.trim(),
                   kept_at: where.value.trim(), seized_at: isoWithOffset() };
    what.value = "";
    where.value = "";
    await submit({ kind: "seize", client_id: clientId, method: "POST", ...target("/seized"),
                   label: T.seize, body });
    reload();
  };
  return el("section.seized", {}, el("h3", {}, T.seize), parts.seized,
    el("div.button-row", {}, what, where,
       el("button.button", { type: "button", dataset: { action: "seize" }, onclick: seize },
          T.seize)));
}

// The return forms open on this sheet, by seized item id, with what was typed: a redraw (a
// live event, the outbox) keeps them open rather than take the form from under the finger.
const returning = new Map();

function seizedItem(item) {
  const row = el("li", { dataset: { seized: item.id } },
    `${item.description} · ${item.kept_at} · ${shortTime(item.seized_at)} `);
  if (item.returned_at) {
    returning.delete(item.id);
    row.append(fmt(T.returned_line, { at: shortTime(item.returned_at), to: item.returned_to }));
  } else if (returning.has(item.id)) {
    returnForm(row, item);
    return row;
  } else {
    row.append(el("button.button.small", { type: "button", dataset: { action: "give-back" },
                                            onclick: () => openReturn(row, item) },
                  T.return_item));
  }
  row.append(" ", el("a.button.small", { href: item.receipt_url, target: "_blank" }, T.receipt));
  return row;
}

function openReturn(row, item) {
  returning.set(item.id, { value: current.name ?? "", focus: true });
  returnForm(row, item);
}

// Who took the item back: a field on the sheet, filled with the candidate's name.
function returnForm(row, item) {
  const state = returning.get(item.id);
  const to = el("input", { value: state.value, maxLength: 128, "aria-label": T.returned_to,
                           placeholder: T.returned_to,
                           oninput: () => { state.value = to.value; } });
  const confirm = async () => {
    if (!to.value.trim()) return;
    returning.delete(item.id);
    await submit({ kind: "return", method: "POST", url: apiUrl(`/seized/${item.id}/return`),
                   body: { returned_to: to.value.trim() }, label: T.return_item });
    reload();
  };
  const cancel = () => { returning.delete(item.id); fill(); };
  row.replaceChildren(`${item.description} · ${T.returned_to}`, to,
    el("button.button.small.primary", { type: "button", dataset: { action: "confirm-return" },
                                        onclick: confirm }, T.confirm),
    el("button.button.small", { type: "button", onclick: cancel }, T.cancel));
  if (state.focus) {
    state.focus = false;
    queueMicrotask(() => to.focus());
  }
}

// --- addenda ----------------------------------------------------------------------------------

function addendaSection() {
  const text = el("textarea", { rows: 2, maxLength: 5000, "aria-label": T.addendum });
  const add = async () => {
    if (!text.value.trim()) return;
    const clientId = newClientId();
    const body = { client_id: clientId, text: text.value.trim() };
    text.value = "";
    await submit({ kind: "addendum", client_id: clientId, method: "POST", ...target("/addenda"),
                   body, label: T.addendum });
    reload();
  };
  return el("section.addenda", {}, el("h3", {}, T.addenda), parts.addenda,
    text, el("button.button", { type: "button", dataset: { action: "add-addendum" },
                                onclick: add }, T.addendum));
}
