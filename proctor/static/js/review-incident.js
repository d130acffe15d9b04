// Confirm or dismiss an incident, with a reason and the chief examiner's countersignature.
const form = document.getElementById("decision");
if (form) {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { decision: event.submitter.value, note: data.get("note") };
    if (data.get("severity") && body.decision === "confirm") body.severity = data.get("severity");
    const response = await fetch(form.dataset.url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    });
    if (response.ok) {
      window.location.reload();
      return;
    }
    const error = await response.json().catch(() => ({}));
    const box = document.getElementById("decision-error");
    box.textContent = error.error?.message ?? `HTTP ${response.status}`;
    box.hidden = false;
  });
}
