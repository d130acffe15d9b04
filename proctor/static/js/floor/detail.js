// One incident: its evidence (photos from the tablet or the room camera), the candidate's
// signature or an attested refusal, seized items and addenda.
import {
  T, api, el, fmt, isoWithOffset, newClientId, ruleTitle, shortTime, toast,
} from "./common.js";
import { sendNow, store, submit } from "./sync.js";

const dialog = document.getElementById("detail");
let current = null;  // {id, client_id, rule_code, status, ticket_no}

export function openDetail(incident, seat) {
  current = { ...incident, ticket_no: seat.ticket_no, name: seat.name };
  document.getElementById("card").close();
  render();
  if (!dialog.open) dialog.showModal();
}

// Writes about an incident name it by server id, or by its client_id while it waits to sync.
function target(path) {
  return current.id
    ? { url: api(`/incidents/${current.id}${path}`) }
    : { ref: current.client_id, url: api(`/incidents/{ref}${path}`) };
}

async function fetchJSON(path) {
  try {
    const response = await fetch(api(path), { credentials: "same-origin" });
    return response.ok ? response.json() : null;
  } catch {
    return null;
  }
}

async function render() {
  document.getElementById("detail-title").textContent = current.id
    ? `${fmt(T.incident, { n: current.id })} · ${current.rule_code} ${ruleTitle(current.rule_code)}`
    : `${T.incident_pending} · ${current.rule_code}`;
  const [evidence, acks, seized, addenda] = current.id ? await Promise.all([
    fetchJSON(`/incidents/${current.id}/evidence`),
    fetchJSON(`/incidents/${current.id}/acknowledgements`),
    fetchJSON(`/incidents/${current.id}/seized`),
    fetchJSON(`/incidents/${current.id}/addenda`),
  ]) : [[], [], [], []];
  const waiting = store.pending.filter((i) => i.kind === "photo"
    && (i.ref === current.client_id || i.url.includes(`/incidents/${current.id}/`))).length;
  document.getElementById("detail-body").replaceChildren(
    photos(evidence ?? [], waiting), acknowledgement(acks ?? []), seizures(seized ?? []),
    addendaSection(addenda ?? []));
}

function photos(evidence, waiting) {
  const input = el("input", { type: "file", accept: "image/*", capture: "environment",
                              hidden: true, onchange: () => {
                                for (const file of input.files) queuePhoto(file, "upload");
                                input.value = "";
                              } });
  const shown = evidence.filter((e) => e.kind === "photo" && !e.purged);
  return el("section.evidence", {}, el("h3", {}, T.evidence),
    el("div.thumbs", {}, shown.map((e) => el("button.thumb", {
      type: "button", "aria-label": `${T.evidence} #${e.id}`, onclick: () => fullSize(e) },
      el("img", { src: api(`/evidence/${e.id}/thumb`), alt: `#${e.id}`, loading: "lazy" })))),
    waiting ? el("p.muted", {}, fmt(T.photos_waiting, { n: waiting })) : null,
    el("div.button-row", {},
       el("button.button.big", { type: "button", onclick: livePhoto }, T.take_photo),
       el("button.button", { type: "button", dataset: { action: "pick-photo" },
                             onclick: () => input.click() }, T.choose_photo),
       current.id ? el("button.button", { type: "button", onclick: roomCamera }, T.room_camera)
                  : null),
    input, el("div#camera-box"));
}

// Full size on tap, inside the page (the file itself is served as a download, never inline).
function fullSize(evidence) {
  const viewer = el("dialog.viewer", { onclick: () => viewer.close(),
                                       onclose: () => viewer.remove() },
    el("img", { src: api(`/evidence/${evidence.id}/display`), alt: `#${evidence.id}` }),
    el("p", {}, `sha256 ${evidence.sha256.slice(0, 16)}… · ${evidence.taken_by} · `,
       shortTime(evidence.taken_at)));
  document.body.append(viewer);
  viewer.showModal();
}

async function queuePhoto(blob, source) {
  const clientId = newClientId();
  await submit({ kind: "photo", client_id: clientId, method: "POST", ...target("/evidence"),
                 filename: blob.name || "photo.jpg", label: `${T.evidence} ${current.rule_code}`,
                 form: { client_id: clientId, source, taken_at: isoWithOffset(), file: blob } });
  render();
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
  try {
    await sendNow({ method: "POST", url: api(`/incidents/${current.id}/evidence/camera`),
                    body: { client_id: newClientId() } });
    render();
  } catch (error) {
    toast(fmt(T.rejected, { message: error.message }), "error");
  }
}

function acknowledgement(acks) {
  const done = acks[0];
  if (done?.kind === "signed") return el("section.ack", {}, el("h3", {}, T.sign), el("p", {}, T.signed));
  if (done?.kind === "refused") {
    return el("section.ack", {}, el("h3", {}, T.sign),
      el("p", {}, fmt(T.refusal_recorded, { who: done.recorded_by })),
      done.attested_by ? el("p", {}, fmt(T.attested, { who: done.attested_by }))
        : el("button.button.big", { type: "button", dataset: { action: "attest" },
                                    onclick: () => attest(done) }, T.attest));
  }
  return el("section.ack", {}, el("h3", {}, T.sign), signaturePad(),
    el("button.button.danger", { type: "button", dataset: { action: "refuse" },
                                 onclick: refuseToSign }, T.refuses_to_sign));
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
    if (!inked) return;
    canvas.toBlob(async (blob) => {
      const clientId = newClientId();
      await submit({ kind: "signature", client_id: clientId, method: "POST",
                     ...target("/signature"), filename: "signature.png", label: T.sign,
                     form: { client_id: clientId, taken_at: isoWithOffset(), file: blob } });
      render();
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
  render();
}

async function attest(ack) {
  await submit({ kind: "attest", method: "POST", url: api(`/acknowledgements/${ack.id}/attest`),
                 body: {}, label: T.attest });
  setTimeout(render, 500);
}

function seizures(items) {
  const what = el("input", { placeholder: T.item, maxLength: 1000, "aria-label": T.item });
  const where = el("input", { placeholder: T.kept_at, maxLength: 255, "aria-label": T.kept_at });
  const seize = async () => {
    if (!what.value.trim() || !where.value.trim()) return;
    const clientId = newClientId();
    await submit({ kind: "seize", client_id: clientId, method: "POST", ...target("/seized"),
                   label: T.seize, body: { client_id: clientId, description: what.value.trim(),
                                           kept_at: where.value.trim(),
                                           seized_at: isoWithOffset() } });
    render();
  };
  return el("section.seized", {}, el("h3", {}, T.seize),
    el("ul", {}, items.map((item) => el("li", {}, `${item.description} · ${item.kept_at} · `,
      item.returned_at ? `${T.returned} ${shortTime(item.returned_at)} → ${item.returned_to}`
        : el("button.button.small", { type: "button", onclick: () => giveBack(item) },
             T.return_item),
      " ", el("a.button.small", { href: item.receipt_url, target: "_blank" }, T.receipt)))),
    el("div.button-row", {}, what, where,
       el("button.button", { type: "button", onclick: seize }, T.seize)));
}

async function giveBack(item) {
  const to = window.prompt(T.returned_to, current.name);
  if (!to) return;
  await submit({ kind: "return", method: "POST", url: api(`/seized/${item.id}/return`),
                 body: { returned_to: to }, label: T.return_item });
  setTimeout(render, 500);
}

function addendaSection(addenda) {
  const text = el("textarea", { rows: 2, maxLength: 5000, "aria-label": T.addendum });
  const add = async () => {
    if (!text.value.trim()) return;
    const clientId = newClientId();
    await submit({ kind: "addendum", client_id: clientId, method: "POST", ...target("/addenda"),
                   body: { client_id: clientId, text: text.value.trim() }, label: T.addendum });
    render();
  };
  return el("section.addenda", {}, el("h3", {}, T.addenda),
    el("ol", {}, addenda.map((a) => el("li", {}, `${shortTime(a.written_at)} ${a.written_by}: `,
                                        a.text))),
    text, el("button.button", { type: "button", onclick: add }, T.addendum));
}
