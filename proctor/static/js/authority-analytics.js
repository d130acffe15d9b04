// The analytics page: one bar chart per section, drawn with Apache ECharts (served from
// node_modules at /vendor/echarts) from the numbers the server rendered into the page; the table
// under each chart holds the same numbers. Filters are a plain GET form: the URL is the view.
import * as echarts from "/vendor/echarts/echarts.esm.min.js";

const data = JSON.parse(document.getElementById("analytics-data").textContent);
const lang = data.lang === "en" ? "en" : "zh";
const PALETTE = ["#0b5cad", "#c2410c", "#15803d", "#7c3aed", "#b45309", "#64748b"];

const figure = (group, path) => path.split(".").reduce((value, key) => value?.[key], group);
// The axis names a group briefly (a rule by its code); the table beside it in full.
const shortName = (group) => (data.group_by === "rule" ? String(group.key) : group.label[lang]);

function draw(node, chart) {
  const names = data.groups.map(shortName);
  const height = Math.max(220, 70 + names.length * (chart.stack ? 26 : 14 + 9 * chart.series.length));
  node.style.height = `${height}px`;
  const plot = echarts.init(node, null, { renderer: "svg", locale: lang === "en" ? "EN" : "ZH" });
  plot.setOption({
    animation: false,
    color: PALETTE,
    aria: { enabled: true },
    textStyle: { fontFamily: "inherit" },
    legend: { top: 0, type: "scroll" },
    grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: chart.id === "counts" || chart.id === "reviews" ? 1 : 0 },
    yAxis: { type: "category", inverse: true, data: names,
             axisLabel: { width: 160, overflow: "truncate" } },
    series: chart.series.map(([path, name]) => ({
      type: "bar", name, stack: chart.stack ? "all" : undefined,
      data: data.groups.map((group) => figure(group, path) ?? 0),
    })),
  });
  window.addEventListener("resize", () => plot.resize());
  node.dataset.drawn = "1";
}

for (const chart of data.charts) {
  const node = document.querySelector(`.chart[data-chart="${chart.id}"]`);
  if (node) draw(node, chart);
}
document.documentElement.dataset.chartsDrawn = String(document.querySelectorAll(".chart[data-drawn]").length);
