// Shared by the pages: calls to the API, and building elements from text only
// (never innerHTML), so no customer value or template output is ever read as HTML.
"use strict";

const RK = {
  async call(method, path, body, token) {
    const headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers["Authorization"] = "Bearer " + token;
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      return { ok: false, status: 0, data: { title: "The server cannot be reached", detail: String(error) } };
    }
    let data = null;
    try { data = await response.json(); } catch (error) { data = { title: "Unreadable answer", detail: response.statusText }; }
    return { ok: response.ok, status: response.status, data };
  },
  get(path) { return RK.call("GET", path); },
  post(path, body, token) { return RK.call("POST", path, body, token); },

  // An element with attributes and children; strings become text nodes.
  el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = String(value);
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  },

  // A problem (RFC 9457) as one line: what, where, how to fix.
  problemText(problem) {
    if (!problem) return "Unknown error";
    const where = problem.where ? Object.entries(problem.where).map(([k, v]) => k + " " + v).join(", ") : "";
    return [problem.what || problem.title, where && "(" + where + ")", problem.how_to_fix].filter(Boolean).join(" — ");
  },

  languageName(code) {
    try { return new Intl.DisplayNames(["en"], { type: "language" }).of(code) || code; } catch (error) { return code; }
  },

  // The write token: from the page address (#token=..., as `replykit serve` prints it), kept for this tab only.
  token() {
    const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    if (match) {
      sessionStorage.setItem("replykit-token", decodeURIComponent(match[1]));
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    return sessionStorage.getItem("replykit-token") || "";
  },
};
