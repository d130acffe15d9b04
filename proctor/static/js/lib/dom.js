// What every page builds its screen from: the data the server put in the page, elements, its
// strings with the values filled in, and moments as the page shows them.

// A page's data travels in <script type="application/json" id="…"> blocks (the
// Content-Security-Policy runs no inline script); {} where the page has no such block.
export function pageData(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : {};
}

// el("button.button.big", {onclick, dataset: {...}, ...attributes}, ...children)
// A key the element has as a property is set as one (value, checked, selected, hidden, href…),
// any other as an attribute (class, colspan, data-*, aria-*); false, null and undefined leave
// it out, true sets an empty attribute. Children: nodes, text, or arrays of them.
export function el(spec, props = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const node = document.createElement(tag || "div");
  if (classes.length) node.className = classes.join(" ");
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key in node && key !== "list") node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// fmt("{n} waiting", {n: 3}): a page string with its values in place.
export function fmt(text, vars = {}) {
  return String(text).replace(/\{(\w+)\}/g, (_, key) => String(vars[key] ?? ""));
}

// Date and time, as Date#toLocaleString shows them.
const DATE_AND_TIME = { year: "numeric", month: "numeric", day: "numeric",
                        hour: "numeric", minute: "numeric", second: "numeric" };

// A formatter of moments (ISO strings, Dates, epoch milliseconds) in the page's language; give
// `timeZone` in the options where the page knows the venue's zone, or it shows the device's.
export function timeFormat(locale, options = DATE_AND_TIME) {
  const format = new Intl.DateTimeFormat(locale, options);
  return (moment) => format.format(new Date(moment));
}
