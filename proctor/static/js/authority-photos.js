// A sitting's registration photos, as the evaluation body imports them: the ZIP is checked
// first (a dry run: what would be new, replaced, unchanged, and every file's problem), then
// imported, all or nothing.
import {
  T, boot, call, clearMessage, onSubmit, setKind, showDone, showError,
} from "./authority-common.js";
import { el, fmt } from "./lib/dom.js";

const form = document.getElementById("photos-form");
const preview = document.getElementById("photos-preview");
const message = document.getElementById("photos-message");
const fileName = document.getElementById("photos-file-name");
const noFile = fileName.textContent;
let checkedFile = null;

function upload(file, dryRun) {
  const body = new FormData();
  body.append("file", file, file.name);
  return call("POST", `/sittings/${boot.sitting_id}/photos${dryRun ? "?dry_run=true" : ""}`,
              { form: body });
}

const problemRow = (name, code, fallback) => el("tr", {},
  el("td", { class: "mono" }, name), el("td", {}, T.photo_problems[code] ?? fallback));

function showPreview(file, result) {
  document.getElementById("photos-filename").textContent = file.name;
  for (const key of ["new", "replaced", "unchanged"]) {
    preview.querySelector(`[data-count="${key}"]`).textContent = String(result[key]);
  }
  const count = result.unmatched.length + result.errors.length;
  preview.querySelector('[data-count="problems"]').textContent = String(count);
  preview.querySelector(".counts .bad").classList.toggle("has-problems", count > 0);
  const problems = document.getElementById("photos-problems");
  problems.querySelector("tbody").replaceChildren(
    ...result.unmatched.map((name) => problemRow(name, "unmatched", "")),
    ...result.errors.map((e) => problemRow(e.name, e.code, e.message)));
  problems.hidden = count === 0;
  document.getElementById("photos-ready").hidden = count > 0;
  preview.hidden = false;
  return count;
}

onSubmit(form, async () => {
  clearMessage(message, form);
  preview.hidden = true;
  checkedFile = null;
  const file = form.querySelector('[name="file"]').files[0];
  if (!file) {
    showError(message, { error: { code: "file_required", field: "file" } }, form);
    return;
  }
  message.textContent = T.checking;
  setKind(message, "pending");
  try {
    const result = await (await upload(file, true)).json();
    clearMessage(message);
    checkedFile = showPreview(file, result) === 0 ? file : null;
  } catch (failure) { showError(message, failure, form); }
});

form.querySelector('[name="file"]').addEventListener("change", (event) => {
  fileName.textContent = event.currentTarget.files[0]?.name ?? noFile;
  preview.hidden = true;
  checkedFile = null;
  clearMessage(message, form);
});

document.getElementById("photos-import").addEventListener("click", async (event) => {
  if (!checkedFile) return;
  const button = event.currentTarget;
  button.disabled = true;
  message.textContent = T.importing;
  setKind(message, "pending");
  try {
    const result = await (await upload(checkedFile, false)).json();
    preview.hidden = true;
    checkedFile = null;
    form.reset();
    fileName.textContent = noFile;
    showDone(message, fmt(T.photos_imported, result));
  } catch (failure) {
    if (failure.error?.errors) showPreview(checkedFile, failure.error);
    showError(message, failure, form);
  } finally { button.disabled = false; }
});
