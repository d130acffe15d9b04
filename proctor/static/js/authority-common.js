// Shared by the evaluation body's pages: the JSON API with the session, the CSRF token and the
// page's language, the page's strings, and the contract's errors shown next to the form that
// caused them.
import { apiUrl, call as callApi, csrfToken } from "./lib/api.js";
import { el, pageData } from "./lib/dom.js";

export const T = { ...pageData("strings-common"), ...pageData("strings") };
export const boot = pageData("boot");
const page = { csrf: csrfToken(), language: document.documentElement.lang };

// fetch() on /api/v1: JSON in, the raw Response out (callers read JSON, blobs or text); an
// answer that is not 2xx, or none, throws an ApiFailure.
export function call(method, path, { json, form } = {}) {
  return callApi(apiUrl(path), { method, json, form, ...page, offline: T.offline });
}

export async function api(method, path, json) {
  const response = await call(method, path, json === undefined ? {} : { json });
  return response.status === 204 ? null : response.json();
}

// The API's own message, under a translation of its code when we have one.
export function describe(failure) {
  const error = failure.error ?? { code: "error", message: String(failure.message ?? failure) };
  const known = T.errors?.[error.code];
  if (!known) return { text: error.message || error.code, detail: null };
  return { text: known, detail: error.message && error.message !== known ? error.message : null };
}

export function showError(box, failure, form) {
  const { text, detail } = describe(failure);
  box.replaceChildren(text, ...(detail ? [el("span", { class: "detail" }, detail)] : []));
  setKind(box, "error");
  const field = failure.error?.field;
  if (form && field) {
    const name = field.split(".").pop();
    const input = form.querySelector(`[name="${CSS.escape(field)}"], [name="${CSS.escape(name)}"]`);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }
}

// A message box keeps its own classes; only its kind (error or success) changes.
export function setKind(box, kind) {
  box.classList.add("flash");
  box.classList.remove("error", "success", "pending");
  box.classList.add(kind);
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  box.hidden = false;
}

export function showDone(box, text) {
  box.textContent = text;
  setKind(box, "success");
}

export function clearMessage(box, form) {
  box.hidden = true;
  box.textContent = "";
  form?.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
}

// Run a submit handler with the form's buttons held down, so a double tap sends once.
export function onSubmit(form, handler) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const buttons = [...form.querySelectorAll("button")];
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await handler(event);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
}

// A download the browser saves under the name the server gives (Content-Disposition).
export async function download(response, fallback) {
  const blob = await response.blob();
  const header = response.headers.get("Content-Disposition") ?? "";
  const name = /filename="([^"]+)"/.exec(header)?.[1] ?? fallback;
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}
