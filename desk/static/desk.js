/* Tidepool agent desk: inbox, conversation, shopper panel, reply box and admin metrics.
   Shopper, bot and agent text only ever reaches the DOM through textContent / text nodes, never as markup. */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const ui = {
    loginView: $("login-view"), loginForm: $("login-form"), loginError: $("login-error"), loginSubmit: $("login-submit"),
    deskView: $("desk-view"), deskTab: $("desk-tab"), adminTab: $("admin-tab"), logout: $("logout"),
    connection: $("connection"), connDot: $("conn-dot"), connText: $("conn-text"), agentName: $("agent-name"), agentRole: $("agent-role"),
    workspace: $("workspace"), conversation: $("conversation"), agentsOnline: $("agents-online"), claimError: $("claim-error"),
    inboxTabs: $("inbox-tabs"), inboxPanel: $("inbox-panel"), inboxList: $("inbox-list"), inboxEmpty: $("inbox-empty"),
    conversationEmpty: $("conversation-empty"), conversationBody: $("conversation-body"),
    convReason: $("conv-reason"), convStatus: $("conv-status"), convMeta: $("conv-meta"), convClaim: $("conv-claim"),
    transferForm: $("transfer-form"), transferAgent: $("transfer-agent"), closeForm: $("close-form"), resolution: $("resolution"),
    scroller: $("transcript-scroller"), transcript: $("transcript"),
    replyForm: $("reply-form"), draft: $("draft"), canned: $("canned"), draftButton: $("draft-button"), noteToggle: $("note-toggle"),
    productSearch: $("product-search"), productResults: $("product-results"), attached: $("attached-product"),
    replyText: $("reply-text"), sendReply: $("send-reply"), replyHint: $("reply-hint"),
    verifiedEmail: $("verified-email"), profile: $("profile"), orders: $("orders"),
    adminView: $("admin-view"), metrics: $("metrics"), refreshMetrics: $("refresh-metrics"),
    toast: $("toast"),
  };

  const TABS = ["waiting", "mine", "closed"];
  const EMPTY_TEXT = { waiting: "No one is waiting.", mine: "You have no open conversations.", closed: "No closed conversations yet." };
  const KIND_LABEL = { user: "Shopper", bot: "Bot", agent: "Agent", note: "Agent", system: "System" };
  const EMPTY_INBOX = () => ({ waiting: [], mine: [], closed: [], agents_online: null });

  const state = {
    csrf: "", me: null, view: "desk", tab: "waiting", source: null,
    inbox: EMPTY_INBOX(),
    inboxAt: 0, // performance.now() of the inbox fetch: wait times count on from there
    openId: null, // conversation_id shown in the middle column
    conv: null, convAt: 0,
    rendered: { id: null, keys: [] }, // transcript entries already in the DOM, so updates only append
    draft: null, // the Draft shown in #draft
    draftId: null, // id of the draft copied into the textarea: sent with the next message
    product: null, // {product_id, name} attached to the next message
    sending: false, replyShown: false, cannedLang: null, canned: [],
    agents: null, agentsAt: 0, resolutions: null,
  };
  const replyTexts = new Map(); // unsent text per conversation, so switching conversations loses nothing
  const waits = new WeakMap(); // .wait span -> {base, since, live}
  const itemKeys = new WeakMap(); // inbox li -> the handoff it was drawn from
  const cannedCache = Object.create(null);

  // ---------- small helpers ----------

  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const asArray = (v) => (Array.isArray(v) ? v : []);
  const str = (v) => (v == null ? "" : String(v));
  const isScalar = (v) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";
  const num = (v) => (v == null || v === "" ? NaN : Number(v));
  const pad = (x) => String(x).padStart(2, "0");

  // Builds an element; children may be nodes or strings (which become text nodes, never markup).
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value == null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (typeof value === "function") node.addEventListener(key.replace(/^on/, ""), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of [].concat(children == null ? [] : children)) {
      if (child != null && child !== false && child !== "") node.append(child);
    }
    return node;
  }

  // Only http(s) links: source URLs come from ingested documents and must not run script.
  function safeUrl(value) {
    if (typeof value !== "string" || !value.trim()) return null;
    try {
      const url = new URL(value.trim(), location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function humanize(value) {
    const s = str(value).replace(/^rule:/, "rule: ").replace(/_/g, " ").trim();
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function truncate(text, max) {
    const s = str(text).replace(/\s+/g, " ").trim();
    return s.length > max ? `${s.slice(0, max - 1)}…` : s;
  }

  function formatDuration(seconds) {
    const n = num(seconds);
    if (!Number.isFinite(n)) return "—";
    const s = Math.max(0, Math.round(n));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
    if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
    return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
  }

  function clock(at) {
    const date = new Date(num(at) * 1000);
    if (Number.isNaN(date.getTime())) return null;
    return el("time", { class: "at", datetime: date.toISOString(), title: date.toLocaleString() }, `${pad(date.getHours())}:${pad(date.getMinutes())}`);
  }

  function money(amount, currency) {
    const n = num(amount);
    if (!Number.isFinite(n)) return str(amount);
    try {
      return new Intl.NumberFormat("en-US", { style: "currency", currency: currency || "USD" }).format(n);
    } catch (e) {
      return `${n.toFixed(2)} ${str(currency)}`.trim();
    }
  }

  // Rates may come as fractions (0.12) or percentages (12); both read as "12%".
  function percent(value, digits) {
    const n = num(value);
    return Number.isFinite(n) ? `${(n <= 1 ? n * 100 : n).toFixed(digits || 0)}%` : "—";
  }

  const count = (v) => (Number.isFinite(num(v)) ? str(v) : "—");

  function langTag(language) {
    const code = str(language).toLowerCase();
    if (!code) return null;
    const zh = code.startsWith("zh");
    return el("span", { class: "tag lang", lang: zh ? "zh" : null, title: "Language" }, zh ? "中文" : code.toUpperCase());
  }

  // The same bands as the web chat: at 0.6 and above an answer is presented as well supported.
  function groundednessBadge(value) {
    const g = num(value);
    if (!Number.isFinite(g)) return null;
    const level = g >= 0.8 ? "high" : g >= 0.6 ? "medium" : "low";
    return el("span", { class: `groundedness ${level}`, "data-level": level, title: "How well the store's documents support the text" }, `Grounded ${Math.round(g * 100)}%`);
  }

  const isComplaint = (h) => str(h && h.reason).includes("complaint");
  const isMine = (h) => !!(h && isObject(h.agent) && state.me && String(h.agent.id) === String(state.me.id));
  const isAdmin = () => !!(state.me && state.me.role === "admin");
  const currentHandoff = () => (state.conv && isObject(state.conv.handoff) ? state.conv.handoff : null);
  const handoffPath = (h, action) => `/api/handoffs/${encodeURIComponent(str(h.id))}/${action}`;

  // One request at a time per resource; events that arrive meanwhile fold into a single follow-up fetch.
  function coalesce(fn) {
    let running = null;
    let again = false;
    const loop = async () => {
      do {
        again = false;
        await fn().catch((e) => console.error("desk:", e)); // a rendering bug must not stop later refreshes
      } while (again);
      running = null;
    };
    return () => {
      if (running) again = true;
      else running = loop();
      return running;
    };
  }

  // ---------- toast and errors ----------

  let toastTimer = null;
  function toast(message, kind) {
    ui.toast.textContent = message;
    ui.toast.dataset.kind = kind || "error";
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (ui.toast.textContent = ""), 6000);
  }

  function report(error, what) {
    if (error && error.status === 401) return; // the page is already back at sign-in
    console.warn("desk:", what, error);
    toast(what ? `${what}: ${error.message}` : str(error.message));
  }

  // Runs one action; a failure becomes a toast and the result undefined.
  async function attempt(what, fn) {
    try {
      return await fn();
    } catch (e) {
      report(e, what);
    }
  }

  // ---------- API ----------

  class ApiError extends Error {
    constructor(status, message, data) {
      super(message);
      Object.assign(this, { status, data });
    }
  }

  async function api(path, options) {
    const opts = Object.assign({ method: "GET", body: null, auth: true, retry: true }, options);
    const init = { method: opts.method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (opts.method !== "GET") {
      Object.assign(init.headers, { "Content-Type": "application/json", "X-CSRF-Token": state.csrf });
      init.body = JSON.stringify(opts.body || {});
    }
    const response = await fetch(path, init).catch(() => {
      throw new ApiError(0, "can't reach the desk server", null);
    });
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    // A stale token (signed in again in another tab, server restart): fetch the current one and try once more.
    if (response.status === 403 && isObject(data) && data.error === "csrf" && opts.retry) {
      await loadSession();
      return api(path, Object.assign({}, opts, { retry: false }));
    }
    if (response.status === 401 && opts.auth) signedOut(true);
    if (!response.ok) {
      const message = (isObject(data) && str(data.error)) || (response.status === 403 ? "not allowed" : `HTTP ${response.status}`);
      throw new ApiError(response.status, message, data);
    }
    return data;
  }

  const post = (path, body) => api(path, { method: "POST", body });

  // ---------- session ----------

  async function loadSession() {
    const data = await api("/api/session", { auth: false, retry: false });
    state.csrf = str(isObject(data) && data.csrf_token);
    return isObject(data) && isObject(data.agent) ? data.agent : null;
  }

  function showScreen(name) {
    document.body.dataset.view = name;
    ui.loginView.hidden = name !== "login";
    ui.deskView.hidden = name !== "desk";
    if (name === "login") ui.loginForm.elements.email.focus();
  }

  async function onLogin(event) {
    event.preventDefault();
    const email = ui.loginForm.elements.email.value.trim();
    const password = ui.loginForm.elements.password.value;
    if (!email || !password) return (ui.loginError.textContent = "Enter your email and password.");
    ui.loginError.textContent = "";
    ui.loginSubmit.disabled = true;
    try {
      const data = await api("/api/login", { method: "POST", body: { email, password }, auth: false });
      if (data && data.csrf_token) state.csrf = str(data.csrf_token); // sign-in issues a new token
      ui.loginForm.elements.password.value = "";
      signedIn(data && data.agent);
    } catch (e) {
      const wait = e.status === 429 && e.data && e.data.retry_after_s != null ? ` (try again in ${formatDuration(e.data.retry_after_s)})` : "";
      ui.loginError.textContent = e.message + wait;
    } finally {
      ui.loginSubmit.disabled = false;
    }
  }

  function signedIn(agent) {
    state.me = isObject(agent) ? agent : { name: "", role: "agent" };
    ui.loginError.textContent = "";
    ui.agentName.textContent = str(state.me.name || state.me.email);
    ui.agentRole.textContent = humanize(state.me.role || "agent");
    ui.agentRole.dataset.role = str(state.me.role);
    ui.adminTab.hidden = !isAdmin();
    showScreen("desk");
    showView("desk");
    connectStream();
    refreshInbox();
  }

  // Local reset after sign-out or an expired session (any 401).
  function signedOut(expired) {
    const wasIn = !!state.me;
    state.me = null;
    closeStream();
    closeConversation();
    state.inbox = EMPTY_INBOX();
    state.agents = null;
    ui.inboxList.replaceChildren();
    ui.metrics.replaceChildren();
    replyTexts.clear();
    showScreen("login");
    if (wasIn && expired) toast("Your session ended. Please sign in again.", "info");
    loadSession().catch(() => {}); // the login form needs the new session's token
  }

  async function onLogout() {
    try {
      await post("/api/logout");
    } catch (e) {
      if (e.status !== 401) return report(e, "Couldn't sign out");
    }
    signedOut(false);
  }

  function showView(view) {
    state.view = view === "admin" && isAdmin() ? "admin" : "desk";
    ui.workspace.hidden = state.view !== "desk";
    ui.adminView.hidden = state.view !== "admin";
    ui.deskTab.setAttribute("aria-pressed", String(state.view === "desk"));
    ui.adminTab.setAttribute("aria-pressed", String(state.view === "admin"));
    if (state.view === "admin") loadMetrics();
  }

  // ---------- live updates ----------

  function setConnection(next) {
    ui.connection.dataset.state = next;
    ui.connDot.dataset.state = next;
    ui.connText.textContent = { online: "online", reconnecting: "reconnecting…", connecting: "connecting…" }[next];
  }

  function connectStream() {
    closeStream();
    const source = new EventSource("/api/stream");
    state.source = source;
    setConnection("connecting");
    source.addEventListener("open", () => {
      if (state.source !== source) return;
      setConnection("online");
      // Events sent while the stream was down are lost: catch up.
      refreshInbox();
      if (state.openId) refreshConversation();
    });
    source.addEventListener("error", () => {
      if (state.source !== source) return;
      setConnection("reconnecting");
      // The browser retries by itself unless the server refused the stream (401, 5xx): then check the session.
      if (source.readyState === EventSource.CLOSED) setTimeout(() => recheck(source), 5000);
    });
    source.addEventListener("inbox", () => {
      refreshInbox();
      if (state.view === "admin") loadMetrics();
    });
    source.addEventListener("conversation", (event) => {
      let id = null;
      try {
        id = JSON.parse(event.data).conversation_id;
      } catch (e) {
        return;
      }
      if (id != null && String(id) === state.openId) refreshConversation();
    });
  }

  async function recheck(source) {
    if (state.source !== source || !state.me) return;
    const agent = await loadSession().catch(() => undefined); // undefined: unreachable, so just try the stream again
    if (agent === null) signedOut(true);
    else connectStream();
  }

  function closeStream() {
    if (state.source) state.source.close();
    state.source = null;
  }

  // ---------- wait times ----------

  // Wait times tick locally from the server's waited_s, so a skewed agent clock doesn't matter.
  function waitSpan(h, since) {
    const span = el("span", { class: "wait", title: "Waiting time" });
    setWait(span, h, since);
    return span;
  }

  function setWait(span, h, since) {
    let base = num(h.waited_s);
    if (!Number.isFinite(base) && num(h.created_at)) base = Date.now() / 1000 - num(h.created_at);
    waits.set(span, { base, since, live: h.status === "waiting" });
    paintWait(span);
  }

  function paintWait(span) {
    const w = waits.get(span);
    if (!w) return;
    const text = formatDuration(w.base + (w.live ? (performance.now() - w.since) / 1000 : 0));
    // Changing the text node in place keeps screen readers from hearing it as a new addition every second.
    if (!span.firstChild) span.textContent = text;
    else if (span.firstChild.nodeValue !== text) span.firstChild.nodeValue = text;
  }

  setInterval(() => document.querySelectorAll(".wait").forEach(paintWait), 1000);

  // ---------- inbox ----------

  const refreshInbox = coalesce(async () => {
    const data = state.me && (await attempt("Couldn't load the inbox", () => api("/api/inbox")));
    if (!isObject(data) || !state.me) return;
    state.inbox = { waiting: asArray(data.waiting), mine: asArray(data.mine), closed: asArray(data.closed), agents_online: data.agents_online };
    state.inboxAt = performance.now();
    renderInbox();
  });

  function setTab(tab, focus) {
    state.tab = TABS.includes(tab) ? tab : "waiting";
    for (const name of TABS) {
      const button = $(`tab-${name}`);
      button.setAttribute("aria-selected", String(name === state.tab));
      button.tabIndex = name === state.tab ? 0 : -1;
      if (focus && name === state.tab) button.focus();
    }
    ui.inboxPanel.setAttribute("aria-labelledby", `tab-${state.tab}`);
    renderInbox();
  }

  function renderInbox() {
    const box = state.inbox;
    for (const name of TABS) $(`count-${name}`).textContent = String(box[name].length);
    ui.agentsOnline.textContent = box.agents_online != null ? `${box.agents_online} online` : "";
    const items = box[state.tab].filter(isObject);
    const keys = items.map((h) => JSON.stringify(Object.assign({}, h, { waited_s: undefined })));
    const current = [...ui.inboxList.children];
    if (current.length === keys.length && current.every((li, i) => itemKeys.get(li) === keys[i])) {
      // Unchanged list: only reset the wait clocks, so focus and screen readers are left alone.
      current.forEach((li, i) => li.querySelector(".wait") && setWait(li.querySelector(".wait"), items[i], state.inboxAt));
    } else {
      const focused = focusedItem();
      ui.inboxList.replaceChildren(...items.map((h, i) => {
        const li = renderHandoff(h);
        itemKeys.set(li, keys[i]);
        return li;
      }));
      restoreFocus(focused);
    }
    ui.inboxEmpty.textContent = EMPTY_TEXT[state.tab];
    ui.inboxEmpty.hidden = items.length > 0;
    markSelected();
    // Someone else claimed or closed the open conversation: an inbox event may be all the notice we get.
    const open = currentHandoff();
    const listed = open && TABS.flatMap((name) => box[name]).find((h) => isObject(h) && String(h.id) === String(open.id));
    const owner = (h) => (isObject(h.agent) ? String(h.agent.id) : "");
    if (listed && (listed.status !== open.status || owner(listed) !== owner(open))) refreshConversation();
  }

  function handoffFooter(h) {
    const agent = isObject(h.agent) && h.agent.name ? str(h.agent.name) : "";
    if (h.status === "active") return isMine(h) ? "Active · yours" : `Active${agent ? ` · ${agent}` : ""}`;
    if (h.status === "waiting") return "";
    return [humanize(h.status), agent && `by ${agent}`, h.resolution && humanize(h.resolution), h.rating != null && `rated ${h.rating}/5`].filter(Boolean).join(" · ");
  }

  function renderHandoff(h) {
    const summary = isObject(h.summary) ? h.summary : {};
    const tier = str(h.tier);
    const open = el("button", { type: "button", class: "open-handoff", onclick: () => openConversation(str(h.conversation_id)) }, [
      el("span", { class: "handoff-top" }, [
        el("span", { class: "reason-label", text: str(h.reason_label) || humanize(h.reason) }),
        isComplaint(h) && el("span", { class: "tag priority", text: "Priority" }),
        el("span", { class: "wait-box" }, [el("span", { class: "visually-hidden", text: h.status === "waiting" ? "waiting " : "waited " }), waitSpan(h, state.inboxAt)]),
      ]),
      el("span", { class: "handoff-tags" }, [
        langTag(h.language),
        h.channel && el("span", { class: "tag channel", title: "Channel", text: str(h.channel) }),
        tier && tier !== "none" && el("span", { class: "tag tier", "data-tier": tier, title: "Membership tier", text: humanize(tier) }),
        ...asArray(summary.order_ids).map(str).filter(Boolean).map((id) => el("span", { class: "tag order-id", title: "Order", text: id })),
      ]),
      summary.last_question && el("span", { class: "last-question", text: truncate(summary.last_question, 140) }),
      el("span", { class: "handoff-footer", text: handoffFooter(h) }),
    ]);
    const claim = h.status === "waiting" && el("button", { type: "button", class: "claim" }, "Claim");
    if (claim) claim.addEventListener("click", () => claimHandoff(h, claim));
    const attrs = { class: `handoff${isComplaint(h) ? " complaint" : ""}`, "data-handoff-id": str(h.id), "data-conversation-id": str(h.conversation_id), "data-status": str(h.status) };
    return el("li", attrs, [open, claim]);
  }

  function markSelected() {
    for (const li of ui.inboxList.querySelectorAll("li.handoff")) {
      const selected = state.openId != null && li.dataset.conversationId === state.openId;
      li.classList.toggle("selected", selected);
      if (selected) li.firstChild.setAttribute("aria-current", "true");
      else li.firstChild.removeAttribute("aria-current");
    }
  }

  // A re-drawn list would drop keyboard focus; put it back on the same item.
  function focusedItem() {
    const active = document.activeElement;
    const li = active && ui.inboxList.contains(active) ? active.closest("li.handoff") : null;
    return li ? { id: li.dataset.handoffId, claim: active.classList.contains("claim") } : null;
  }

  function restoreFocus(focused) {
    const li = focused && [...ui.inboxList.children].find((node) => node.dataset.handoffId === focused.id);
    const target = li && ((focused.claim && li.querySelector(".claim")) || li.querySelector(".open-handoff"));
    if (target) target.focus();
  }

  let claimErrorTimer = null;
  function showClaimError(text) {
    ui.claimError.textContent = text;
    ui.claimError.hidden = !text;
    clearTimeout(claimErrorTimer);
    if (text) claimErrorTimer = setTimeout(() => showClaimError(""), 15000);
  }

  async function claimHandoff(h, button) {
    button.disabled = true;
    showClaimError("");
    try {
      await post(handoffPath(h, "claim"));
      setTab("mine");
      await openConversation(str(h.conversation_id));
      ui.replyText.focus();
    } catch (e) {
      // The error sits outside the list, which the refresh below redraws without this item.
      if (e.status === 409) showClaimError(`Already taken by ${str(e.data && e.data.agent) || "another agent"}`);
      else report(e, "Couldn't claim");
    } finally {
      button.disabled = false;
      refreshInbox();
      if (state.openId === str(h.conversation_id)) refreshConversation();
    }
  }

  // ---------- conversation ----------

  async function openConversation(id) {
    if (!id || !state.me) return;
    if (id !== state.openId) {
      if (state.openId) replyTexts.set(state.openId, ui.replyText.value);
      resetReply();
      Object.assign(state, { openId: id, conv: null, replyShown: false, rendered: { id: null, keys: [] } });
      ui.replyText.value = replyTexts.get(id) || "";
      // Nothing of the previous conversation stays on screen while this one loads.
      ui.transcript.replaceChildren();
      ui.convReason.textContent = "Loading…";
      ui.convMeta.replaceChildren();
      ui.profile.replaceChildren();
      ui.orders.replaceChildren();
      [ui.replyForm, ui.convClaim, ui.transferForm, ui.closeForm, ui.conversationEmpty].forEach((node) => (node.hidden = true));
      ui.conversationBody.hidden = false;
      ui.conversationBody.setAttribute("aria-busy", "true");
      markSelected();
    }
    await refreshConversation();
    // On a narrow screen the conversation sits below the inbox: bring it into view.
    if (window.matchMedia("(max-width: 760px)").matches) ui.conversation.scrollIntoView({ block: "start" });
  }

  function closeConversation() {
    resetReply();
    Object.assign(state, { openId: null, conv: null, replyShown: false, rendered: { id: null, keys: [] } });
    ui.transcript.replaceChildren();
    ui.conversationBody.hidden = true;
    ui.conversationEmpty.hidden = false;
    ui.verifiedEmail.textContent = "No conversation open.";
    ui.profile.replaceChildren();
    ui.orders.replaceChildren();
    markSelected();
  }

  const refreshConversation = coalesce(async () => {
    const id = state.openId;
    if (!id || !state.me) return;
    try {
      const data = await api(`/api/conversations/${encodeURIComponent(id)}`);
      if (id !== state.openId || !isObject(data)) return; // the agent moved on meanwhile
      state.conv = data;
      state.convAt = performance.now();
      renderConversation();
    } catch (e) {
      if (id !== state.openId) return;
      if (e.status === 404) {
        closeConversation();
        toast("That conversation no longer exists.");
      } else report(e, "Couldn't load the conversation");
    } finally {
      if (id === state.openId) ui.conversationBody.removeAttribute("aria-busy");
    }
  });

  function renderConversation() {
    const h = currentHandoff();
    renderConvHeader(h);
    renderTranscript(asArray(state.conv.transcript).filter(isObject));
    renderSide(state.conv);
    updateReplyBox(h);
  }

  function renderConvHeader(h) {
    ui.convReason.textContent = h ? str(h.reason_label) || humanize(h.reason) : "Conversation";
    ui.convStatus.textContent = h ? humanize(h.status) : "With the bot";
    ui.convStatus.dataset.status = h ? str(h.status) : "none";
    const agent = h && isObject(h.agent) && h.agent.name ? str(h.agent.name) : "";
    const meta = h ? [
      isComplaint(h) && el("span", { class: "tag priority", text: "Priority" }),
      langTag(h.language),
      h.channel && el("span", { class: "tag channel", title: "Channel", text: str(h.channel) }),
      h.tier && h.tier !== "none" && el("span", { class: "tag tier", "data-tier": str(h.tier), title: "Membership tier", text: humanize(h.tier) }),
      el("span", { class: "conv-wait" }, [h.status === "waiting" ? "Waiting " : "Waited ", waitSpan(h, state.convAt)]),
      agent && el("span", { class: "conv-agent", text: isMine(h) ? "With you" : `With ${agent}` }),
    ] : [el("span", { class: "muted", text: "No handoff: the bot is handling this conversation." })];
    ui.convMeta.replaceChildren(...meta.filter(Boolean));
    const canManage = !!h && h.status === "active" && (isMine(h) || isAdmin());
    ui.convClaim.hidden = !(h && h.status === "waiting");
    ui.transferForm.hidden = !canManage;
    ui.closeForm.hidden = !canManage;
    if (canManage) ensureAgents().then(ensureResolutions);
  }

  // Rebuilds a <select> only when its options changed, so a choice in progress survives live updates.
  function fillSelect(select, placeholder, options) {
    const signature = JSON.stringify([placeholder, options]);
    if (select.dataset.signature === signature) return;
    const value = select.value;
    select.replaceChildren(el("option", { value: "" }, placeholder), ...options.map((o) => el("option", { value: o.value }, o.label)));
    select.dataset.signature = signature;
    if (options.some((o) => o.value === value)) select.value = value;
  }

  async function ensureAgents() {
    if (!state.agents || performance.now() - state.agentsAt > 30000) {
      const list = await attempt("Couldn't load agents", () => api("/api/agents"));
      if (!list) return;
      state.agents = asArray(list).filter(isObject);
      state.agentsAt = performance.now();
    }
    const others = state.agents.filter((a) => state.me && String(a.id) !== String(state.me.id));
    const options = others.map((a) => ({ value: str(a.id), label: `${str(a.name || a.email)} (${a.online ? "online" : "offline"})` }));
    fillSelect(ui.transferAgent, others.length ? "Choose an agent…" : "No other agents", options);
  }

  async function ensureResolutions() {
    const list = state.resolutions || (await attempt("Couldn't load resolutions", () => api("/api/resolutions")));
    if (!list) return;
    state.resolutions = asArray(list).filter(isObject);
    fillSelect(ui.resolution, "Choose a resolution…", state.resolutions.map((r) => ({ value: str(r.code), label: str(r.label || r.code) })));
  }

  async function onTransfer(event) {
    event.preventDefault();
    const h = currentHandoff();
    const value = ui.transferAgent.value;
    if (!h || !value) return;
    const agent = (state.agents || []).find((a) => str(a.id) === value);
    // Agent ids are numbers in the contract; the <select> only knows strings.
    const done = await attempt("Couldn't transfer", () => post(handoffPath(h, "transfer"), { agent_id: agent ? agent.id : value }));
    if (done) toast(`Transferred to ${agent ? str(agent.name) : "another agent"}.`, "info");
    refreshInbox();
    refreshConversation();
  }

  async function onClose(event) {
    event.preventDefault();
    const h = currentHandoff();
    if (!h || !ui.resolution.value) return;
    const done = await attempt("Couldn't hand back", () => post(handoffPath(h, "close"), { resolution: ui.resolution.value }));
    if (done) toast("Handed back to the bot; the shopper is asked for a rating.", "info");
    refreshInbox();
    refreshConversation();
  }

  // ---------- transcript ----------

  function renderTranscript(entries) {
    const keys = entries.map((entry) => JSON.stringify(entry));
    const done = state.rendered;
    const sameStart = done.id === state.openId && done.keys.length <= keys.length && done.keys.every((k, i) => k === keys[i]);
    if (!sameStart) {
      // A whole transcript drawn at once is not news: keep the live region quiet meanwhile.
      ui.transcript.setAttribute("aria-live", "off");
      ui.transcript.replaceChildren();
      setTimeout(() => ui.transcript.setAttribute("aria-live", "polite"), 500);
    }
    const fresh = entries.slice(sameStart ? done.keys.length : 0);
    for (const entry of fresh) {
      try {
        ui.transcript.append(renderEntry(entry));
      } catch (e) {
        console.warn("desk: could not render an entry", e); // one bad entry must not hide the rest
        ui.transcript.append(el("li", { class: "entry entry-system", text: "(this entry could not be shown)" }));
      }
    }
    state.rendered = { id: state.openId, keys };
    if (fresh.length) ui.scroller.scrollTop = ui.scroller.scrollHeight;
  }

  function renderEntry(entry) {
    const kind = Object.prototype.hasOwnProperty.call(KIND_LABEL, entry.kind) ? entry.kind : "system";
    const a = isObject(entry.answer) ? entry.answer : null;
    const li = el("li", { class: `entry entry-${kind}`, "data-kind": kind }, [
      el("div", { class: "entry-head" }, [
        el("span", { class: "who", text: kind === "agent" || kind === "note" ? str(entry.agent) || "Agent" : KIND_LABEL[kind] }),
        kind === "note" && el("span", { class: "tag tag-note", text: "Internal note" }),
        a && a.refused && el("span", { class: "tag tag-refused", text: "Refused" }),
        a && a.failed && el("span", { class: "tag tag-failed", text: "Failed" }),
        clock(entry.at),
      ]),
      str(entry.text) && el("div", { class: "entry-text", text: str(entry.text) }),
      renderSharedPhoto(entry),
      isObject(entry.card) && renderCardSummary(entry.card),
      a && renderAnswerMeta(a),
    ]);
    if (a && a.refused) li.classList.add("refused");
    if (a && a.failed) li.classList.add("failed");
    return li;
  }

  // ---------- photos shoppers shared (issue 14) ----------
  // The photo comes from the desk's own API (signed-in agents only); the id is checked before it goes in a URL.
  // width only (no CSS needed): the browser keeps the aspect ratio; the link opens it full size.
  function renderSharedPhoto(entry) {
    const id = str(entry.attachment_id);
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(id)) return null;
    const src = `api/attachments/${encodeURIComponent(id)}`;
    const img = el("img", { class: "entry-photo", src, alt: "Photo the shopper shared", width: "240", loading: "lazy" });
    img.addEventListener("error", () => img.replaceWith(el("span", { class: "muted", text: "(photo unavailable)" })), { once: true });
    return el("a", { class: "entry-photo-link", href: src, target: "_blank", rel: "noopener" }, img);
  }

  function renderAnswerMeta(a) {
    const sources = asArray(a.sources).filter(isObject);
    return el("div", { class: "answer-meta" }, [
      groundednessBadge(a.groundedness),
      a.route && el("span", { class: "route", title: "Answer route", text: `Route: ${humanize(a.route)}` }),
      a.label && el("span", { class: "answer-label", title: "What the answer rests on", text: humanize(a.label) }),
      sources.length > 0 && el("ul", { class: "sources", "aria-label": "Sources" }, sources.map(renderSource)),
    ]);
  }

  let popoverSeq = 0;
  function renderSource(s, i) {
    const title = str(s.title || s.source) || `Source ${i + 1}`;
    const href = safeUrl(s.url);
    if (href) return el("li", {}, el("a", { class: "source", href, target: "_blank", rel: "noopener noreferrer", title: str(s.source) || null }, title));
    // No URL (an internal document): its title and id in a small popover instead.
    const pop = el("span", { class: "source-popover", id: `source-pop-${++popoverSeq}`, hidden: true }, [el("strong", { text: title }), s.source && el("code", { text: str(s.source) })]);
    const button = el("button", { type: "button", class: "source", "aria-expanded": "false", "aria-controls": pop.id }, title);
    button.addEventListener("click", (event) => {
      event.stopPropagation(); // the document click handler closes popovers
      const open = pop.hidden;
      closePopovers();
      pop.hidden = !open;
      button.setAttribute("aria-expanded", String(open));
    });
    return el("li", { class: "source-item" }, [button, pop]);
  }

  function closePopovers() {
    for (const button of document.querySelectorAll("button.source[aria-expanded='true']")) {
      button.setAttribute("aria-expanded", "false");
      const pop = $(button.getAttribute("aria-controls"));
      if (pop) pop.hidden = true;
    }
  }

  // Cards are for the shopper's screen; agents get the type and the first plain fields, enough to follow along.
  function renderCardSummary(card) {
    const fields = Object.entries(card).filter(([k, v]) => k !== "type" && isScalar(v) && str(v) !== "").slice(0, 4);
    const lists = Object.entries(card).filter(([, v]) => Array.isArray(v) && v.length).slice(0, 2);
    return el("div", { class: "card-summary", "data-card": str(card.type) }, [
      el("span", { class: "card-type", text: `${humanize(card.type || "card")} card` }),
      ...fields.map(([k, v]) => el("span", { class: "card-field" }, [el("span", { class: "k", text: `${humanize(k)}: ` }), truncate(v, 80)])),
      ...lists.map(([k, v]) => el("span", { class: "card-field", text: `${v.length} ${humanize(k).toLowerCase()}` })),
    ]);
  }

  // ---------- shopper panel ----------

  function renderSide(c) {
    const email = str(c.verified_email);
    ui.verifiedEmail.replaceChildren(email ? el("span", {}, ["Verified email: ", el("strong", { text: email })]) : "Email not verified");
    ui.verifiedEmail.dataset.verified = String(!!email);
    const rows = profileRows(isObject(c.profile) ? c.profile : {}, 0);
    ui.profile.replaceChildren(...(rows.length ? rows : [el("dt", { text: "Profile" }), el("dd", { class: "muted", text: "No details" })]));
    const orders = asArray(c.orders).filter(isObject);
    ui.orders.replaceChildren(...(orders.length ? orders.map(renderOrder) : [el("li", { class: "empty", text: "No orders found." })]));
  }

  function profileRows(obj, depth) {
    return Object.entries(obj).flatMap(([key, value]) => [el("dt", { text: humanize(key) }), el("dd", {}, profileValue(value, depth))]);
  }

  // Lists read as "a, b, c"; objects nest one level (an address), deeper ones flatten to their values.
  function profileValue(value, depth) {
    if (Array.isArray(value)) return value.map((v) => (isObject(v) ? Object.values(v).filter(isScalar).join(" ") : str(v))).filter(Boolean).join(", ") || "—";
    if (isObject(value)) return depth < 2 ? el("dl", { class: "nested" }, profileRows(value, depth + 1)) : Object.values(value).filter(isScalar).join(", ") || "—";
    if (typeof value === "boolean") return value ? "Yes" : "No";
    return str(value) || "—";
  }

  function renderOrder(o) {
    const items = asArray(o.items);
    const facts = [o.placed_on && `Placed ${str(o.placed_on)}`, o.total != null && money(o.total, o.currency)].filter(Boolean).join(" · ");
    return el("li", { class: "order", "data-order-id": str(o.order_id) }, [
      el("div", { class: "order-head" }, [
        el("strong", { class: "order-number", text: str(o.order_id) }),
        o.status && el("span", { class: "status-badge", "data-status": str(o.status), text: humanize(o.status) }),
      ]),
      facts && el("div", { class: "order-facts", text: facts }),
      items.length > 0 && el("ul", { class: "order-items" }, items.map((it) => el("li", { text: isObject(it) ? `${str(it.name)} × ${it.quantity == null ? 1 : it.quantity}` : str(it) }))),
      o.tracking && el("div", { class: "order-tracking" }, ["Tracking ", el("code", { text: str(o.tracking) })]),
    ]);
  }

  // ---------- reply box ----------

  function updateReplyBox(h) {
    const show = !!h && h.status === "active" && isMine(h);
    if (state.replyShown && !show) resetReply(); // transferred or closed: the draft and product no longer apply
    state.replyShown = show;
    ui.replyForm.hidden = !show;
    if (show) loadCanned(h.language);
  }

  function resetReply() {
    Object.assign(state, { draft: null, draftId: null, product: null });
    renderDraft();
    renderAttached();
    searchSeq++;
    ui.productSearch.value = "";
    ui.productResults.replaceChildren();
  }

  function setNoteMode() {
    const note = ui.noteToggle.checked;
    ui.replyForm.classList.toggle("is-note", note);
    ui.replyHint.textContent = note ? "Internal note: only agents see it." : "Sent to the shopper.";
    ui.replyText.placeholder = note ? "Write an internal note… (Ctrl+Enter to save)" : "Write a reply… (Ctrl+Enter to send)";
  }

  async function onSend(event) {
    event.preventDefault();
    const h = currentHandoff();
    if (!h || state.sending) return;
    const text = ui.replyText.value.trim();
    if (!text) {
      toast("Write something first.", "info");
      return ui.replyText.focus();
    }
    // Notes stay internal: the product and the draft wait for the next message to the shopper.
    const note = ui.noteToggle.checked;
    const body = { text };
    if (!note && state.product) body.product_id = state.product.product_id;
    if (!note && state.draftId != null) body.draft_id = state.draftId;
    const id = state.openId;
    state.sending = ui.sendReply.disabled = true;
    const done = await attempt(note ? "Note not saved" : "Message not sent", () => post(handoffPath(h, note ? "notes" : "messages"), body));
    state.sending = ui.sendReply.disabled = false;
    if (!done) return; // the text stays in the box to retry
    replyTexts.delete(id);
    if (state.openId === id) {
      ui.replyText.value = "";
      state.draftId = null;
      if (note) renderDraft();
      else resetReply();
    }
    refreshConversation();
  }

  // Canned replies, cached per language.
  async function loadCanned(language) {
    const lang = str(language).toLowerCase().startsWith("zh") ? "zh" : "en";
    if (state.cannedLang === lang) return;
    state.cannedLang = lang;
    const list = cannedCache[lang] || (await attempt("Couldn't load canned replies", () => api(`/api/canned?language=${lang}`)));
    if (!list) state.cannedLang = null; // try again next time
    if (!list || state.cannedLang !== lang) return;
    state.canned = cannedCache[lang] = asArray(list).filter(isObject);
    const options = state.canned.map((c, i) => el("option", { value: str(c.id != null ? c.id : i), title: str(c.text) }, str(c.title || c.id)));
    ui.canned.replaceChildren(el("option", { value: "" }, "Canned replies…"), ...options);
  }

  function onCanned() {
    const item = state.canned.find((c, i) => str(c.id != null ? c.id : i) === ui.canned.value);
    ui.canned.value = "";
    if (!item) return;
    const t = ui.replyText;
    t.focus();
    t.setRangeText(str(item.text), t.selectionStart, t.selectionEnd, "end"); // at the cursor, replacing any selection
  }

  // Product picker: debounced search; one product rides along with the next message.
  let searchTimer = null;
  let searchSeq = 0;
  function onProductInput() {
    clearTimeout(searchTimer);
    const q = ui.productSearch.value.trim();
    searchSeq++;
    if (!q) return ui.productResults.replaceChildren();
    searchTimer = setTimeout(() => searchProducts(q), 250);
  }

  async function searchProducts(q) {
    const seq = ++searchSeq;
    const found = await attempt("Product search failed", () => api(`/api/products?q=${encodeURIComponent(q)}`));
    if (!found || seq !== searchSeq) return; // failed, or a newer search or an attach happened meanwhile
    const list = asArray(found).filter(isObject);
    ui.productResults.replaceChildren(...(list.length ? list.map(renderProductResult) : [el("li", { class: "empty", text: "No products found." })]));
  }

  function renderProductResult(p) {
    return el("li", { class: "product-result", "data-product-id": str(p.product_id) }, [
      el("span", { class: "product-name", text: str(p.name) }),
      el("code", { class: "product-id", text: str(p.product_id) }),
      p.price != null && el("span", { class: "product-price", text: money(p.price, p.currency) }),
      el("span", { class: `stock ${p.in_stock === false ? "out" : "in"}`, text: p.in_stock === false ? "Out of stock" : "In stock" }),
      el("button", { type: "button", class: "attach", onclick: () => attachProduct(p) }, "Attach"),
    ]);
  }

  function attachProduct(p) {
    state.product = { product_id: str(p.product_id), name: str(p.name) };
    searchSeq++;
    ui.productSearch.value = "";
    ui.productResults.replaceChildren();
    renderAttached();
    ui.replyText.focus();
  }

  function removeProduct() {
    state.product = null;
    renderAttached();
    ui.productSearch.focus();
  }

  function renderAttached() {
    const p = state.product;
    ui.attached.hidden = !p;
    ui.attached.replaceChildren(...(p ? [el("span", { class: "chip", "data-product-id": p.product_id }, [
      el("span", { class: "chip-label", text: `Attached: ${p.name} (${p.product_id})` }),
      el("button", { type: "button", id: "remove-product", class: "chip-remove", "aria-label": `Remove ${p.name}`, onclick: removeProduct }, "×"),
    ])] : []));
  }

  // ---------- reply assistant ----------

  async function requestDraft() {
    const h = currentHandoff();
    if (!h) return;
    const id = state.openId;
    ui.draftButton.disabled = true;
    ui.draftButton.textContent = "Drafting…";
    const draft = await attempt("Couldn't draft a reply", () => post(handoffPath(h, "draft")));
    ui.draftButton.disabled = false;
    ui.draftButton.textContent = "Draft a reply";
    if (state.openId !== id || !isObject(draft)) return; // failed, or the agent moved to another conversation
    state.draft = draft;
    renderDraft();
    $("use-draft").focus();
  }

  // A draft is only ever copied into the textarea: what reaches the shopper stays the agent's decision.
  function renderDraft() {
    const d = state.draft;
    ui.draft.hidden = !d;
    if (!d) return ui.draft.replaceChildren();
    const inUse = state.draftId != null && String(state.draftId) === String(d.id);
    const citations = asArray(d.citations).filter(isObject);
    ui.draft.dataset.refused = String(!!d.refused);
    const parts = [
      el("div", { class: "draft-head" }, [
        el("h3", { text: "Suggested reply" }),
        groundednessBadge(d.groundedness),
        inUse && el("span", { class: "tag tag-used", text: "In the reply box" }),
      ]),
      d.question && el("p", { class: "draft-question" }, [el("span", { class: "k", text: "Question: " }), str(d.question)]),
      d.refused && el("p", { class: "draft-refused", text: "The documents don't answer this." }),
      str(d.text) && el("div", { class: "draft-text", text: str(d.text) }),
      citations.length > 0 && el("ul", { class: "citations", "aria-label": "Citations" }, citations.map((c, i) =>
        el("li", { title: str(c.source) || null }, [el("span", { class: "n", text: `[${c.n != null ? c.n : i + 1}]` }), " ", str(c.title || c.source)]))),
      el("div", { class: "draft-actions" }, [
        el("button", { type: "button", id: "use-draft", class: "primary", disabled: !str(d.text), onclick: useDraft }, "Use draft"),
        el("button", { type: "button", id: "discard-draft", onclick: discardDraft }, "Discard"),
      ]),
    ];
    ui.draft.replaceChildren(...parts.filter(Boolean)); // replaceChildren, unlike el(), would print `false`
  }

  function useDraft() {
    const d = state.draft;
    if (!d) return;
    ui.replyText.value = str(d.text);
    state.draftId = d.id;
    renderDraft();
    ui.replyText.focus();
    ui.replyText.setSelectionRange(ui.replyText.value.length, ui.replyText.value.length);
  }

  async function discardDraft() {
    const d = state.draft;
    if (!d) return;
    const done = await attempt("Couldn't discard the draft", () => post(`/api/drafts/${encodeURIComponent(str(d.id))}/discard`).then(() => true));
    if (!done || state.draft !== d) return;
    // Untouched draft text goes with it; anything the agent edited stays.
    if (state.draftId != null && String(state.draftId) === String(d.id)) {
      if (ui.replyText.value === str(d.text)) ui.replyText.value = "";
      state.draftId = null;
    }
    state.draft = null;
    renderDraft();
    ui.replyText.focus();
  }

  // ---------- admin metrics ----------

  const loadMetrics = coalesce(async () => {
    const m = isAdmin() && (await attempt("Couldn't load metrics", () => api("/api/admin/metrics")));
    if (m !== undefined && m !== false) renderMetrics(isObject(m) ? m : {});
  });

  const TIMING_LABELS = { wait_s: "Wait before pickup", first_response_s: "First response", handle_s: "Handling time" };
  const isTiming = (v) => isObject(v) && ("p50" in v || "p95" in v);

  function metricCard(key, title, body) {
    return el("section", { class: "metric-card", "data-metric": key }, [el("h3", { text: title }), body]);
  }

  function stat(label, value, extra) {
    return el("div", { class: "stat" }, [el("span", { class: "value", text: value }), el("span", { class: "label", text: label }), extra && el("span", { class: "extra", text: extra })]);
  }

  function table(caption, headers, rows) {
    const empty = el("tr", {}, el("td", { colspan: headers.length, class: "muted", text: "No data yet." }));
    return el("table", { class: "metric-table" }, [
      el("caption", { class: "visually-hidden", text: caption }),
      el("thead", {}, el("tr", {}, headers.map((h, i) => el("th", { scope: "col", class: i ? "num" : null, text: h })))),
      el("tbody", {}, rows.length ? rows.map((r) => el("tr", {}, r.map((cell, i) => el("td", { class: i ? "num" : null }, cell)))) : empty),
    ]);
  }

  // Every part tolerates a missing key: the metrics are still being built on the server side.
  function renderMetrics(m) {
    const cards = [];
    const agents = asArray(m.agents).filter(isObject);
    cards.push(metricCard("now", "Right now", el("div", { class: "stats" }, [
      stat("waiting", count(m.waiting_now)),
      stat("agents online", agents.length ? String(agents.filter((a) => a.online).length) : "—"),
      stat("active conversations", agents.length ? String(agents.reduce((n, a) => n + (Number(a.active) || 0), 0)) : "—"),
    ])));
    cards.push(metricCard("volume", "Handoffs", el("div", { class: "stats" }, [
      stat("handoffs", count(m.handoffs)),
      stat("conversations", count(m.conversations)),
      stat("of conversations handed off", percent(m.handoff_rate, 1)),
    ])));
    const statuses = isObject(m.by_status) ? Object.entries(m.by_status) : [];
    if (statuses.length) cards.push(metricCard("by_status", "Handoffs by status", table("Handoffs by status", ["Status", "Count"], statuses.map(([k, v]) => [humanize(k), count(v)]))));

    const timingKeys = Object.keys(TIMING_LABELS).concat(Object.keys(m).filter((k) => !(k in TIMING_LABELS) && isTiming(m[k])));
    cards.push(metricCard("timings", "Timings", el("div", { class: "stats" }, timingKeys.map((k) => {
      const t = isTiming(m[k]) ? m[k] : {};
      return el("div", { class: "stat timing", "data-metric": k }, [
        el("span", { class: "value", text: formatDuration(t.p50) }),
        el("span", { class: "label", text: `${TIMING_LABELS[k] || humanize(k.replace(/_s$/, ""))} (median)` }),
        el("span", { class: "extra", text: `p95 ${formatDuration(t.p95)}${t.mean != null ? ` · mean ${formatDuration(t.mean)}` : ""} · n ${count(t.n)}` }),
      ]);
    }))));

    const agentRows = agents.map((a) => [str(a.name), el("span", { class: `online-flag ${a.online ? "on" : "off"}`, text: a.online ? "Online" : "Offline" }), count(a.active)]);
    cards.push(metricCard("agents", "Agents", table("Agents", ["Agent", "Status", "Active"], agentRows)));

    const reasons = isObject(m.handoffs_by_reason) ? Object.entries(m.handoffs_by_reason) : [];
    reasons.sort((a, b) => (Number(isObject(b[1]) && b[1].count) || 0) - (Number(isObject(a[1]) && a[1].count) || 0));
    const reasonRows = reasons.map(([reason, v]) => [humanize(reason), count(isObject(v) ? v.count : v), isObject(v) ? percent(v.rate, 1) : "—"]);
    cards.push(metricCard("handoffs_by_reason", "Handoffs by reason", table("Handoffs by reason", ["Reason", "Count", "Rate"], reasonRows)));

    const csat = isObject(m.csat) ? m.csat : {};
    const dist = isObject(csat.distribution) ? csat.distribution : {};
    const total = ["1", "2", "3", "4", "5"].reduce((n, k) => n + (Number(dist[k]) || 0), 0);
    cards.push(metricCard("csat", "Shopper ratings", el("div", {}, [
      stat("average of 5", Number.isFinite(num(csat.mean)) ? num(csat.mean).toFixed(1) : "—", `${count(csat.n)} ratings`),
      el("ul", { class: "distribution", "aria-label": "Ratings by score" }, ["5", "4", "3", "2", "1"].map((k) => el("li", {}, [
        el("span", { class: "score", text: `${k}★` }),
        el("meter", { min: "0", max: String(Math.max(total, 1)), value: String(Number(dist[k]) || 0), "aria-label": `${k} stars` }),
        el("span", { class: "num", text: count(dist[k] == null ? 0 : dist[k]) }),
      ]))),
    ])));

    const drafts = isObject(m.drafts) ? m.drafts : {};
    const used = ["as_is", "edited", "discarded"].reduce((n, k) => n + (Number(drafts[k]) || 0), 0);
    const draftStats = [["as_is", "sent as is"], ["edited", "edited, then sent"], ["discarded", "discarded"]].map(([k, label]) =>
      stat(label, count(drafts[k]), used ? percent((Number(drafts[k]) || 0) / used) : null));
    cards.push(metricCard("drafts", "Reply assistant drafts", el("div", { class: "stats" }, draftStats)));

    // Anything else the backend adds is still shown, plainly.
    const known = new Set(["agents", "waiting_now", "handoffs", "conversations", "handoff_rate", "by_status", "handoffs_by_reason", "csat", "drafts"].concat(timingKeys));
    const extra = Object.entries(m).filter(([k]) => !known.has(k));
    if (extra.length) cards.push(metricCard("other", "Other", el("dl", { class: "profile" }, profileRows(Object.fromEntries(extra), 0))));
    ui.metrics.replaceChildren(...cards);
  }

  // ---------- wiring ----------

  function wire() {
    ui.loginForm.addEventListener("submit", onLogin);
    ui.logout.addEventListener("click", onLogout);
    ui.deskTab.addEventListener("click", () => showView("desk"));
    ui.adminTab.addEventListener("click", () => showView("admin"));
    ui.refreshMetrics.addEventListener("click", () => loadMetrics());
    for (const name of TABS) $(`tab-${name}`).addEventListener("click", () => setTab(name));
    // Arrow keys move between the inbox tabs (the ARIA tabs pattern).
    ui.inboxTabs.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      setTab(TABS[(TABS.indexOf(state.tab) + step + TABS.length) % TABS.length], true);
    });
    ui.convClaim.addEventListener("click", () => currentHandoff() && claimHandoff(currentHandoff(), ui.convClaim));
    ui.transferForm.addEventListener("submit", onTransfer);
    ui.closeForm.addEventListener("submit", onClose);
    ui.replyForm.addEventListener("submit", onSend);
    ui.replyText.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.isComposing) return;
      event.preventDefault();
      ui.replyForm.requestSubmit();
    });
    ui.noteToggle.addEventListener("change", setNoteMode);
    ui.canned.addEventListener("change", onCanned);
    ui.draftButton.addEventListener("click", requestDraft);
    ui.productSearch.addEventListener("input", onProductInput);
    ui.productSearch.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      ui.productSearch.value = "";
      onProductInput();
    });
    document.addEventListener("click", (event) => {
      if (!event.target.closest(".source-popover")) closePopovers();
    });
    document.addEventListener("keydown", (event) => {
      const open = event.key === "Escape" && document.querySelector("button.source[aria-expanded='true']");
      if (!open) return;
      closePopovers();
      open.focus();
    });
    setNoteMode();
  }

  async function boot() {
    wire();
    try {
      const agent = await loadSession();
      if (agent) signedIn(agent);
      else showScreen("login");
    } catch (e) {
      showScreen("login");
      report(e, "Couldn't reach the desk");
    }
  }

  boot();
})();
