// Sign the room record off (the invigilator's own tablet), then show it as it now stands.
const button = document.getElementById("signoff");
if (button) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    const response = await fetch(button.dataset.url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": document.querySelector('meta[name="csrf-token"]').content },
    });
    if (response.ok) window.location.reload();
    else button.disabled = false;
  });
}
