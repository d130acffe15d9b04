// A new conduct record: staff (by account, or by name and ID number) or a training body, the
// misconduct code of that kind, when and what happened. One client_id per form: a second tap
// answers the record the first one made. Saved, the record's own page opens.
import { api, boot, clearMessage, onSubmit, showError } from "./authority-common.js";

const form = document.getElementById("new-conduct");
const message = document.getElementById("new-conduct-message");
const codeSelect = form.elements.code;
const codeText = document.getElementById("code-text");
const texts = Object.fromEntries(Object.values(boot.codes).flat().map((c) => [c.code, c.text]));

function clientId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `conduct-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
let key = clientId();

const kind = () => form.querySelector('input[name="subject_kind"]:checked').value;

function showKind() {
  const current = kind();
  for (const part of form.querySelectorAll("fieldset[data-for]")) {
    part.hidden = part.dataset.for !== current;
  }
  let first = null;
  for (const option of codeSelect.options) {
    const mine = option.dataset.kind === current;
    option.hidden = !mine;
    option.disabled = !mine;
    if (mine && !first) first = option;
  }
  if (codeSelect.selectedOptions[0]?.disabled && first) codeSelect.value = first.value;
  showCode();
}

function showCode() {
  codeText.textContent = texts[codeSelect.value] ?? "";
}

for (const radio of form.querySelectorAll('input[name="subject_kind"]')) {
  radio.addEventListener("change", showKind);
}
codeSelect.addEventListener("change", showCode);
form.elements.observed_at.value = boot.now;
showKind();

function body(data) {
  const text = (name) => String(data.get(name) ?? "").trim();
  const observed = text("observed_at");
  const out = { client_id: key, subject_kind: kind(), code: text("code"),
                description: text("description"),
                observed_at: observed ? `${observed.slice(0, 16)}:00${boot.offset}` : "" };
  if (text("sitting_id")) out.sitting_id = Number(text("sitting_id"));
  if (out.subject_kind === "training_body") {
    out.training_body = text("training_body");
  } else {
    for (const name of ["staff_username", "staff_name", "staff_id_number", "staff_duty"]) {
      if (text(name)) out[name] = text(name);
    }
  }
  return out;
}

onSubmit(form, async () => {
  clearMessage(message, form);
  try {
    const record = await api("POST", "/conduct-records", body(new FormData(form)));
    key = clientId();
    window.location.assign(`/authority/conduct/${record.id}`);
  } catch (failure) {
    if (failure.status === 422 || failure.status === 403) key = clientId();
    showError(message, failure, form);
  }
});
