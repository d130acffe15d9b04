// Sign the room record off (the invigilator's own tablet), then show it as it now stands.
import { csrfToken, send } from "./lib/api.js";

const button = document.getElementById("signoff");
if (button) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    const response = await send(button.dataset.url, { method: "POST", csrf: csrfToken() });
    if (response.ok) window.location.reload();
    else button.disabled = false;
  });
}
