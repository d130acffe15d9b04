// Confirm or dismiss an incident, with a reason and the chief examiner's countersignature;
// or put it under another rule first, with a reason (the old code stays in the record). Where
// the candidate is told first, "propose" (拟处理), then the pre-decision notices, their service
// and the statements (陈述申辩), then confirm with the reasons.
import { apiUrl, csrfToken, errorMessage, send } from "./lib/api.js";
import { el, fmt, pageData } from "./lib/dom.js";

const csrf = csrfToken();

// A write; when the server refuses it, its message (in the page's language) goes in the box.
async function post(url, body, errorBox, onDone) {
  const response = await send(url, { method: "POST", json: body, csrf,
                                     language: document.documentElement.lang });
  const box = document.getElementById(errorBox);
  if (response.ok) {
    await onDone(box);
    return;
  }
  const error = await response.json().catch(() => ({}));
  box.textContent = errorMessage(error, response.status);
  box.hidden = false;
}
const reload = () => window.location.reload();

// A small form of the due-process sections; its data goes to `onSubmit`.
const smallForm = (fields, label, onSubmit) => {
  const node = el("form", { class: "stack due-form" }, ...fields,
                  el("button", { class: "button", type: "submit" }, label));
  node.addEventListener("submit", (event) => {
    event.preventDefault();
    onSubmit(new FormData(node));
  });
  return node;
};
// A date input set to the venue's date (the section's data-today), whatever the device's zone.
const venueDate = (section, name, label) => el("label", {}, label,
  el("input", { type: "date", name, value: section.dataset.today, required: true }));

const form = document.getElementById("decision");
if (form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { decision: event.submitter.value, note: data.get("note") };
    if (data.get("severity") && body.decision !== "dismiss") body.severity = data.get("severity");
    if (data.get("reasons") && body.decision === "confirm") body.reasons = data.get("reasons");
    post(form.dataset.url, body, "decision-error", reload);
  });
}

const change = document.getElementById("rule-change");
if (change) {
  change.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(change);
    post(change.dataset.url, { rule_code: data.get("rule_code"), reason: data.get("reason") },
         "rule-error", reload);
  });
}

// Due process: the decision notices (处理决定书), their service, review requests (复核) and
// their outcome. Each form answers with the server's own message when it refuses.
const due = document.getElementById("due-process");
if (due) {
  const S = pageData("due-strings");
  const iid = due.dataset.iid;
  const submit = (url, body) => post(url, body, "due-error", async (box) => {
    box.hidden = true;
    await render();
  });
  const dateField = (name, label) => venueDate(due, name, label);
  const serviceForm = (notice) => smallForm([
    el("label", {}, S.record_service, el("select", { name: "method" },
      ...["in_person", "electronic", "post"].map((m) => el("option", { value: m }, S[m])))),
    dateField("served_on", S.served_on)], S.record_service,
    (data) => submit(apiUrl(`/notices/${notice.id}/service`),
                     { method: data.get("method"), served_on: data.get("served_on") }));
  const reviewForm = (notice) => smallForm([
    dateField("received_on", S.received_on),
    el("label", {}, S.grounds, el("textarea", { name: "grounds", rows: "2", required: true }))],
    S.record_review, (data) => submit(apiUrl(`/notices/${notice.id}/review`),
                                      { received_on: data.get("received_on"),
                                        grounds: data.get("grounds") }));
  const outcomeForm = (review) => smallForm([
    el("label", {}, S.outcome, el("select", { name: "outcome" },
      ...["upheld", "changed", "overturned"].map((o) => el("option", { value: o }, S[o])))),
    due.dataset.tier === "3" ? el("label", {}, S.new_severity, el("select", { name: "severity" },
      el("option", { value: "" }, "—"), el("option", { value: "minor" }, S.minor),
      el("option", { value: "serious" }, S.serious))) : null,
    el("label", {}, S.note, el("textarea", { name: "note", rows: "2", required: true }))],
    S.decide_review, (data) => {
      const body = { outcome: data.get("outcome"), note: data.get("note") };
      if (data.get("severity")) body.severity = data.get("severity");
      submit(apiUrl(`/reviews/${review.id}/outcome`), body);
    });
  const noticeBlock = (notice) => {
    const pending = notice.reviews.find((r) => r.status === "pending");
    return el("div", { class: "card notice-block", "data-notice": notice.id },
      el("p", {}, el("strong", {}, fmt(S.notice, { n: notice.number })), ` · ${notice.name} · `,
        el("a", { class: "button small", href: notice.html_url }, S.open), " ",
        el("a", { class: "button small", href: notice.pdf_url }, S.pdf)),
      notice.service
        ? el("p", {}, fmt(S.served, { d: notice.service.served_on, m: S[notice.service.method] }),
            notice.review_last_day ? ` · ${fmt(S.last_day, { d: notice.review_last_day })}` : "")
        : el("p", { class: "muted" }, S.not_served),
      ...notice.reviews.map((r) => el("p", {},
        fmt(S.review, { d: r.received_on, due: r.due_on }), ` · ${S[`status_${r.status}`]}`,
        r.overdue ? el("strong", { class: "badge incident" }, S.overdue) : null,
        r.outcome_note ? ` · ${r.outcome_note}` : "")),
      notice.service ? null : serviceForm(notice),
      notice.service && !pending && due.dataset.status === "confirmed" ? reviewForm(notice) : null,
      pending ? outcomeForm(pending) : null);
  };
  async function render() {
    const response = await send(apiUrl(`/incidents/${iid}/notices`));
    const notices = response.ok ? await response.json() : [];
    const box = document.getElementById("notices");
    box.replaceChildren(...notices.map(noticeBlock));
    if (!notices.length && due.dataset.status === "confirmed") {
      const issue = el("button", { class: "button primary", type: "button" }, S.issue);
      issue.addEventListener("click", () => submit(apiUrl(`/incidents/${iid}/notices`), {}));
      box.append(issue);
    }
  }
  render();
}

// Before the decision: the pre-decision notices (事先告知书), their service (公告送达 only after
// a failed attempt), and the statements or signed waivers; each drawn from the server's answer.
const pre = document.getElementById("pre-process");
if (pre) {
  const P = pageData("pre-strings");
  const iid = pre.dataset.iid;
  const open = pre.dataset.status === "proposed";
  const submit = (url, body) => post(url, body, "pre-error", async (box) => {
    box.hidden = true;
    await renderPre();
  });
  const dateField = (name, label) => venueDate(pre, name, label);
  const choice = (name, label, values) => el("label", {}, label, el("select", { name },
    ...values.map((v) => el("option", { value: v }, P[v]))));
  const serviceForm = (notice) => smallForm([
    choice("method", P.record_service, ["in_person", "electronic", "post", "public"]),
    dateField("served_on", P.served_on),
    el("label", { class: "toggle" }, el("input", { type: "checkbox", name: "failed" }), P.failed),
    el("label", {}, P.service_note, el("input", { type: "text", name: "note" })),
    el("label", {}, P.posted_at, el("input", { type: "text", name: "posted_at" }))],
    P.record_service, (data) => {
      const body = { method: data.get("method"), served_on: data.get("served_on"),
                     failed: data.get("failed") === "on" };
      if (data.get("note")) body.note = data.get("note");
      if (data.get("posted_at")) body.posted_at = data.get("posted_at");
      submit(apiUrl(`/pre-notices/${notice.id}/service`), body);
    });
  // One key per form as drawn: a retried click records the statement once.
  const newKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)),
                                  (b) => b.toString(16).padStart(2, "0")).join("");
  const statementForm = (notice, key = newKey()) => smallForm([
    el("label", {}, P.text, el("textarea", { name: "text", rows: "3", required: true })),
    choice("received_via", P.received_via, ["in_person", "electronic", "post"]),
    dateField("received_on", P.received_on)], P.record_statement,
    (data) => submit(apiUrl(`/pre-notices/${notice.id}/statements`), {
      client_id: key, text: data.get("text"),
      received_via: data.get("received_via"), received_on: data.get("received_on") }));
  const waiverForm = (notice, key = newKey()) => smallForm([
    el("label", {}, P.witness, el("input", { type: "text", name: "witness", required: true }))],
    P.record_waiver, (data) => submit(apiUrl(`/pre-notices/${notice.id}/statements`), {
      client_id: key, waived: true, witness: data.get("witness") }));
  const noticeBlock = (notice) => el("div", { class: "card notice-block",
                                                "data-pre-notice": notice.id },
    el("p", {}, el("strong", {}, fmt(P.notice, { n: notice.notice_no })),
      ` · ${notice.person.name} · `,
      el("a", { class: "button small", href: notice.html_url }, P.open), " ",
      el("a", { class: "button small", href: notice.pdf_url }, P.pdf)),
    ...notice.services.filter((a) => a.failed).map((a) => el("p", { class: "muted" },
      `${P[a.method]} · ${a.served_on} · ${P.failed_attempt}${a.note ? ` · ${a.note}` : ""}`)),
    notice.served_on
      ? el("p", {}, fmt(P.served, { d: notice.served_on, m: P[notice.service_method] }),
          ` · ${fmt(P.deadline, { d: notice.statement_deadline })}`)
      : el("p", { class: "muted" }, P.not_served),
    ...notice.statements.map((s) => s.kind === "waiver"
      ? el("p", { class: "statement" }, P.waived, s.witness ? ` · ${s.witness}` : "")
      : el("blockquote", { class: "statement" },
          el("p", {}, fmt(P.statement, { d: s.received_on, v: P[s.received_via] })),
          el("p", {}, s.text))),
    open && !notice.served_on ? serviceForm(notice) : null,
    open && notice.served_on && !notice.waived ? statementForm(notice) : null,
    open && notice.served_on && !notice.waived ? waiverForm(notice) : null);
  async function renderPre() {
    const response = await send(apiUrl(`/incidents/${iid}/pre-notices`));
    const notices = response.ok ? await response.json() : [];
    document.getElementById("pre-notices").replaceChildren(...notices.map(noticeBlock));
    const considered = document.getElementById("statements-considered");
    if (considered) {
      considered.replaceChildren(...notices.flatMap((n) => n.statements)
        .filter((s) => s.kind === "statement")
        .map((s) => el("blockquote", { class: "statement" },
          el("p", {}, fmt(P.statement, { d: s.received_on, v: P[s.received_via] })),
          el("p", {}, s.text))));
    }
    if (!notices.length && open) {
      const issue = el("button", { class: "button primary", type: "button" }, P.issue);
      issue.addEventListener("click", () => submit(apiUrl(`/incidents/${iid}/pre-notices`), {}));
      document.getElementById("pre-notices").append(issue);
    }
  }
  renderPre();
}
