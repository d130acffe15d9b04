// The evaluation body's sittings page: create a sitting with its subjects (add or remove rows).
import { T, api, clearMessage, onSubmit, showError } from "./authority-common.js";

const form = document.getElementById("new-sitting");
const rows = document.getElementById("subject-rows");
const template = document.getElementById("subject-row");
const message = document.getElementById("new-sitting-message");

function addRow(values = {}) {
  const row = template.content.firstElementChild.cloneNode(true);
  for (const [name, value] of Object.entries(values)) {
    const input = row.querySelector(`[name="${name}"]`);
    if (input) input.value = value;
  }
  row.querySelector(".remove-subject").addEventListener("click", () => {
    row.remove();
    renumber();
  });
  rows.append(row);
  renumber();
  return row;
}

// A sitting needs at least one subject: the last row cannot be removed.
function renumber() {
  const all = [...rows.children];
  all.forEach((row, index) => {
    row.dataset.index = String(index);
    row.querySelector(".remove-subject").hidden = all.length === 1;
  });
}

for (const subject of T.default_subjects) addRow(subject);
document.getElementById("add-subject").addEventListener("click", () => {
  addRow().querySelector('[name="code"]').focus();
});

onSubmit(form, async () => {
  clearMessage(message, form);
  const data = new FormData(form);
  const subjects = [...rows.children].map((row) => {
    const value = (name) => row.querySelector(`[name="${name}"]`).value.trim();
    return { code: value("code"), name: value("name"), starts_at: value("starts_at"),
             ends_at: value("ends_at") };
  });
  const body = { occupation: String(data.get("occupation") ?? "").trim(),
                 level: Number(data.get("level")), date: data.get("date"), subjects };
  try {
    const sitting = await api("POST", "/sittings", body);
    window.location.assign(`/authority/sittings/${sitting.id}?done=created`);
  } catch (failure) {
    showError(message, failure, form);
    markSubjectField(failure);
  }
});

// "subjects.1.ends_at" points at one input of one row.
function markSubjectField(failure) {
  const match = /^subjects\.(\d+)\.(\w+)/.exec(failure.error?.field ?? "");
  if (!match) return;
  const input = rows.children[Number(match[1])]?.querySelector(`[name="${match[2]}"]`);
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}
