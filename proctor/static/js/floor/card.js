// The candidate's card: check-in, seat, reminders and their outcome, and the record so far.
import { apiUrl } from "../lib/api.js";
import { el, fmt } from "../lib/dom.js";
import {
  T, boot, currentSubject, isoWithOffset, newClientId, preview, rid, ruleTitle, shortTime, sid,
  subjectName, tierName,
} from "./common.js";
import { describeEvent } from "./grid.js";
import { movementSection, recordLines } from "./movements.js";
import { identitySection } from "./identity.js";
import { store, submit } from "./sync.js";
import { attendanceOf } from "./view.js";

const dialog = document.getElementById("card");
let openTicket = null;
let chosenSubject = null;
let onReport = () => {};
let onOpenIncident = () => {};

export function initCard(reportIncident, openIncidentDetail) {
  onReport = reportIncident;
  onOpenIncident = openIncidentDetail;
  dialog.addEventListener("close", () => { openTicket = null; });
}

export function openCard(seat, view) {
  openTicket = seat.ticket_no;
  chosenSubject = seat.subjects.includes(currentSubject()?.code)
    ? currentSubject().code : seat.subjects[0];
  renderCard(view);
  if (!dialog.open) dialog.showModal();
}

export function refreshCard(view) {
  if (openTicket && dialog.open) renderCard(view);
}

function renderCard(view) {
  const seat = view.byTicket.get(openTicket);
  if (!seat) {
    dialog.close();
    return;
  }
  document.getElementById("card-title").textContent =
    `${fmt(T.seat, { n: seat.seat_no })} · ${seat.name}`;
  const sections = [
    identity(seat), checkIn(seat), identityCheck(seat), movementSection(seat, submit),
    reminders(seat), moveSeat(seat, view),
    el("section.card-actions", {},
       el("button.button.danger.big", { type: "button", onclick: () => onReport(seat) },
          T.report)),
    incidentList(seat), record(seat)];
  document.getElementById("card-body").replaceChildren(...sections.filter(Boolean));
}

function identity(seat) {
  return el("dl.identity", {},
            el("dt", {}, T.ticket), el("dd", {}, seat.ticket_no),
            el("dt", {}, T.id_number), el("dd.mono", {}, seat.id_number),
            el("dt", {}, T.subjects), el("dd", {}, seat.subjects.map(subjectName).join("、")));
}

// Each control records what it shows the moment it is touched: the ID check ticked after
// 已到/迟到 (the natural order) is recorded with the status already given; ticked first, it
// records the candidate present (whoever shows an ID card at the desk is there), and a later
// 迟到 keeps the tick.
function checkIn(seat) {
  const mark = attendanceOf(seat, chosenSubject);
  const idBox = el("input", { type: "checkbox", id: "id-checked",
                              checked: mark ? mark.id_checked : false });
  const record = (status) => submit({
    kind: "attendance", ticket_no: seat.ticket_no, method: "POST",
    url: apiUrl(`/sittings/${sid}/candidates/${encodeURIComponent(seat.ticket_no)}/attendance`),
    body: { status, id_checked: idBox.checked, subject: chosenSubject },
    label: `${seat.ticket_no} ${T[status]}`,
  });
  idBox.addEventListener("change", () => {
    const status = mark?.status && mark.status !== "absent" ? mark.status : "present";
    record(status);
  });
  const subjectPicker = el("select", { "aria-label": T.subject,
                                       onchange: (e) => { chosenSubject = e.target.value;
                                                          refreshCard(store.view); } },
    seat.subjects.map((code) => el("option", { value: code, selected: code === chosenSubject },
                                   subjectName(code))));
  return el("section.check-in", {},
    el("h3", {}, T.check_in), subjectPicker,
    el("div.button-row", {}, ["present", "late", "absent"].map((status) =>
      el(`button.button.big.status-${status}`, {
        type: "button", "aria-pressed": String(mark?.status === status),
        onclick: () => record(status) }, T[status]))),
    el("label.toggle", {}, idBox, T.id_checked),
    mark?.pending ? el("p.muted", {}, T.pending) : null);
}

// The identity check: the face against the registration photo, with the ID card's tick.
function identityCheck(seat) {
  const mark = attendanceOf(seat, chosenSubject);
  const record = (identity) => {
    const idCard = document.getElementById("id-checked")?.checked ?? Boolean(mark?.id_checked);
    const status = mark?.status && mark.status !== "absent" ? mark.status : "present";
    submit({
      kind: "attendance", ticket_no: seat.ticket_no, method: "POST",
      url: apiUrl(`/sittings/${sid}/candidates/${encodeURIComponent(seat.ticket_no)}/attendance`),
      body: { status, id_checked: idCard, subject: chosenSubject,
              identity: { id_card: idCard, photo: identity.photo ?? null,
                          checkin_photo_id: identity.checkin_photo_id ?? null } },
      label: `${seat.ticket_no} ${T.identity_check}`,
    });
  };
  return identitySection(seat, mark, record, (s) => onReport(s, { rule: "T3.4", identity: true }));
}

function reminders(seat) {
  const open = seat.warnings.filter((w) => w.outcome === "pending");
  const remind = (code) => {
    const clientId = newClientId();
    submit({ kind: "warning", client_id: clientId, method: "POST",
             url: apiUrl(`/sittings/${sid}/warnings`), label: `${seat.ticket_no} ${code}`,
             body: { client_id: clientId, ticket_no: seat.ticket_no, subject: chosenSubject,
                     rule_code: code, observed_at: isoWithOffset() } });
  };
  return el("section.reminders", {},
    el("h3", {}, T.remind),
    el("div.button-grid", {}, ["T1.1", "T1.2", "T1.3"].map((code) =>
      el("button.button.big.remind", { type: "button", dataset: { rule: code },
                                       onclick: () => remind(code) },
         el("span.code", {}, code), " ", T[`remind_${code}`]))),
    open.map((warning) => pendingReminder(seat, warning)));
}

function pendingReminder(seat, warning) {
  const resolve = (outcome) => {
    if (outcome === "refused") {
      const effect = preview(warning.rule_code, warning.subject);
      if (!window.confirm(fmt(T.refuse_confirm, { effect }))) return;
    }
    const item = { kind: "outcome", ticket_no: seat.ticket_no, method: "POST",
                   body: { outcome }, label: `${seat.ticket_no} ${warning.rule_code}` };
    if (warning.id) {
      Object.assign(item, { warning_id: warning.id, url: apiUrl(`/warnings/${warning.id}/outcome`) });
    } else {
      Object.assign(item, { ref: warning.client_id, url: apiUrl("/warnings/{ref}/outcome") });
    }
    submit(item);
  };
  return el("div.pending-reminder", { dataset: { warning: warning.id ?? warning.client_id } },
    el("p", {}, fmt(T.reminder_waiting, { what: T[`remind_${warning.rule_code}`] }),
       " · ", shortTime(warning.observed_at)),
    el("div.button-row", {},
       el("button.button.big.complied", { type: "button", onclick: () => resolve("complied") },
          T.complied),
       el("button.button.big.danger.refused", { type: "button",
                                                onclick: () => resolve("refused") }, T.refused)));
}

function moveSeat(seat, view) {
  const total = boot.room.rows * boot.room.cols;
  const picker = el("select", { "aria-label": T.move_seat },
    Array.from({ length: total }, (_, i) => i + 1).map((n) => {
      const other = view.bySeat.get(n);
      return el("option", { value: n, selected: n === seat.seat_no },
                other ? `${n} · ${other.name}` : `${n} · ${T.empty_seat}`);
    }));
  const swap = el("input", { type: "checkbox" });
  const move = () => submit({
    kind: "seat", ticket_no: seat.ticket_no, method: "PUT",
    url: apiUrl(`/sittings/${sid}/candidates/${encodeURIComponent(seat.ticket_no)}/seat`),
    body: { room_id: rid, seat_no: Number(picker.value), swap: swap.checked },
    label: `${seat.ticket_no} → ${picker.value}`,
  });
  return el("section.move", {}, el("h3", {}, T.move_seat),
            el("div.button-row", {}, picker,
               el("button.button", { type: "button", onclick: move }, T.move)),
            el("label.toggle", {}, swap, T.swap));
}

function incidentList(seat) {
  if (!seat.incidents.length) return null;
  return el("section.incidents", {}, el("h3", {}, T.incidents),
    el("ul.incident-list", {}, seat.incidents.map((incident) => el("li", {},
      el("span", {}, `${tierName(incident.tier)} · ${ruleTitle(incident.rule_code)} · `,
         T[`status_${incident.status}`] ?? T.pending),
      el("button.button.small", { type: "button",
                                  dataset: { incident: incident.id ?? incident.client_id },
                                  onclick: () => onOpenIncident(incident, seat) },
         T.open_incident)))));
}

function record(seat) {
  const lines = [
    ...seat.warnings.map((w) => ({ at: w.observed_at, text: `${T.ev_warning_recorded}：${T[`remind_${w.rule_code}`]} · ${T[`outcome_${w.outcome}`]}`, pending: w.pending })),
    ...seat.incidents.map((i) => ({ at: i.observed_at, text: `${T.ev_incident_reported} ${ruleTitle(i.rule_code)} · ${T[`status_${i.status}`] ?? T.pending}`, pending: i.pending })),
    ...recordLines(seat),
    ...store.events.filter((e) => e.data?.ticket_no === seat.ticket_no
                                 && e.type === "attendance_recorded")
      .map((e) => ({ at: e.at, text: `${T.ev_attendance_recorded} ${describeEvent(e)}` })),
  ].sort((a, b) => String(b.at ?? "").localeCompare(String(a.at ?? "")));
  return el("section.record", {}, el("h3", {}, T.candidate_timeline),
    el("ol.timeline", {}, lines.length ? lines.map((line) =>
      el(`li${line.pending ? ".pending" : ""}`, {}, line.at ? shortTime(line.at) : "", " ",
         line.text, line.pending ? el("span.badge.pending", {}, T.pending) : null))
      : el("li.muted", {}, T.nothing_yet)));
}
