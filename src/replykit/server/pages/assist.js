// The agent-assist page: message in, detected language, best replies, the reply in the
// customer's locale with every value editable. Also a Chatwoot Dashboard App: the open
// conversation arrives as an "appContext" message event, accepted only from the
// configured helpdesk origin.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const helpdesk = (document.querySelector('meta[name="replykit-helpdesk-origin"]') || {}).content || "";
  const state = {
    key: null,        // the reply shown
    chosen: false,    // picked by the agent (else the best suggestion)
    template: null,   // GET /v1/templates/{key}
    edited: {},       // values typed by the agent, by variable name
    context: {},      // values handed over by the helpdesk
    seq: 0,
    reply: null,
    formKey: null,    // the key the form was built for
  };
  let timer = null;

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(update, 200);
  }

  function hints() {
    const out = {};
    const locale = $("hint-locale").value.trim();
    const country = $("hint-country").value.trim().toUpperCase();
    if (locale) out.locale = locale;
    if (country.length === 2) out.country = country;
    return out;
  }

  function values() {
    const out = Object.assign({}, state.context);
    const name = $("customer").value.trim();
    if (name && !("customer" in state.edited)) out.customer = { name };
    return Object.assign(out, state.edited);
  }

  async function update() {
    const message = $("message").value;
    if (!message.trim()) {
      return;
    }
    const seq = ++state.seq;
    const body = { message, values: values(), hints: hints(), channel: $("channel").value, examples: true };
    if (state.chosen && state.key) body.key = state.key;
    const res = await RK.post("/v1/reply", body);
    if (seq !== state.seq) return; // a newer request answers
    if (!res.ok) {
      showProblem(res.data);
      return;
    }
    showProblem(null);
    showDetection(res.data.detection);
    showSuggestions(res.data.suggestions, res.data.key);
    if (res.data.key !== state.key || !state.template) {
      state.key = res.data.key;
      state.template = null;
      if (state.key) {
        const locale = res.data.reply ? "?locale=" + encodeURIComponent(res.data.reply.locale) : "";
        const found = await RK.get("/v1/templates/" + encodeURIComponent(state.key) + locale);
        if (seq !== state.seq) return;
        state.template = found.ok ? found.data : null;
      }
    }
    state.reply = res.data.reply;
    if (state.formKey !== state.key) buildForm(); else markExamples();
    showReply(res.data.reply);
  }

  function showProblem(problem) {
    $("problem").hidden = !problem;
    $("problem").textContent = problem ? RK.problemText(problem) : "";
  }

  function showDetection(d) {
    const sure = Math.round(d.confidence * 100) + "% sure";
    let text = RK.languageName(d.language) + (d.script ? " (" + d.script + ")" : "") + " · " + sure +
      " · replying in " + d.locale;
    if (!d.supported) text = "Written in " + RK.languageName(d.detected) + ", which the catalogue does not have · replying in " + d.locale;
    $("detection").textContent = text;
    $("detection").dataset.language = d.language;
    $("detection").dataset.locale = d.locale;
  }

  function showSuggestions(suggestions, key) {
    const list = $("suggestions");
    list.replaceChildren();
    for (const s of suggestions) {
      const button = RK.el("button", {
        type: "button", class: "suggestion" + (s.fits ? " fits" : " weak") + (s.key === key ? " current" : ""),
        "data-key": s.key,
        onclick: () => { state.chosen = true; state.key = s.key; state.template = null; update(); },
      }, RK.el("span", { class: "title", text: s.title }), " ", RK.el("code", { text: s.key }),
        " ", RK.el("span", { class: "score", text: Math.round(s.score) }));
      list.append(RK.el("li", {}, button));
    }
    $("no-match").hidden = suggestions.some((s) => s.fits) || state.chosen;
  }

  function shown(value) {
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  function markExamples() {
    const fromExamples = new Set((state.reply && state.reply.example_values) || []);
    for (const field of $("values").querySelectorAll(".field")) {
      const name = field.dataset.name;
      field.querySelector("input").classList.toggle("example", fromExamples.has(name));
      field.querySelector(".tag").hidden = !fromExamples.has(name);
    }
  }

  // The form is built when the reply's key changes, never while the agent types in it.
  function buildForm() {
    const form = $("values");
    form.replaceChildren();
    state.formKey = state.template ? state.key : null;
    if (!state.template) return;
    const fromExamples = new Set((state.reply && state.reply.example_values) || []);
    const given = values();
    for (const [name, v] of Object.entries(state.template.variables)) {
      const value = name in given ? given[name] : v.example;
      const input = RK.el("input", {
        id: "value-" + name, name, value: value === undefined || value === null ? "" : shown(value),
        "data-type": v.type, class: fromExamples.has(name) ? "example" : null,
      });
      input.addEventListener("input", () => {
        const text = input.value;
        let parsed = text;
        if (typeof v.example !== "string" && text.trim()) {
          try { parsed = JSON.parse(text); } catch (error) { parsed = text; }
        }
        state.edited[name] = parsed;
        input.classList.remove("example");
        schedule();
      });
      const label = RK.el("label", { for: input.id }, name, " ", RK.el("small", { text: v.type }), " ",
        RK.el("span", { class: "tag", text: "example", hidden: !fromExamples.has(name) }));
      form.append(RK.el("div", { class: "field", "data-name": name }, label, input));
    }
  }

  function showReply(reply) {
    $("copy").disabled = !reply;
    $("copied").textContent = "";
    if (!reply) {
      $("subject-line").hidden = true;
      $("body").textContent = "";
      $("reply-meta").textContent = "";
      $("reply-title").textContent = "Reply";
      return;
    }
    $("reply-title").textContent = "Reply: " + (state.template ? state.template.title : reply.key);
    $("subject-line").hidden = reply.subject === null;
    $("subject").textContent = reply.subject || "";
    $("body").textContent = reply.body;
    $("body").lang = reply.locale;
    const notes = [reply.key, reply.locale + " · " + reply.channel];
    if (reply.fell_back) notes.push("asked for " + reply.requested_locale);
    if ((reply.example_values || []).length) notes.push("example values: " + reply.example_values.join(", "));
    $("reply-meta").textContent = notes.join(" · ");
  }

  async function copy() {
    const reply = state.reply;
    if (!reply) return;
    const text = reply.subject ? reply.subject + "\n\n" + reply.body : reply.body;
    try {
      await navigator.clipboard.writeText(text);
      $("copied").textContent = "Copied";
    } catch (error) {
      const range = document.createRange();
      range.selectNodeContents($("body"));
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      $("copied").textContent = document.execCommand("copy") ? "Copied" : "Selected: press Ctrl+C";
    }
  }

  // -- Chatwoot Dashboard App ---------------------------------------------------------

  function incoming(message) {
    return message && (message.message_type === 0 || message.message_type === "incoming") && !message.private &&
      typeof message.content === "string" && message.content.trim();
  }

  function applyContext(data) {
    const conversation = data.conversation || {};
    const contact = data.contact || conversation.meta && conversation.meta.sender || {};
    const messages = Array.isArray(conversation.messages) ? conversation.messages : [];
    const last = messages.filter(incoming).pop();
    const contactInfo = contact.additional_attributes || {};
    const browser = (conversation.additional_attributes || {}).browser_language;
    const locale = (contact.custom_attributes || {}).locale || contactInfo.locale || browser || "";
    state.context = {};
    for (const [name, value] of Object.entries(conversation.custom_attributes || {})) {
      if (/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) state.context[name] = value;
    }
    if (data.currentAgent && typeof data.currentAgent.name === "string") state.context.agent = data.currentAgent.name;
    if (typeof contact.name === "string") $("customer").value = contact.name;
    if (typeof locale === "string") $("hint-locale").value = locale.slice(0, 64);
    if (typeof contactInfo.country_code === "string") $("hint-country").value = contactInfo.country_code.slice(0, 2);
    if (last) $("message").value = last.content;
    state.chosen = false;
    state.edited = {};
    state.formKey = null;
    update();
  }

  window.addEventListener("message", (event) => {
    if (!helpdesk || event.origin !== helpdesk) return; // only the configured helpdesk may hand over a conversation
    let payload = event.data;
    if (typeof payload === "string") {
      try { payload = JSON.parse(payload); } catch (error) { return; }
    }
    if (!payload || payload.event !== "appContext" || typeof payload.data !== "object" || !payload.data) return;
    applyContext(payload.data);
  });

  document.addEventListener("DOMContentLoaded", () => {
    for (const id of ["message", "customer", "hint-locale", "hint-country"]) {
      $(id).addEventListener("input", () => {
        if (id === "message") state.chosen = false;
        if (id === "customer") state.formKey = null; // the form shows the customer too
        schedule();
      });
    }
    $("channel").addEventListener("change", update);
    $("copy").addEventListener("click", copy);
    if (helpdesk && window.parent !== window) window.parent.postMessage("chatwoot-dashboard-app:fetch-info", helpdesk);
  });
})();
