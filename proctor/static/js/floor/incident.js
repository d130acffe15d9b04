// The incident form: pick the rule (search as you type, or the common ones), see what it would
// bring before saving, name everyone involved, say what happened, when.
import { apiUrl, send } from "../lib/api.js";
import { el, fmt } from "../lib/dom.js";
import {
  T, boot, currentSubject, isoWithOffset, lang, localInputValue, newClientId, preview,
  ruleByCode, sid, subjectName, tierName, toast,
} from "./common.js";
import { attachIdentityPhotos } from "./identity.js";
import { sendNow, store, submit } from "./sync.js";

const COMMON = ["T2.1", "T2.2", "T1.4", "T2.4", "T3.4", "T2.5"];
const dialog = document.getElementById("incident");
let form = null;
let startPicking = () => {};

export function initIncident(pickSeats) {
  startPicking = pickSeats;
}

// `preset`: {rule, identity} from the identity check (T3.4, its two pictures attached once saved).
export function openIncident(seat, preset = {}) {
  form = { rule: preset.rule ?? null, identityOf: preset.identity ? seat.ticket_no : null,
           subject: seat.subjects.includes(currentSubject()?.code)
    ? currentSubject().code : seat.subjects[0], parties: [{ ticket_no: seat.ticket_no,
                                                            name: seat.name, role: "principal" }],
           impostors: [], severity: null, suggestions: [], query: "",
           observed: localInputValue(), description: "" };
  render();
  document.getElementById("card").close();
  if (!dialog.open) dialog.showModal();
}

function render() {
  document.getElementById("incident-body").replaceChildren(
    form.identityOf ? el("p.banner.identity-note", {}, T.identity_evidence_note) : "",
    rulePicker(), chosenRule(), parties(), details(),
    el("div.card-actions", {},
       el("button.button.primary.big", { type: "button", id: "save-incident", onclick: save,
                                         disabled: !canSave() }, T.save)));
}

function rulePicker() {
  const input = el("input", { type: "search", value: form.query, placeholder: T.search_rules,
                              "aria-label": T.search_rules, autocomplete: "off" });
  input.addEventListener("input", () => { form.query = input.value; search(input.value); });
  const choice = (code) => el(`button.button.rule-choice${form.rule === code ? ".chosen" : ""}`,
    { type: "button", dataset: { rule: code }, onclick: () => { form.rule = code; render(); } },
    el("span.code", {}, code), " ", ruleByCode(code)?.title[lang] ?? code);
  return el("section.rule-picker", {}, input,
    form.suggestions.length ? el("div.suggestions", {}, form.suggestions.map(choice)) : null,
    el("h3", {}, T.common_rules), el("div.button-grid", {}, COMMON.map(choice)));
}

let searchTimer = null;
function search(text) {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    form.suggestions = text.trim() ? await suggest(text.trim()) : [];
    const focusAt = document.activeElement?.type === "search";
    render();
    if (focusAt) {
      const box = document.querySelector("#incident-body input[type=search]");
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
    }
  }, 250);
}

async function suggest(text) {
  try {
    const response = await send(apiUrl(`/rules/suggest?q=${encodeURIComponent(text)}&limit=6`));
    if (response.ok) return (await response.json()).map((s) => s.code);
  } catch {
    // offline: search the rulebook on the tablet
  }
  const needle = text.toLowerCase();
  return boot.rules.filter((rule) => [rule.code, rule.title.zh, rule.title.en, ...rule.keywords]
    .some((word) => word.toLowerCase().includes(needle) || needle.includes(word.toLowerCase())))
    .slice(0, 6).map((rule) => rule.code);
}

function chosenRule() {
  if (!form.rule) return null;
  const rule = ruleByCode(form.rule);
  if (rule.requires_refused_warning) {
    return el("p.banner.warn.rule-preview", {}, T.remind_first);
  }
  return el("section.rule-preview", { dataset: { tier: rule.tier } },
    el("p", {}, el("span.badge.tier", {}, tierName(rule.tier)), " ",
       el("strong", {}, rule.title[lang]), " ", el("span.code.muted", {}, rule.code)),
    el("p", {}, el("strong", {}, T.would_bring), " ", preview(rule.code, form.subject)),
    rule.tier === 3 ? severity() : null);
}

function severity() {
  const option = (value, label) => el("label.toggle", {},
    el("input", { type: "radio", name: "severity", checked: form.severity === value,
                  onchange: () => { form.severity = value; } }), label);
  return el("fieldset.severity", {}, el("legend", {}, T.severity),
            option(null, T.no_proposal), option("minor", T.minor), option("serious", T.serious));
}

function partyLine(party) {
  const zh = document.documentElement.lang.startsWith("zh");
  const [colon, open, close] = zh ? ["：", "（", "）"] : [": ", " (", ")"];
  return `${T[party.role]}${colon}${party.name}${party.ticket_no ? `${open}${party.ticket_no}${close}` : ""}`;
}

function parties() {
  const list = [...form.parties, ...form.impostors].map((party, index) =>
    el("li", {}, partyLine(party),
       index > 0 ? el("button.button.small", { type: "button", onclick: () => drop(party) },
                      T.remove) : null));
  return el("section.parties", {}, el("h3", {}, T.parties), el("ul", {}, list),
    el("div.button-row", {},
       el("button.button", { type: "button", onclick: pick }, T.add_by_seat),
       el("button.button", { type: "button", dataset: { action: "add-impostor" },
                             onclick: () => { form.addingImpostor = true; render(); } },
          T.add_impostor)),
    form.addingImpostor ? impostorForm() : null);
}

function drop(party) {
  form.parties = form.parties.filter((p) => p !== party);
  form.impostors = form.impostors.filter((p) => p !== party);
  render();
}

function pick() {
  dialog.close();
  startPicking((seat) => {
    if (!form.parties.some((p) => p.ticket_no === seat.ticket_no)) {
      const role = form.rule === "T3.4" ? "principal" : "accomplice";
      form.parties.push({ ticket_no: seat.ticket_no, name: seat.name, role });
    }
  }, () => { render(); dialog.showModal(); });
}

// Someone who is no candidate here (an impostor sitting for a candidate): by name and ID number,
// in a form on the sheet. The ID number never waits on the tablet, so this needs the network.
function impostorForm() {
  const name = el("input", { name: "impostor-name", maxLength: 64, autocomplete: "off",
                             "aria-label": T.name });
  const idNumber = el("input", { name: "impostor-id", maxLength: 18, autocomplete: "off",
                                 inputMode: "text", "aria-label": T.id_number });
  const add = () => {
    if (!navigator.onLine) {
      toast(T.impostor_needs_network, "error");
      return;
    }
    const number = idNumber.value.trim().toUpperCase();
    if (!name.value.trim()) {
      name.focus();
      return;
    }
    if (!/^\d{17}[\dX]$/.test(number)) {
      toast(T.id_number_invalid, "error");
      idNumber.focus();
      return;
    }
    form.impostors.push({ name: name.value.trim(), id_number: number, role: "impostor" });
    form.addingImpostor = false;
    render();
  };
  const box = el("fieldset.impostor", {}, el("legend", {}, T.impostor_title),
    el("label", {}, T.name, name), el("label", {}, T.id_number, idNumber),
    el("div.button-row", {},
       el("button.button.primary", { type: "button", dataset: { action: "confirm-impostor" },
                                     onclick: add }, T.add),
       el("button.button", { type: "button",
                             onclick: () => { form.addingImpostor = false; render(); } },
          T.cancel)));
  setTimeout(() => name.focus(), 0);
  return box;
}

function details() {
  const subject = el("select", { "aria-label": T.subject,
                                 onchange: (e) => { form.subject = e.target.value; render(); } },
    boot.subjects.map((s) => el("option", { value: s.code, selected: s.code === form.subject },
                                subjectName(s.code))));
  const text = el("textarea", { rows: 3, maxLength: 5000, value: form.description,
                                oninput: (e) => { form.description = e.target.value; } });
  const observed = el("input", { type: "datetime-local", value: form.observed,
                                 onchange: (e) => { form.observed = e.target.value; } });
  return el("section.details", {},
    el("label", {}, T.subject, subject), el("label", {}, T.account, text),
    el("label", {}, T.observed_at, observed));
}

function canSave() {
  return Boolean(form.rule) && !ruleByCode(form.rule)?.requires_refused_warning;
}

async function save() {
  if (!canSave()) return;
  const clientId = newClientId();
  const rule = ruleByCode(form.rule);
  const body = {
    client_id: clientId, rule_code: form.rule, observed_at: isoWithOffset(new Date(form.observed)),
    description: form.description,
    parties: [...form.parties.map(({ ticket_no, role }) => ({ ticket_no, role })),
              ...form.impostors.map(({ name, id_number, role }) => ({ name, id_number, role }))],
  };
  body.subject = form.subject;  // where it happened (Tier 1: the subject it voids)
  if (rule.tier === 3 && form.severity) body.severity = form.severity;
  const item = { kind: "incident", client_id: clientId, method: "POST",
                 url: apiUrl(`/sittings/${sid}/incidents`), body,
                 label: `${form.rule} ${form.parties[0].ticket_no}` };
  try {
    if (form.identityOf) {
      // The pictures are on the server: the report goes now, then they become its evidence.
      const saved = await sendNow(item);
      await attachIdentityPhotos(saved.id, form.identityOf);
      toast(T.identity_evidence_attached);
      dialog.close();
      return;
    }
    if (form.impostors.length) {
      await sendNow(item);  // an ID number never waits on the tablet
    } else {
      await submit(item);
    }
  } catch (error) {
    toast(fmt(T.rejected, { message: error.message }), "error");
    return;
  }
  toast(store.online && navigator.onLine ? T.saved : T.queued);
  dialog.close();
}
