// Confirm or dismiss an incident, with a reason and the chief examiner's countersignature;
// or put it under another rule first, with a reason (the old code stays in the record).
const csrf = document.querySelector('meta[name="csrf-token"]').content;

async function post(url, body, errorBox) {
  const response = await fetch(url, {
    method: "POST", credentials: "same-origin", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf,
               "Accept-Language": document.documentElement.lang },
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

// Due process: the decision notices (处理决定书), their service, review requests (复核) and
// their outcome. Each form answers with the server's own message when it refuses.
const due = document.getElementById("due-process");
if (due) {
  const S = JSON.parse(document.getElementById("due-strings").textContent);
  const fmt = (text, vars) => text.replace(/\{(\w+)\}/g, (_, key) => String(vars[key] ?? ""));
  const iid = due.dataset.iid;
  const h = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  };
  const send = async (url, body) => {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf,
                 "Accept-Language": document.documentElement.lang },
    });
    const box = document.getElementById("due-error");
    if (response.ok) {
      box.hidden = true;
      await render();
      return;
    }
    const error = await response.json().catch(() => ({}));
    box.textContent = error.error?.message ?? `HTTP ${response.status}`;
    box.hidden = false;
  };
  const form = (fields, label, onSubmit) => {
    const node = h("form", { class: "stack due-form" }, ...fields,
                   h("button", { class: "button", type: "submit" }, label));
    node.addEventListener("submit", (event) => {
      event.preventDefault();
      onSubmit(new FormData(node));
    });
    return node;
  };
  const today = due.dataset.today;  // the venue's date, whatever the device's zone
  const dateField = (name, label) => h("label", {}, label,
                                       h("input", { type: "date", name, value: today, required: "" }));
  const serviceForm = (notice) => form([
    h("label", {}, S.record_service, h("select", { name: "method" },
      ...["in_person", "electronic", "post"].map((m) => h("option", { value: m }, S[m])))),
    dateField("served_on", S.served_on)], S.record_service,
    (data) => send(`/api/v1/notices/${notice.id}/service`,
                   { method: data.get("method"), served_on: data.get("served_on") }));
  const reviewForm = (notice) => form([
    dateField("received_on", S.received_on),
    h("label", {}, S.grounds, h("textarea", { name: "grounds", rows: "2", required: "" }))],
    S.record_review, (data) => send(`/api/v1/notices/${notice.id}/review`,
                                    { received_on: data.get("received_on"),
                                      grounds: data.get("grounds") }));
  const outcomeForm = (review) => form([
    h("label", {}, S.outcome, h("select", { name: "outcome" },
      ...["upheld", "changed", "overturned"].map((o) => h("option", { value: o }, S[o])))),
    due.dataset.tier === "3" ? h("label", {}, S.new_severity, h("select", { name: "severity" },
      h("option", { value: "" }, "—"), h("option", { value: "minor" }, S.minor),
      h("option", { value: "serious" }, S.serious))) : null,
    h("label", {}, S.note, h("textarea", { name: "note", rows: "2", required: "" }))],
    S.decide_review, (data) => {
      const body = { outcome: data.get("outcome"), note: data.get("note") };
      if (data.get("severity")) body.severity = data.get("severity");
      send(`/api/v1/reviews/${review.id}/outcome`, body);
    });
  const noticeBlock = (notice) => {
    const pending = notice.reviews.find((r) => r.status === "pending");
    return h("div", { class: "card notice-block", "data-notice": notice.id },
      h("p", {}, h("strong", {}, fmt(S.notice, { n: notice.number })), ` · ${notice.name} · `,
        h("a", { class: "button small", href: notice.html_url }, S.open), " ",
        h("a", { class: "button small", href: notice.pdf_url }, S.pdf)),
      notice.service
        ? h("p", {}, fmt(S.served, { d: notice.service.served_on, m: S[notice.service.method] }),
            notice.review_last_day ? ` · ${fmt(S.last_day, { d: notice.review_last_day })}` : "")
        : h("p", { class: "muted" }, S.not_served),
      ...notice.reviews.map((r) => h("p", {},
        fmt(S.review, { d: r.received_on, due: r.due_on }), ` · ${S[`status_${r.status}`]}`,
        r.overdue ? h("strong", { class: "badge incident" }, S.overdue) : null,
        r.outcome_note ? ` · ${r.outcome_note}` : "")),
      notice.service ? null : serviceForm(notice),
      notice.service && !pending && due.dataset.status === "confirmed" ? reviewForm(notice) : null,
      pending ? outcomeForm(pending) : null);
  };
  async function render() {
    const response = await fetch(`/api/v1/incidents/${iid}/notices`, { credentials: "same-origin" });
    const notices = response.ok ? await response.json() : [];
    const box = document.getElementById("notices");
    box.replaceChildren(...notices.map(noticeBlock));
    if (!notices.length && due.dataset.status === "confirmed") {
      const issue = h("button", { class: "button primary", type: "button" }, S.issue);
      issue.addEventListener("click", () => send(`/api/v1/incidents/${iid}/notices`, {}));
      box.append(issue);
    }
  }
  render();
}
