// Exports and checks: the ban list as of a date (shown here, CSV or Excel; masked or not),
// revoked certificates (shown here or CSV), and the eligibility of one ID number on a date.
import {
  T, api, call, clearMessage, download, onSubmit, setKind, showDone, showError,
} from "./authority-common.js";
import { el, fmt, timeFormat } from "./lib/dom.js";

// A moment in the page's language (the venue's clock is the tablet's clock on exam day).
const dateAndTime = timeFormat(document.documentElement.lang);
const when = (iso) => (iso ? dateAndTime(iso) : "—");

const banCells = (ban) => [
  el("td", {}, ban.name), el("td", { class: "mono" }, ban.id_number),
  el("td", { class: "nowrap" }, `${ban.from} – ${ban.until}`),
  el("td", {}, T[`tier_${ban.tier}`] ?? String(ban.tier)),
  el("td", {}, ban.rule_codes.join(" "), ban.referral ? el("span", { class: "chip off" }, T.referral) : null),
];

// -- ban list ----------------------------------------------------------------------------------
const bansForm = document.getElementById("bans-form");
const bansMessage = document.getElementById("bans-message");
const bansResult = document.getElementById("bans-result");

onSubmit(bansForm, async (event) => {
  clearMessage(bansMessage, bansForm);
  const data = new FormData(bansForm);
  const format = event.submitter?.value ?? "json";
  const query = new URLSearchParams({ format });
  if (data.get("as_of")) query.set("as_of", String(data.get("as_of")));
  if (data.get("masked")) query.set("masked", "1");
  try {
    if (format !== "json") {
      bansMessage.textContent = T.preparing;
      setKind(bansMessage, "pending");
      const name = await download(await call("GET", `/bans?${query}`), `bans.${format}`);
      showDone(bansMessage, fmt(T.downloaded, { name }));
      return;
    }
    const answer = await api("GET", `/bans?${query}`);
    for (const node of bansResult.querySelectorAll("[data-key]")) {
      const value = answer[node.dataset.key] ?? "";
      node.textContent = node.dataset.key === "generated_at" ? when(value) : String(value);
    }
    bansResult.querySelector("tbody").replaceChildren(...(answer.bans.length
      ? answer.bans.map((ban) => el("tr", {}, ...banCells(ban)))
      : [el("tr", {}, el("td", { colspan: "5", class: "muted" }, T.no_bans))]));
    bansResult.hidden = false;
  } catch (failure) {
    bansResult.hidden = true;
    showError(bansMessage, failure, bansForm);
  }
});

// -- revoked certificates ----------------------------------------------------------------------
const revForm = document.getElementById("revocations-form");
const revMessage = document.getElementById("revocations-message");
const revTable = document.querySelector(".revocations-table");

onSubmit(revForm, async (event) => {
  clearMessage(revMessage, revForm);
  const format = event.submitter?.value ?? "json";
  try {
    if (format === "csv") {
      const name = await download(await call("GET", "/certificates/revoked?format=csv"),
                                  "revoked-certificates.csv");
      showDone(revMessage, fmt(T.downloaded, { name }));
      return;
    }
    const { revocations } = await api("GET", "/certificates/revoked?format=json");
    revTable.querySelector("tbody").replaceChildren(...revocations.map((r) => el("tr", {},
      el("td", {}, r.name), el("td", { class: "mono" }, r.id_number),
      el("td", { class: "mono" }, r.ticket_no),
      el("td", {}, fmt(T.sitting, { n: r.sitting_id })),
      el("td", { class: "nowrap" }, when(r.decided_at)))));
    revTable.hidden = revocations.length === 0;
    showDone(revMessage, revocations.length
      ? fmt(T.revocations_count, { n: revocations.length }) : T.no_revocations);
  } catch (failure) { showError(revMessage, failure, revForm); }
});

// -- eligibility -------------------------------------------------------------------------------
const eligForm = document.getElementById("eligibility-form");
const eligMessage = document.getElementById("eligibility-message");
const eligResult = document.getElementById("eligibility-result");

onSubmit(eligForm, async () => {
  clearMessage(eligMessage, eligForm);
  eligResult.hidden = true;
  const data = new FormData(eligForm);
  const query = new URLSearchParams({ id_number: String(data.get("id_number")).trim() });
  if (data.get("date")) query.set("date", String(data.get("date")));
  try {
    const answer = await api("GET", `/eligibility?${query}`);
    const vars = { id: answer.id_number, date: answer.date };
    eligResult.replaceChildren(answer.eligible
      ? el("p", { class: "banner ok", "data-eligible": "1" }, `✓ ${fmt(T.eligible, vars)}`)
      : el("div", { class: "banner error", "data-eligible": "0" },
        el("p", {}, `✗ ${fmt(T.not_eligible, vars)}`),
        el("ul", {}, ...answer.bans.map((ban) => el("li", {}, `${ban.name} · `,
          fmt(T.ban_line, { ...ban, tier: T[`tier_${ban.tier}`] ?? ban.tier,
                            rules: ban.rule_codes.join(" ") }),
          ban.referral ? ` · ${T.referral}` : "")))));
    eligResult.hidden = false;
  } catch (failure) { showError(eligMessage, failure, eligForm); }
});
