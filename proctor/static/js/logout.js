// Tablets are shared: logging out empties the outbox and the offline caches of this device.
const form = document.querySelector("form[data-logout]");
if (form) {
  form.addEventListener("submit", async (event) => {
    if (form.dataset.cleared) return;
    event.preventDefault();
    try {
      const outbox = await import("./outbox.js");
      const waiting = await outbox.count();
      const warning = document.documentElement.lang.startsWith("zh")
        ? `还有 ${waiting} 条记录等待同步。退出登录会丢弃它们。仍要退出吗？`
        : `${waiting} record(s) are still waiting to sync. Logging out discards them. Log out anyway?`;
      if (waiting > 0 && !window.confirm(warning)) return;
      await outbox.clearAll();
    } catch {
      // No IndexedDB here (private mode): nothing was kept on this device.
    }
    if ("caches" in window) {
      for (const name of await caches.keys()) await caches.delete(name);
    }
    sessionStorage.clear();
    form.dataset.cleared = "1";
    form.submit();
  });
}
