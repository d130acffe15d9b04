// The app's JSON API (/api/v1) as every page calls it: the session cookie, a JSON body or a
// multipart form, and only the headers the page asks for — the CSRF token on writes, the
// language the server answers in (its error messages included). A refusal is the contract's
// {"error": {"code", "message", "field"}}.

export const apiUrl = (path) => `/api/v1${path}`;

// The token the server wrote into the page (base.html), for X-CSRFToken.
export const csrfToken = () => document.querySelector('meta[name="csrf-token"]').content;

// fetch() with the session: `csrf` becomes X-CSRFToken, `language` Accept-Language, `accept`
// Accept; `json` is sent as JSON, `form` (FormData) as multipart. The raw Response comes back.
export function send(url, { method = "GET", json, form, csrf, language, accept } = {}) {
  const headers = {};
  if (accept) headers.Accept = accept;
  if (language) headers["Accept-Language"] = language;
  if (csrf) headers["X-CSRFToken"] = csrf;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  return fetch(url, { method, credentials: "same-origin", headers, body });
}

// The server's own words for a refusal, else its status.
export const errorMessage = (payload, status) => payload?.error?.message ?? `HTTP ${status}`;

// An answer that is not 2xx becomes an ApiFailure carrying the contract's error object.
export class ApiFailure extends Error {
  constructor(status, error) {
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.error = error;
  }
}

async function failure(response) {
  const payload = await response.json().catch(() => ({}));
  return new ApiFailure(response.status,
    payload.error ?? { code: "http_error", message: `HTTP ${response.status}` });
}

// send(), for callers that want only a 2xx answer: any other, or none at all (the network is
// down: code "offline", with the page's `offline` message), throws an ApiFailure.
export async function call(url, { offline, ...options } = {}) {
  let response;
  try {
    response = await send(url, options);
  } catch {
    throw new ApiFailure(0, { code: "offline", message: offline });
  }
  if (!response.ok) throw await failure(response);
  return response;
}
