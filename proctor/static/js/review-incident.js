// Confirm or dismiss an incident, with a reason and the chief examiner's countersignature;
// or put it under another rule first, with a reason (the old code stays in the record).
const csrf = document.querySelector('meta[name="csrf-token"]').content;

async function post(url, body, errorBox) {
  const response = await fetch(url, {
    method: "POST", credentials: "same-origin", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
  });
  if (response.ok) {
    window.location.reload();
    return;
  }
  const error = await response.json().catch(() => ({}));
  const box = document.getElementById(errorBox);
  box.textContent = error.error?.message ?? `HTTP ${response.status}`;
  box.hidden = false;
}

const form = document.getElementById("decision");
if (form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { decision: event.submitter.value, note: data.get("note") };
    if (data.get("severity") && body.decision === "confirm") body.severity = data.get("severity");
    post(form.dataset.url, body, "decision-error");
  });
}

const change = document.getElementById("rule-change");
if (change) {
  change.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(change);
    post(change.dataset.url, { rule_code: data.get("rule_code"), reason: data.get("reason") },
         "rule-error");
  });
}
