/* Tidepool chat widget: one <script> tag on a store's own pages adds a chat bubble and a panel that hosts the
   chat page (/?embed=1) in an iframe.

   <script src="https://chat.example/widget.js" defer
           data-position="right"      "right" (default) or "left": the corner the bubble sits in
           data-color="#0b5d7a"       the bubble's colour, #rgb or #rrggbb (default #0f5c6e); its icon is drawn
                                      black or white, whichever reads better on it
           data-language="zh"         "en" or "zh": the chat's language until the shopper picks one
           data-greeting="Hi! …"      the chat's first line instead of the standard welcome (at most 200 characters)
           data-product="TP-KIT-013"  this page's product; else <meta name="tidepool:product" content="…">
                                      (and optionally <meta name="tidepool:product-name" content="…">)
           data-open="true"           open the panel on the shopper's first page view
           data-shadow="open"         an open shadow root, for automated accessibility checkers (default closed)
   ></script>

   Store pages may call window.Tidepool.open(), .close() and .toggle(). The bubble and the panel live in a shadow
   root, so the store's CSS cannot reach them and the widget's CSS cannot reach the store. The conversation is kept
   by the chat page itself (its own localStorage, and the cookie on the chat's origin that binds the conversation to
   this browser: see connectors/webchat/sessions.py for when a store on another site needs WEBCHAT_FRAME_ANCESTORS);
   the panel's open state is kept in this tab's sessionStorage.
   The page's product id and URL go to the chat with postMessage, to the chat's origin only, and messages are
   accepted only from the chat frame, from the chat's origin. */
(function () {
  "use strict";

  if (window.Tidepool && window.Tidepool.version) return; // the snippet was pasted twice
  const MARK_START = "tidepool-widget-start";
  const MARK_VISIBLE = "tidepool-bubble-visible";
  try {
    performance.mark(MARK_START);
  } catch (e) {
    /* no User Timing: nothing to measure */
  }

  const script = document.currentScript;
  if (!script || !script.src) return;
  const chatOrigin = new URL(script.src, location.href).origin;
  const setting = (name) => (script.getAttribute(`data-${name}`) || "").trim();

  const OPEN_KEY = "tidepool.widget.open";
  const PRODUCT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
  const COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
  const color = COLOR.test(setting("color")) ? setting("color") : "#0f5c6e";
  const side = setting("position") === "left" ? "left" : "right";
  const language = ["en", "zh"].includes(setting("language")) ? setting("language") : "";
  const LABELS = {
    en: { open: "Open chat with us", close: "Close chat", panel: "Chat with us", frame: "Chat" },
    zh: { open: "打开在线客服", close: "关闭在线客服", panel: "在线客服", frame: "聊天" },
  };
  const pageLang = (language || document.documentElement.lang || navigator.language || "en").toLowerCase();
  const labels = LABELS[pageLang.startsWith("zh") ? "zh" : "en"];

  // Black or white, whichever contrasts more with the bubble's colour (WCAG relative luminance).
  function iconColor(hex) {
    const full = hex.length === 4 ? hex.replace(/[0-9a-f]/gi, (c) => c + c) : hex;
    const channel = (i) => {
      const c = parseInt(full.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    const lum = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    return (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) ? "#000" : "#fff";
  }

  function pageContext() {
    const meta = (name) => {
      const node = document.querySelector(`meta[name="${name}"]`);
      return node ? (node.getAttribute("content") || "").trim() : "";
    };
    const id = setting("product") || meta("tidepool:product");
    return {
      product_id: PRODUCT_ID.test(id) ? id : null,
      product_name: meta("tidepool:product-name").slice(0, 120) || null,
      url: location.href.slice(0, 500),
    };
  }

  const CSS = `
    :host { all: initial; }
    * { box-sizing: border-box; margin: 0; font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto,
        "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
    .bubble { position: fixed; bottom: 20px; ${side}: 20px; z-index: 2147483000; display: grid; place-items: center;
      width: 60px; height: 60px; min-width: 44px; min-height: 44px; padding: 0; border: 0; border-radius: 50%;
      background: ${color}; color: ${iconColor(color)}; cursor: pointer; visibility: visible; opacity: 1;
      box-shadow: 0 4px 14px rgba(0, 0, 0, .28); transition: transform .15s ease; }
    .bubble:hover { transform: scale(1.06); }
    .bubble:focus-visible { outline: 3px solid ${color}; outline-offset: 3px; box-shadow: 0 0 0 6px #fff; }
    .bubble svg { width: 28px; height: 28px; fill: currentColor; pointer-events: none; }
    .bubble .close-icon, :host([data-open]) .bubble .chat-icon { display: none; }
    :host([data-open]) .bubble .close-icon { display: block; }
    .panel { position: fixed; bottom: 92px; ${side}: 20px; z-index: 2147483001; display: block;
      width: 380px; max-width: calc(100vw - 40px); height: 640px; max-height: calc(100vh - 112px);
      border-radius: 14px; overflow: hidden; background: #fff; box-shadow: 0 10px 36px rgba(0, 0, 0, .3); }
    .panel[hidden] { display: none; }
    iframe { display: block; width: 100%; height: 100%; border: 0; visibility: visible; opacity: 1; }
    @media (max-width: 480px), (max-height: 520px) {
      .panel { inset: 0; width: 100vw; max-width: none; height: 100vh; height: 100dvh; max-height: none;
        border-radius: 0; }
      :host([data-open]) .bubble { display: none; }
    }
    @media (prefers-reduced-motion: reduce) { .bubble { transition: none; } }
  `;
  const ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z",
    close: "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z",
  };

  function svg(path, cls) {
    const ns = "http://www.w3.org/2000/svg";
    const node = document.createElementNS(ns, "svg");
    node.setAttribute("viewBox", "0 0 24 24");
    node.setAttribute("aria-hidden", "true");
    node.setAttribute("focusable", "false");
    node.setAttribute("class", cls);
    const p = document.createElementNS(ns, "path");
    p.setAttribute("d", path);
    node.append(p);
    return node;
  }

  // The host element: inline !important declarations outrank any store rule, even `* { … !important }`.
  const host = document.createElement("tidepool-chat-widget");
  for (const [prop, value] of [["all", "initial"], ["display", "block"], ["position", "static"],
    ["visibility", "visible"], ["opacity", "1"], ["transform", "none"], ["filter", "none"], ["contain", "none"]]) {
    host.style.setProperty(prop, value, "important");
  }
  const root = host.attachShadow({ mode: setting("shadow") === "open" ? "open" : "closed" });
  try {
    // A constructed sheet is not an inline <style>, so a strict store CSP (style-src 'self') lets it apply.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    const style = document.createElement("style");
    style.textContent = CSS;
    root.append(style);
  }

  const bubble = document.createElement("button");
  bubble.type = "button";
  bubble.className = "bubble";
  bubble.setAttribute("aria-label", labels.open);
  bubble.setAttribute("aria-expanded", "false");
  bubble.setAttribute("aria-controls", "tidepool-panel");
  bubble.append(svg(ICONS.chat, "chat-icon"), svg(ICONS.close, "close-icon"));

  const panel = document.createElement("div");
  panel.className = "panel";
  panel.id = "tidepool-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", labels.panel);
  panel.hidden = true;
  root.append(bubble, panel);

  let frame = null;
  let frameReady = false;

  function frameUrl() {
    const params = new URLSearchParams({ embed: "1", host: location.origin });
    if (language) params.set("lang", language);
    if (setting("greeting")) params.set("greeting", setting("greeting").slice(0, 200));
    return `${chatOrigin}/?${params}`;
  }

  function post(message) {
    if (frame && frame.contentWindow) frame.contentWindow.postMessage(message, chatOrigin);
  }

  // Made on first open, so a shopper who never opens the chat never loads it.
  function ensureFrame() {
    if (frame) return;
    frame = document.createElement("iframe");
    frame.title = labels.frame;
    frame.src = frameUrl();
    frame.setAttribute("allow", "clipboard-write");
    frame.addEventListener("load", () => post({ type: "tidepool:page", page: pageContext() }));
    panel.append(frame);
  }

  function remember(open) {
    try {
      sessionStorage.setItem(OPEN_KEY, open ? "1" : "0");
    } catch (e) {
      /* storage blocked: the panel just won't reopen by itself on the next page */
    }
  }

  function isOpen() {
    return !panel.hidden;
  }

  function open(options) {
    ensureFrame();
    panel.hidden = false;
    host.setAttribute("data-open", "");
    bubble.setAttribute("aria-expanded", "true");
    bubble.setAttribute("aria-label", labels.close);
    remember(true);
    if (!(options && options.restore)) {
      // Focus goes into the chat: the frame, then (once it can hear us) its message box.
      frame.focus();
      if (frameReady) post({ type: "tidepool:focus" });
    }
  }

  function close() {
    if (!isOpen()) return;
    panel.hidden = true;
    host.removeAttribute("data-open");
    bubble.setAttribute("aria-expanded", "false");
    bubble.setAttribute("aria-label", labels.open);
    remember(false);
    bubble.focus();
  }

  function toggle() {
    if (isOpen()) close();
    else open();
  }

  bubble.addEventListener("click", toggle);
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) {
      event.stopPropagation();
      close();
    }
  });

  // Only the chat frame, from the chat's origin, is listened to.
  window.addEventListener("message", (event) => {
    if (!frame || event.source !== frame.contentWindow || event.origin !== chatOrigin) return;
    const data = event.data;
    if (!data || typeof data !== "object") return;
    if (data.type === "tidepool:ready") {
      frameReady = true;
      post({ type: "tidepool:page", page: pageContext() });
      if (isOpen() && document.activeElement === host) post({ type: "tidepool:focus" });
    } else if (data.type === "tidepool:close") {
      close();
    }
  });

  window.Tidepool = Object.freeze({ version: "1", open: () => open(), close, toggle, isOpen });

  function mount() {
    document.body.append(host);
    let restore = false;
    try {
      restore = sessionStorage.getItem(OPEN_KEY) === "1";
      if (sessionStorage.getItem(OPEN_KEY) === null && setting("open") === "true") restore = true;
    } catch (e) {
      restore = false;
    }
    if (restore) open({ restore: true });
    requestAnimationFrame(() => {
      try {
        performance.mark(MARK_VISIBLE);
        performance.measure("tidepool-widget-load", MARK_START, MARK_VISIBLE);
      } catch (e) {
        /* no User Timing */
      }
    });
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
})();
