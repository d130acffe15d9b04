// One conduct record: add a photo or PDF, record the decision (confirm with a measure in words,
// or dismiss, with reasons), issue the notice. After each write the page is read again from
// the server: it shows what the server holds.
import { api, boot, call, clearMessage, onSubmit, showError } from "./authority-common.js";

const base = `/conduct-records/${boot.record_id}`;

function clientId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `conduct-file-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

const fileForm = document.getElementById("conduct-file");
if (fileForm) {
  const message = document.getElementById("file-message");
  const input = fileForm.elements.file;
  let key = clientId();
  input.addEventListener("change", () => { key = clientId(); });
  onSubmit(fileForm, async () => {
    clearMessage(message, fileForm);
    const form = new FormData();
    if (input.files[0]) form.append("file", input.files[0]);
    form.append("client_id", key);
    try {
      await call("POST", `${base}/evidence`, { form });
      window.location.reload();
    } catch (failure) {
      showError(message, failure, fileForm);
    }
  });
}

const decision = document.getElementById("conduct-decision");
if (decision) {
  const message = document.getElementById("decision-message");
  const choice = () => decision.querySelector('input[name="decision"]:checked').value;
  const show = () => {
    decision.querySelector('fieldset[data-for="confirm"]').hidden = choice() !== "confirm";
  };
  for (const radio of decision.querySelectorAll('input[name="decision"]')) {
    radio.addEventListener("change", show);
  }
  for (const button of decision.querySelectorAll("[data-measure]")) {
    button.addEventListener("click", () => {
      decision.elements.measure.value = button.dataset.measure;
      decision.elements.measure.focus();
    });
  }
  show();
  onSubmit(decision, async () => {
    clearMessage(message, decision);
    const data = new FormData(decision);
    const body = { decision: choice(), reasons: String(data.get("reasons") ?? "").trim() };
    if (body.decision === "confirm") body.measure = String(data.get("measure") ?? "").trim();
    try {
      await api("POST", `${base}/decision`, body);
      window.location.reload();
    } catch (failure) {
      showError(message, failure, decision);
    }
  });
}

const issue = document.getElementById("issue-notice");
if (issue) {
  const message = document.getElementById("notice-message");
  issue.addEventListener("click", async () => {
    issue.disabled = true;
    clearMessage(message);
    try {
      await api("POST", `${base}/notice`);
      window.location.reload();
    } catch (failure) {
      showError(message, failure);
      issue.disabled = false;
    }
  });
}
