// One sitting, as the evaluation body sets it up: rooms and their cameras, staff, the roster
// (checked with a dry run before anything is written), candidates, and misconduct found after
// the exam. Every change goes through the JSON API; its error is shown next to the form.
import {
  T, api, boot, call, clearMessage, onSubmit, setKind, showDone, showError,
} from "./authority-common.js";
import { el, fmt } from "./lib/dom.js";

const sid = boot.sitting_id;
const base = `/sittings/${sid}`;
// Show the page again as the server now has it, with a word on what was done.
const reloadWith = (done, anchor) => {
  const { pathname, search, hash } = window.location;
  const target = `${pathname}?done=${done}#${anchor}`;
  if (`${pathname}${search}${hash}` === target) window.location.reload(); // same URL: no reload
  else window.location.replace(target);
};

// -- rooms and cameras -------------------------------------------------------------------------
for (const form of document.querySelectorAll(".camera-form")) {
  const rid = form.dataset.room;
  const input = form.querySelector('[name="camera_source"]');
  const message = form.querySelector(".camera-message");
  const figure = form.querySelector(".camera-frame");
  let saved = input.value;

  const save = async () => {
    const room = await api("PATCH", `${base}/rooms/${rid}`, { camera_source: input.value.trim() });
    saved = input.value = room.camera_source ?? "";
  };
  // Test and preview use the source the server has: save a changed one first.
  const saveIfChanged = async () => { if (input.value.trim() !== saved) await save(); };

  onSubmit(form, async () => {
    clearMessage(message, form);
    try {
      await save();
      showDone(message, T.camera_saved);
    } catch (failure) { showError(message, failure, form); }
  });

  form.querySelector(".camera-test").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    clearMessage(message, form);
    button.disabled = true;
    message.textContent = T.camera_testing;
    setKind(message, "pending");
    try {
      await saveIfChanged();
      const probe = await api("POST", `${base}/rooms/${rid}/camera/test`);
      if (probe.ok) showDone(message, fmt(T.camera_ok, probe));
      else showError(message, { error: { code: "camera", message: fmt(T.camera_failed, probe) } });
    } catch (failure) {
      showError(message, failure, form);
    } finally { button.disabled = false; }
  });

  form.querySelector(".camera-preview").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    clearMessage(message, form);
    button.disabled = true;
    message.textContent = T.camera_loading;
    setKind(message, "pending");
    try {
      await saveIfChanged();
      const response = await call("GET", `${base}/rooms/${rid}/camera/preview`);
      const img = figure.querySelector("img");
      if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
      img.src = URL.createObjectURL(await response.blob());
      figure.querySelector("figcaption").textContent =
        fmt(T.frame_at, { time: new Date().toLocaleTimeString() });
      figure.hidden = false;
      clearMessage(message);
    } catch (failure) {
      figure.hidden = true;
      showError(message, failure, form);
    } finally { button.disabled = false; }
  });
}

const roomForm = document.getElementById("new-room");
onSubmit(roomForm, async () => {
  const message = document.getElementById("new-room-message");
  clearMessage(message, roomForm);
  const data = new FormData(roomForm);
  const body = { name: String(data.get("name")).trim(), rows: Number(data.get("rows")),
                 cols: Number(data.get("cols")) };
  const camera = String(data.get("camera_source") ?? "").trim();
  if (camera) body.camera_source = camera;
  try {
    await api("POST", `${base}/rooms`, body);
    reloadWith("room", "rooms");
  } catch (failure) { showError(message, failure, roomForm); }
});

// -- staff -------------------------------------------------------------------------------------
for (const form of document.querySelectorAll(".staff-form")) {
  onSubmit(form, async () => {
    const message = form.querySelector(".staff-message");
    clearMessage(message, form);
    const data = new FormData(form);
    const body = { username: data.get("username"), role: form.dataset.role };
    if (data.get("room_id")) body.room_id = Number(data.get("room_id"));
    try {
      await api("POST", `${base}/staff`, body);
      reloadWith("staff", "staff");
    } catch (failure) { showError(message, failure, form); }
  });
}

// -- roster: check (dry run), then import ------------------------------------------------------
const rosterForm = document.getElementById("roster-form");
const preview = document.getElementById("roster-preview");
const rosterMessage = document.getElementById("roster-message");
let checkedFile = null;

function upload(file, dryRun) {
  const form = new FormData();
  form.append("file", file, file.name);
  return call("POST", `${base}/roster${dryRun ? "?dry_run=true" : ""}`, { form });
}

function problemRow(problem) {
  const where = problem.row === 0 ? T.file_level : problem.row === 1 ? T.header_row : problem.row;
  return el("tr", {},
    el("td", { class: "num" }, String(where)),
    el("td", {}, problem.field ? (T.fields[problem.field] ?? problem.field) : "—"),
    el("td", {}, problem.message));
}

function showPreview(file, result) {
  document.getElementById("roster-filename").textContent = file.name;
  for (const key of ["created", "updated", "unchanged"]) {
    preview.querySelector(`[data-count="${key}"]`).textContent = String(result[key]);
  }
  preview.querySelector('[data-count="errors"]').textContent = String(result.errors.length);
  preview.querySelector(".counts .bad").classList.toggle("has-problems", result.errors.length > 0);
  const problems = document.getElementById("roster-problems");
  problems.querySelector("tbody").replaceChildren(...result.errors.map(problemRow));
  problems.hidden = result.errors.length === 0;
  document.getElementById("roster-ready").hidden = result.errors.length > 0;
  preview.hidden = false;
}

onSubmit(rosterForm, async () => {
  clearMessage(rosterMessage, rosterForm);
  preview.hidden = true;
  checkedFile = null;
  const file = rosterForm.querySelector('[name="file"]').files[0];
  if (!file) {
    showError(rosterMessage, { error: { code: "file_required", field: "file" } }, rosterForm);
    return;
  }
  rosterMessage.textContent = T.checking;
  setKind(rosterMessage, "pending");
  try {
    const result = await (await upload(file, true)).json();
    clearMessage(rosterMessage);
    checkedFile = result.errors.length === 0 ? file : null;
    showPreview(file, result);
  } catch (failure) { showError(rosterMessage, failure, rosterForm); }
});

// A new file must be checked again before it can be imported.
const fileName = document.getElementById("roster-file-name");
const noFile = fileName.textContent;
rosterForm.querySelector('[name="file"]').addEventListener("change", (event) => {
  fileName.textContent = event.currentTarget.files[0]?.name ?? noFile;
  preview.hidden = true;
  checkedFile = null;
  clearMessage(rosterMessage, rosterForm);
});

document.getElementById("roster-import").addEventListener("click", async (event) => {
  if (!checkedFile) return;
  const button = event.currentTarget;
  button.disabled = true;
  rosterMessage.textContent = T.importing;
  setKind(rosterMessage, "pending");
  try {
    const result = await (await upload(checkedFile, false)).json();
    preview.hidden = true;
    checkedFile = null;
    rosterForm.reset();
    fileName.textContent = noFile;
    showDone(rosterMessage, fmt(T.imported, result));
    await loadCandidates();
  } catch (failure) {
    const rows = failure.error?.rows;
    if (rows) showPreview(checkedFile, { created: 0, updated: 0, unchanged: 0, errors: rows });
    showError(rosterMessage, failure, rosterForm);
  } finally { button.disabled = false; }
});

// -- candidates: the list, searchable by ticket number or name ---------------------------------
const search = document.getElementById("candidate-search");
const tbody = document.getElementById("candidate-rows");
const empty = document.getElementById("candidate-empty");
let candidates = [];

function candidateRow(c) {
  const seat = c.seat ? fmt(T.seat, { room: boot.rooms[c.seat.room_id] ?? c.seat.room_id,
                                      seat: c.seat.seat_no }) : T.not_seated;
  const row = el("tr", { "data-ticket": c.ticket_no },
    el("td", { class: "mono" }, c.ticket_no), el("td", {}, c.name),
    el("td", { class: "mono" }, c.id_number), el("td", {}, c.subjects.join(" ")),
    el("td", { class: c.seat ? "" : "muted" }, seat));
  row.dataset.search = `${c.ticket_no} ${c.name}`.toLowerCase();
  return row;
}

function filter() {
  const term = search.value.trim().toLowerCase();
  let shown = 0;
  for (const row of tbody.children) {
    row.hidden = term !== "" && !row.dataset.search.includes(term);
    if (!row.hidden) shown += 1;
  }
  const count = document.getElementById("candidate-count");
  count.textContent = term ? fmt(T.shown, { shown, total: candidates.length })
    : String(candidates.length);
  empty.hidden = shown > 0;
  document.getElementById("candidate-table").hidden = candidates.length === 0;
  empty.textContent = candidates.length ? T.no_match : T.no_candidates;
}

async function loadCandidates() {
  candidates = await api("GET", `${base}/candidates`);
  tbody.replaceChildren(...candidates.map(candidateRow));
  filter();
}

search.addEventListener("input", filter);
loadCandidates().catch((failure) => showError(empty, failure));

// -- misconduct found after the exam -----------------------------------------------------------
const afterForm = document.getElementById("after-exam-form");
const ruleSelect = afterForm.querySelector('[name="rule_code"]');
const severityField = afterForm.querySelector(".severity-field");

ruleSelect.addEventListener("change", () => {
  severityField.hidden = ruleSelect.selectedOptions[0]?.dataset.tier !== "3";
});
for (const radio of afterForm.querySelectorAll('[name="party_by"]')) {
  radio.addEventListener("change", () => {
    for (const part of afterForm.querySelectorAll("[data-party]")) {
      part.hidden = part.dataset.party !== radio.value;
    }
  });
}

function clientId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `authority-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function afterExamBody(data) {
  const text = (name) => String(data.get(name) ?? "").trim();
  const party = data.get("party_by") === "ticket" ? { ticket_no: text("ticket_no") }
    : { name: text("name"), id_number: text("id_number") };
  const observed = text("observed_at");
  const body = { client_id: clientId(), rule_code: text("rule_code"),
                 description: text("description"), parties: [party],
                 discovered_after_exam: true,
                 observed_at: observed ? `${observed.slice(0, 16)}:00${boot.offset}` : "" };
  if (text("subject")) body.subject = text("subject");
  if (!severityField.hidden && text("severity")) body.severity = text("severity");
  return body;
}

onSubmit(afterForm, async () => {
  const message = document.getElementById("after-exam-message");
  clearMessage(message, afterForm);
  try {
    const incident = await api("POST", `${base}/incidents`, afterExamBody(new FormData(afterForm)));
    afterForm.reset();
    severityField.hidden = true;
    afterForm.querySelectorAll("[data-party]").forEach((p) => {
      p.hidden = p.dataset.party !== "ticket";
    });
    message.replaceChildren(fmt(T.recorded, incident), " ",
      el("a", { class: "button small", href: `/review/incidents/${incident.id}` }, T.open_incident));
    setKind(message, "success");
  } catch (failure) {
    // The API names a party's field "parties.0.ticket_no": point at the input of that name.
    showError(message, failure, afterForm);
  }
});
