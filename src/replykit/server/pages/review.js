// The review page: every key with all its locales x channels rendered side by side,
// the template source beside them, lint findings inline with file:line, and flags
// a reviewer leaves on a reply (written to the catalogue's reviews.yaml).
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const data = { templates: [], findings: [], flags: [], locales: [] };

  function problem(p) {
    $("problem").hidden = !p;
    $("problem").textContent = p ? RK.problemText(p) : "";
  }

  function where(finding) {
    return finding.file + ":" + finding.line;
  }

  function findingItem(f) {
    return RK.el("li", { class: "finding " + f.severity, "data-code": f.code },
      RK.el("code", { class: "where", text: where(f) }), " ",
      RK.el("span", { class: "code", text: f.severity + " " + f.code }), " ",
      f.locale ? RK.el("span", { class: "tag", text: f.locale }) : null, " ",
      RK.el("span", { text: f.message }));
  }

  function keyFindings(key) {
    return data.findings.filter((f) => f.key === key);
  }

  function keyFlags(key) {
    return data.flags.filter((f) => f.key === key && f.status !== "resolved");
  }

  function visible(t) {
    const group = $("filter-group").value;
    const finding = $("filter-finding").value;
    if (group && t.group !== group) return false;
    if (finding === "*") return keyFindings(t.key).length > 0;
    if (finding === "flagged") return keyFlags(t.key).length > 0;
    if (finding) return keyFindings(t.key).some((f) => f.code === finding);
    return true;
  }

  function list() {
    const keys = $("keys");
    keys.replaceChildren();
    let shown = 0;
    for (const t of data.templates) {
      if (!visible(t)) continue;
      shown += 1;
      const findings = keyFindings(t.key);
      const flags = keyFlags(t.key);
      const details = RK.el("details", { class: "key panel", "data-key": t.key },
        RK.el("summary", {},
          RK.el("code", { text: t.key }), " ", RK.el("span", { class: "title", text: t.title }), " ",
          RK.el("span", { class: "tag", text: t.languages.join(" ") }),
          findings.length ? RK.el("span", { class: "tag warning", text: findings.length + " finding(s)" }) : null,
          flags.length ? RK.el("span", { class: "tag flag", text: flags.length + " flag(s)" }) : null),
        RK.el("div", { class: "content" }));
      details.addEventListener("toggle", () => { if (details.open && !details.dataset.loaded) openKey(details, t); });
      keys.append(details);
    }
    $("summary").textContent = shown + " of " + data.templates.length + " keys · " +
      data.findings.length + " finding(s) · " + data.flags.filter((f) => f.status !== "resolved").length + " open flag(s)";
  }

  async function openKey(details, t) {
    details.dataset.loaded = "1";
    const content = details.querySelector(".content");
    const res = await RK.get("/v1/templates/" + encodeURIComponent(t.key));
    if (!res.ok) { content.append(RK.el("p", { class: "problem", text: RK.problemText(res.data) })); return; }
    const detail = res.data;
    const valuesBox = RK.el("textarea", { class: "values-json", rows: 6, spellcheck: "false", "aria-label": "Values (JSON)" });
    valuesBox.value = JSON.stringify(detail.examples, null, 2);
    const grid = RK.el("div", { class: "grid" });
    const rerender = RK.el("button", { type: "button", text: "Render with these values" });
    rerender.addEventListener("click", () => renderGrid(grid, detail, valuesBox));

    const sources = RK.el("div", { class: "sources" });
    for (const [lang, info] of Object.entries(detail.languages)) {
      const texts = Object.entries(info.texts).map(([name, text]) =>
        RK.el("div", {}, RK.el("h5", { text: name }), RK.el("pre", { class: "source", text })));
      sources.append(RK.el("div", { class: "source-lang", "data-language": lang },
        RK.el("h4", {}, RK.el("span", { text: lang + " " }), RK.el("span", { class: "tag status-" + info.status, text: info.status }),
          " ", RK.el("code", { class: "where", text: info.file + ":" + info.line })),
        texts));
    }
    const findings = keyFindings(t.key);
    const flags = keyFlags(t.key);
    content.append(...[
      findings.length ? RK.el("ul", { class: "findings" }, findings.map(findingItem)) : null,
      flags.length ? RK.el("ul", { class: "flags" }, flags.map((f) =>
        RK.el("li", { class: "flag" }, RK.el("code", { class: "where", text: "reviews.yaml:" + f.line }), " ",
          RK.el("span", { class: "tag", text: f.locale + " " + f.channel }), " ", RK.el("span", { text: f.comment })))) : null,
      RK.el("div", { class: "columns" },
        RK.el("div", { class: "data" }, RK.el("h3", { text: "Data" }), valuesBox, rerender),
        RK.el("div", {}, RK.el("h3", { text: "Template source" }), sources)),
      RK.el("h3", { text: "Rendered" }), grid].filter(Boolean));
    await renderGrid(grid, detail, valuesBox);
  }

  async function renderGrid(grid, detail, valuesBox) {
    let values;
    try { values = JSON.parse(valuesBox.value || "{}"); } catch (error) {
      grid.replaceChildren(RK.el("p", { class: "problem", text: "The values are not valid JSON: " + error.message }));
      return;
    }
    const wanted = $("filter-locale").value;
    const locales = detail.locales.filter((l) => !wanted || l === wanted);
    const table = RK.el("table", { class: "renders" });
    table.append(RK.el("thead", {}, RK.el("tr", {}, RK.el("th", { text: "locale" }),
      detail.channels.map((c) => RK.el("th", { text: c })))));
    const body = RK.el("tbody");
    table.append(body);
    grid.replaceChildren(table);
    await Promise.all(locales.map(async (locale) => {
      const row = RK.el("tr", { "data-locale": locale }, RK.el("th", { text: locale }));
      body.append(row);
      const cells = await Promise.all(detail.channels.map((channel) => renderCell(detail.key, locale, channel, values)));
      row.append(...cells);
    }));
    const rows = Array.from(body.children).sort((a, b) => a.dataset.locale.localeCompare(b.dataset.locale));
    body.replaceChildren(...rows);
  }

  async function renderCell(key, locale, channel, values) {
    const cell = RK.el("td", { class: "cell", "data-locale": locale, "data-channel": channel });
    const res = await RK.post("/v1/render", { key, locale, channel, values, examples: true });
    if (!res.ok) {
      cell.append(RK.el("p", { class: "problem", text: RK.problemText(res.data) }));
      return cell;
    }
    const r = res.data;
    if (r.fell_back) cell.append(RK.el("p", { class: "warning", text: "answered in " + r.locale + " (asked " + r.requested_locale + ")" }));
    for (const defect of r.defects) cell.append(RK.el("p", { class: "problem", text: defect }));
    if (r.subject !== null) cell.append(RK.el("p", { class: "subject", text: r.subject }));
    cell.append(RK.el("pre", { class: "body", lang: r.locale, text: r.body }));
    cell.append(flagForm(key, locale, channel));
    return cell;
  }

  function flagForm(key, locale, channel) {
    const box = RK.el("div", { class: "flag-box" });
    const open = RK.el("button", { type: "button", class: "flag-open", text: "Flag" });
    const comment = RK.el("textarea", { class: "flag-comment", rows: 2, maxlength: 2000, placeholder: "What is wrong?", hidden: true });
    const save = RK.el("button", { type: "button", class: "flag-save", text: "Save flag", hidden: true });
    const status = RK.el("span", { class: "note", "aria-live": "polite" });
    open.addEventListener("click", () => { comment.hidden = false; save.hidden = false; comment.focus(); });
    save.addEventListener("click", async () => {
      const token = $("token").value.trim();
      const res = await RK.post("/v1/reviews", { key, locale, channel, comment: comment.value }, token);
      if (!res.ok) { status.textContent = RK.problemText(res.data); return; }
      data.flags.push(res.data);
      status.textContent = "Flagged (reviews.yaml:" + res.data.line + ")";
      comment.hidden = true; save.hidden = true;
    });
    box.append(open, comment, save, status);
    return box;
  }

  async function load() {
    const [templates, lint, flags] = await Promise.all([RK.get("/v1/templates"), RK.get("/v1/lint"), RK.get("/v1/reviews")]);
    for (const res of [templates, lint, flags]) if (!res.ok) { problem(res.data); return; }
    data.templates = templates.data;
    data.findings = lint.data.findings;
    data.flags = flags.data;
    const groups = [...new Set(data.templates.map((t) => t.group))];
    $("filter-group").append(...groups.map((g) => RK.el("option", { value: g, text: g })));
    const codes = [...new Set(data.findings.map((f) => f.code))].sort();
    $("filter-finding").append(...codes.map((c) => RK.el("option", { value: c, text: c })));
    if (data.templates.length) {
      const first = await RK.get("/v1/templates/" + encodeURIComponent(data.templates[0].key));
      if (first.ok) $("filter-locale").append(...first.data.locales.map((l) => RK.el("option", { value: l, text: l })));
    }
    const general = data.findings.filter((f) => !f.key);
    $("catalogue-findings").hidden = !general.length;
    $("general-findings").replaceChildren(...general.map(findingItem));
    list();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("token").value = RK.token();
    $("token").addEventListener("change", () => sessionStorage.setItem("replykit-token", $("token").value.trim()));
    for (const id of ["filter-group", "filter-finding"]) $(id).addEventListener("change", list);
    $("filter-locale").addEventListener("change", () => {
      for (const d of document.querySelectorAll("details.key")) { d.removeAttribute("data-loaded"); d.querySelector(".content").replaceChildren(); d.open = false; }
    });
    load();
  });
})();
