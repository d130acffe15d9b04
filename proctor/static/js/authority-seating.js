// The sitting's seating (考场编排) on the evaluation body's sitting page: try a seed without
// saving, or arrange the seats for good; the answer shows what the server planned, with every
// pair of one training body it could not separate. After a real run the page is read again.
import {
  T as common, api, clearMessage, onSubmit, setKind, showDone, showError,
} from "./authority-common.js";
import { el, fmt, pageData } from "./lib/dom.js";

const T = { ...common, ...pageData("strings-seating"),
            errors: { ...common.errors, ...pageData("strings-seating").errors } };
const sid = pageData("boot").sitting_id;
const form = document.getElementById("seating-form");
const message = document.getElementById("seating-message");
const result = document.getElementById("seating-result");
const SEED_MAX = 9007199254740991;

function body(dryRun) {
  const data = new FormData(form);
  const raw = String(data.get("seed") ?? "").trim();
  const seed = raw === "" ? null : Number(raw);
  if (raw !== "" && (!/^\d+$/.test(raw) || !Number.isSafeInteger(seed) || seed > SEED_MAX)) {
    return null;
  }
  const separate = String(data.get("separate_by") ?? "");
  const json = { strategy: "random", separate_by: separate || null, dry_run: dryRun };
  if (seed !== null) json.seed = seed;
  return json;
}

function show(plan) {
  for (const key of ["assigned", "seats", "seed", "unseparated_count"]) {
    result.querySelector(`[data-count="${key}"]`).textContent = String(plan[key]);
  }
  document.getElementById("seating-hash").textContent = fmt(T.hash, { hash: plan.plan_sha256 });
  document.getElementById("seating-inseparable").replaceChildren(
    ...plan.inseparable.map((b) => el("li.banner.warn", {}, fmt(T.inseparable, {
      body: b.training_body, n: b.candidates, max: b.max_apart }))),
    el(`li.banner.${plan.unseparated_count ? "warn" : "ok"}`, {}, plan.unseparated_count
      ? fmt(T.pairs_left, { n: plan.unseparated_count }) : T.all_apart));
  const table = document.getElementById("seating-pairs");
  table.querySelector("tbody").replaceChildren(...plan.unseparated.map((p) => el("tr", {},
    el("td", {}, p.room), el("td", {}, fmt(T.seat_pair, { a: p.seats[0], b: p.seats[1] })),
    el("td.mono", {}, p.tickets.join("、")), el("td", {}, p.training_body))));
  table.hidden = plan.unseparated.length === 0;
  result.hidden = false;
}

onSubmit(form, async (event) => {
  clearMessage(message, form);
  const dryRun = event.submitter?.value !== "run";
  const json = body(dryRun);
  if (json === null) {
    showError(message, { error: { code: "seed", message: T.seed_invalid, field: "seed" } }, form);
    return;
  }
  message.textContent = T.arranging;
  setKind(message, "pending");
  try {
    const plan = await api("POST", `/sittings/${sid}/seating`, json);
    show(plan);
    showDone(message, dryRun ? T.previewed
      : fmt(T.arranged, { assigned: plan.assigned, rooms: plan.rooms.length }));
    if (!dryRun) document.getElementById("seating-last")?.remove();
  } catch (failure) {
    if (failure.error?.code === "not_enough_seats") {
      showError(message, { error: { code: "seats", message: fmt(T.not_enough_seats,
                                                                  failure.error) } });
    } else {
      showError(message, failure, form);
    }
  }
});
