// Accounts: create one; per account disable or enable it, end its sessions, set a new password,
// make an API token (shown once, in a box to copy) or revoke its tokens.
import {
  T, api, boot, clearMessage, onSubmit, showDone, showError,
} from "./authority-common.js";
import { el, fmt } from "./lib/dom.js";

const dialog = document.getElementById("manage");
const message = document.getElementById("manage-message");
const tokenBox = document.getElementById("token-box");
const tokenValue = document.getElementById("token-value");
const passwordForm = document.getElementById("password-form");
let current = null; // the account open in the dialog: {username, display_name, role, active, …}

const rowOf = (username) => document.querySelector(`tr[data-user="${CSS.escape(username)}"]`);

function readRow(row) {
  const number = (field) => Number(row.querySelector(`[data-field="${field}"]`).textContent);
  return { username: row.dataset.user,
           display_name: row.querySelector(".display-name").textContent,
           role: row.dataset.role, active: !row.classList.contains("inactive"),
           sessions: number("sessions"), tokens: number("tokens") };
}

function updateRow(user) {
  const row = rowOf(user.username);
  if (!row) return;
  row.classList.toggle("inactive", !user.active);
  row.querySelector('[data-field="active"]').replaceChildren(
    el("span", { class: `chip ${user.active ? "on" : "off"}` }, user.active ? T.active : T.disabled));
  row.querySelector('[data-field="sessions"]').textContent = String(user.sessions);
  row.querySelector('[data-field="tokens"]').textContent = String(user.tokens);
}

function showState(user) {
  current = { ...current, ...user };
  document.getElementById("manage-title").textContent =
    `${current.display_name} (${current.username})`;
  document.getElementById("manage-state").textContent = fmt(T.state, {
    role: T.roles[current.role] ?? current.role,
    status: current.active ? T.active : T.disabled,
    sessions: current.sessions, tokens: current.tokens });
  const self = current.username === boot.me;
  dialog.querySelector('[data-action="disable"]').hidden = !current.active || self;
  dialog.querySelector('[data-action="enable"]').hidden = current.active;
  dialog.querySelector('[data-action="tokens"]').disabled = !current.active;
  document.getElementById("manage-self").hidden = !self;
}

function open(row) {
  current = readRow(row);
  clearMessage(message, passwordForm);
  passwordForm.reset();
  tokenBox.hidden = true;
  tokenValue.value = "";
  showState(current);
  dialog.showModal();
}

for (const button of document.querySelectorAll("button.manage")) {
  button.addEventListener("click", () => open(button.closest("tr")));
}
document.getElementById("manage-close").addEventListener("click", () => dialog.close());
// The token leaves the page when the dialog closes: it was for copying, once.
dialog.addEventListener("close", () => {
  tokenBox.hidden = true;
  tokenValue.value = "";
});

async function act(action, body) {
  clearMessage(message, passwordForm);
  const path = `/users/${encodeURIComponent(current.username)}/${action}`;
  const answer = await api("POST", path, body);
  if (action === "tokens") {
    tokenValue.value = answer.token;
    tokenBox.hidden = false;
    current.tokens += 1;
    showState(current);
    updateRow(current);
    tokenValue.select();
    showDone(message, T.tokens);
    return;
  }
  showState(answer.user);
  updateRow(answer.user);
  if (action === "revoke-tokens") tokenBox.hidden = true;
  showDone(message, fmt(T[action], { n: answer.sessions_ended || answer.tokens_revoked || 0 }));
}

for (const button of dialog.querySelectorAll("[data-action]")) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await act(button.dataset.action);
    } catch (failure) {
      showError(message, failure);
    } finally {
      button.disabled = button.dataset.action === "tokens" && !current.active;
    }
  });
}

onSubmit(passwordForm, async () => {
  try {
    await act("password", { password: passwordForm.elements.password.value });
    passwordForm.reset();
  } catch (failure) { showError(message, failure, passwordForm); }
});

document.getElementById("token-copy").addEventListener("click", async () => {
  tokenValue.select();
  try {
    await navigator.clipboard.writeText(tokenValue.value);
  } catch {
    document.execCommand("copy"); // no Clipboard API on plain http: the older way
  }
  showDone(message, T.copied);
});

const newUser = document.getElementById("new-user");
onSubmit(newUser, async () => {
  const box = document.getElementById("new-user-message");
  clearMessage(box, newUser);
  const data = new FormData(newUser);
  const body = { username: String(data.get("username")).trim(),
                 display_name: String(data.get("display_name")).trim(),
                 role: data.get("role"), password: String(data.get("password")) };
  try {
    await api("POST", "/users", body);
    window.location.replace(`${window.location.pathname}?done=created`);
  } catch (failure) { showError(box, failure, newUser); }
});
