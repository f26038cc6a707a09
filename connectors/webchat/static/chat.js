/* Tidepool web chat: talks to Rasa's socket.io channel and renders replies.
   Untrusted text (bot and user) only ever reaches the DOM as text nodes; never innerHTML. */
(function () {
  "use strict";

  const STRINGS = {
    en: {
      help: "Help",
      connecting: "Connecting…",
      online: "Online",
      reconnecting: "Reconnecting…",
      connectionLost: "Connection lost. Reconnecting…",
      cantConnect: "Can't reach the assistant right now. Retrying…",
      notConnected: "Not connected, so your message wasn't sent. Please try again in a moment.",
      loadFailed: "The chat couldn't load. Please refresh the page.",
      placeholder: "Type your message…",
      inputLabel: "Your message",
      send: "Send",
      typing: "Typing…",
      lookingUp: "Looking this up in our store info…",
      talkToPerson: "Talk to a person",
      language: "Language",
      newChat: "New conversation",
      confirmNewChat: "Start a new conversation? This one will be cleared from this device.",
      conversation: "Conversation",
      you: "You:",
      assistant: "Assistant:",
      counter: "{n}/{max}",
      tooLong: "{max} characters maximum",
      welcome: "Hi! I'm the {store} assistant. I can help with orders, returns, shipping and products.",
      suggestTrack: "Where is my order?",
      suggestReturn: "I want to return an item",
      suggestShipping: "How long does shipping take?",
      quickReplies: "Suggested replies",
      order: "Order",
      placed: "Placed",
      items: "Items",
      item: "Item",
      qty: "Qty",
      price: "Price",
      total: "Total",
      carrier: "Carrier",
      tracking: "Tracking",
      trackPackage: "Track package",
      eta: "Estimated delivery",
      delivered: "Delivered",
      products: "Products",
      view: "View",
      ask: "Ask about this",
      askAbout: "Tell me more about {name} ({id})",
      // What the shopper's bubble shows: their words, not our SKU (the message sent still names the id).
      askAboutShown: "Tell me more about {name}",
      similar: "Similar",
      similarTo: "Show me products similar to {id}",
      goesWith: "Goes with it",
      goesWithAsk: "What goes well with {id}?",
      returnTitle: "Return",
      ticketComplaint: "Complaint ticket",
      ticketHandoff: "Request for a person",
      ticketNote: "Keep this number for reference. Our team will follow up by email.",
      sources: "Sources",
      groundedHigh: "Based on our store policies",
      groundedLow: "Low confidence: please check the sources or ask for a person",
      labelStorePolicy: "Based on our store policies",
      labelCatalogue: "From our catalogue",
      image: "Image",
      imageMissing: "(image unavailable)",
      queuePosition: "You're number {n} in the queue",
      queueNext: "You're next",
      queueWaiting: "Waiting for a person…",
      backToAssistant: "Back to the assistant",
      placeholderWaiting: "A person will join soon…",
      agentJoined: "{agent} joined the conversation",
      agentJoinedAnon: "A person joined the conversation",
      chattingWith: "Chatting with {agent}",
      chattingWithPerson: "Chatting with a person",
      agentFallback: "Customer service",
      backWithAssistant: "You're back with the assistant",
      rateConversation: "Rate this conversation",
      rateN: "Rate {n} out of 5",
      ratingThanks: "Thanks for your rating",
      ticketCreated: "Ticket {id} created",
      // -- conversation polish (issue 14): long waits, long messages, rating the chat --
      stillWorking: "Still working on it…",
      tooLongBlocked: "{n}/{max}: too long to send. Please shorten it by {over} characters.",
      rateChat: "Rate this chat",
      rateChatTitle: "How was this chat?",
      ratingComment: "Comment (optional)",
      ratingCommentCounter: "{n}/{max}",
      ratingSend: "Send rating",
      ratingSaved: "Thanks! Your rating was saved.",
      ratingFailed: "Your rating couldn't be saved. Please try again.",
      ratingPickFirst: "Choose 1 to 5 stars first.",
      ratingNoChat: "Start chatting first, then rate the chat.",
      close: "Close",
      // -- end conversation polish --
    },
    zh: {
      help: "在线客服",
      connecting: "正在连接…",
      online: "在线",
      reconnecting: "正在重新连接…",
      connectionLost: "连接已断开，正在重新连接…",
      cantConnect: "暂时无法连接客服助手，正在重试…",
      notConnected: "尚未连接，消息没有发出，请稍后再试。",
      loadFailed: "聊天加载失败，请刷新页面。",
      placeholder: "请输入消息…",
      inputLabel: "你的消息",
      send: "发送",
      typing: "正在输入…",
      lookingUp: "正在为您查询…",
      talkToPerson: "转人工客服",
      language: "语言",
      newChat: "新对话",
      confirmNewChat: "开始新对话？当前对话将从此设备清除。",
      conversation: "对话记录",
      you: "你：",
      assistant: "客服助手：",
      counter: "{n}/{max}",
      tooLong: "最多 {max} 个字符",
      welcome: "你好！我是{store}的客服助手，可以帮你查询订单、退换货、配送和商品信息。",
      suggestTrack: "我的订单到哪了？",
      suggestReturn: "我想退货",
      suggestShipping: "配送需要多久？",
      quickReplies: "快捷回复",
      order: "订单",
      placed: "下单日期",
      items: "商品明细",
      item: "商品",
      qty: "数量",
      price: "单价",
      total: "合计",
      carrier: "承运商",
      tracking: "运单号",
      trackPackage: "查看物流",
      eta: "预计送达",
      delivered: "签收日期",
      products: "推荐商品",
      view: "查看",
      ask: "咨询此商品",
      askAbout: "我想了解一下 {name}（{id}）",
      askAboutShown: "我想了解一下 {name}",
      similar: "类似款",
      similarTo: "有和 {id} 类似的商品吗",
      goesWith: "搭配推荐",
      goesWithAsk: "和 {id} 搭配什么好？",
      returnTitle: "退货",
      ticketComplaint: "投诉工单",
      ticketHandoff: "人工客服请求",
      ticketNote: "请保留此编号，我们的团队会通过邮件跟进。",
      sources: "参考来源",
      groundedHigh: "依据本店政策作答",
      groundedLow: "把握不高，请查看来源或转人工客服",
      labelStorePolicy: "依据本店政策作答",
      labelCatalogue: "来自商品目录",
      image: "图片",
      imageMissing: "（图片无法显示）",
      queuePosition: "您排在第 {n} 位",
      queueNext: "下一位就是您",
      queueWaiting: "正在等待人工客服…",
      backToAssistant: "返回智能助手",
      placeholderWaiting: "客服即将接入…",
      agentJoined: "客服 {agent} 已接入",
      agentJoinedAnon: "人工客服已接入",
      chattingWith: "正在与 {agent} 对话",
      chattingWithPerson: "正在与人工客服对话",
      agentFallback: "人工客服",
      backWithAssistant: "您已回到智能助手",
      rateConversation: "为本次对话评分",
      rateN: "评分 {n} 分（满分 5 分）",
      ratingThanks: "感谢您的评价",
      ticketCreated: "已创建工单 {id}",
      // -- conversation polish (issue 14) --
      stillWorking: "仍在处理中…",
      tooLongBlocked: "{n}/{max}：消息过长，无法发送。请删减 {over} 个字符。",
      rateChat: "评价本次对话",
      rateChatTitle: "本次对话体验如何？",
      ratingComment: "评价内容（选填）",
      ratingCommentCounter: "{n}/{max}",
      ratingSend: "提交评价",
      ratingSaved: "谢谢！您的评价已保存。",
      ratingFailed: "评价未能保存，请重试。",
      ratingPickFirst: "请先选择 1 到 5 颗星。",
      ratingNoChat: "请先开始对话，再进行评价。",
      close: "关闭",
      // -- end conversation polish --
    },
  };

  const STORE_KEY = "tidepool.webchat.v1";
  const HISTORY_LIMIT = 200;
  // The typing indicator stays until a reply (or the first token of a draft) arrives or the connection drops.
  // After `lookingUpMs` without one it says the assistant is looking the answer up; after `offerHumanMs` it also
  // offers a person. Both count from the moment the message was sent. Tests shorten them by setting
  // window.TIDEPOOL_CHAT_TIMINGS = { lookingUpMs, offerHumanMs } (read each time a message is sent).
  // Conversation polish (issue 14): after `stillWorkingMs` it says so plainly ("Still working on it…"), so a long
  // wait is never silent; it still stays until a reply arrives.
  const TIMINGS = Object.freeze({ lookingUpMs: 3000, offerHumanMs: 15000, stillWorkingMs: 45000 });
  const HUMAN_PAYLOAD = "/human_agent"; // the human_agent intent, as the domain's "Talk to a person" buttons send it
  const CANCEL_PAYLOAD = "/handoff_cancel"; // leaves the queue for a person (docs/desk-api.md, "Handoff payloads")
  const ratePayload = (n) => `/rate_conversation{"rating": ${n}}`;
  // Handoff cards that change who answers the shopper; the conversation's handoff state is derived from them.
  const HANDOFF_CARDS = new Set(["handoff_waiting", "agent_joined", "agent_message", "handoff_ended", "handoff_unavailable"]);
  // Cards drawn as a centred system line rather than as something the assistant says.
  const SYSTEM_CARDS = new Set(["agent_joined", "handoff_ended", "handoff_unavailable"]);
  const URL_RE = /https?:\/\/[^\s<>"'，。！？、；：（）【】《》]+/g;

  const $ = (id) => document.getElementById(id);
  const ui = {
    log: $("log"),
    scroller: $("scroller"),
    typing: $("typing"),
    typingText: $("typing-text"),
    typingHuman: $("typing-human"),
    banner: $("banner"),
    form: $("composer"),
    input: $("input"),
    send: $("send"),
    counter: $("counter"),
    statusText: $("status-text"),
    storeName: $("store-name"),
    newChat: $("new-chat"),
  };

  let config = { storeName: {}, maxLength: 1000 };
  let lang = "en";
  let socket = null;
  let ready = false; // true once Rasa confirmed our session on the current connection
  let freshSession = false; // the next connection asks the server for a new conversation ("New conversation")
  let sessionAttempt = 0; // the latest connection's request for a ticket; older answers are dropped
  let requestedSession = null; // the conversation the latest ticket was for
  let everOnline = false;
  let typingTimers = [];
  let liveSource = null; // EventSource of answers being written for this conversation
  let liveDraft = null; // the message node showing one of them
  // Who answers the shopper: "idle" (the assistant), "waiting" (for a person) or "agent" (a person is chatting).
  // Always derived from the history (see handoffStatus), so a reload or a redraw gets it back.
  let handoff = { mode: "idle", agent: "", waitingCard: null };
  const entryNodes = new WeakMap(); // history entry -> its message node, for redrawing one message in place
  const waitingNodes = new WeakMap(); // handoff_waiting status node -> its card
  let state = loadState();

  // ---------- storage: session id + rendered history survive a reload ----------

  function loadState() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORE_KEY));
      if (saved && Array.isArray(saved.history)) {
        saved.history = saved.history.filter((entry) => entry && typeof entry === "object");
        return saved;
      }
    } catch (e) {
      /* unreadable: start fresh */
    }
    return { sessionId: null, lang: null, history: [] };
  }

  function saveState() {
    state.history = state.history.slice(-HISTORY_LIMIT);
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (e) {
      /* private mode or full: the chat still works, it just won't survive a reload */
    }
  }

  // ---------- small helpers ----------

  function t(key, vars) {
    const text = (STRINGS[lang] && STRINGS[lang][key]) || STRINGS.en[key] || key;
    return vars ? text.replace(/\{(\w+)\}/g, (m, k) => (vars[k] == null ? "" : String(vars[k]))) : text;
  }

  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const asArray = (v) => (Array.isArray(v) ? v : []);
  const str = (v) => (v == null ? "" : String(v));
  const locale = () => (lang === "zh" ? "zh-CN" : "en-US");

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

  // Only http(s) links: blocks javascript:, data: and friends from bot-supplied URLs.
  function safeUrl(value) {
    if (typeof value !== "string" || !value.trim()) return null;
    try {
      const url = new URL(value.trim(), location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function externalLink(href, label) {
    return el("a", { href, target: "_blank", rel: "noopener noreferrer" }, label);
  }

  // Bot text: line breaks, **bold** and bare URLs, built as nodes.
  function richText(text) {
    const frag = document.createDocumentFragment();
    str(text).split("\n").forEach((line, i) => {
      if (i) frag.append(el("br"));
      line.split(/\*\*(.+?)\*\*/).forEach((part, j) => {
        if (!part) return;
        linkify(j % 2 ? frag.appendChild(el("strong")) : frag, part);
      });
    });
    return frag;
  }

  function linkify(parent, text) {
    let last = 0;
    for (const match of text.matchAll(URL_RE)) {
      const raw = match[0].replace(/[.,;:!?)\]}]+$/, ""); // sentence punctuation is not part of the URL
      const href = safeUrl(raw);
      appendContacts(parent, text.slice(last, match.index)); // conversation polish (issue 14)
      parent.append(href ? externalLink(href, raw) : raw);
      last = match.index + raw.length;
    }
    appendContacts(parent, text.slice(last)); // conversation polish (issue 14)
  }

  // ---------- conversation polish (issue 14): tappable e-mail addresses and phone numbers ----------
  // Only mailto: and tel: links, built as elements from what the patterns matched. A phone number needs its
  // separators (555-0142, (503) 555 0142), so order ids, prices and ISO dates stay plain text.
  const CONTACT_RE = /([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})|((?:\+\d{1,3}[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4})(?!\d)/g;

  function appendContacts(parent, text) {
    let last = 0;
    for (const match of text.matchAll(CONTACT_RE)) {
      const [raw, email, phone] = match;
      if (phone && /\d/.test(text.charAt(match.index - 1))) continue; // the tail of a longer number
      const href = email ? `mailto:${email}` : `tel:${phone.replace(/[^\d+]/g, "")}`;
      parent.append(text.slice(last, match.index), el("a", { href, class: email ? "contact-email" : "contact-phone" }, raw));
      last = match.index + raw.length;
    }
    parent.append(text.slice(last));
  }
  // ---------- end conversation polish ----------

  function money(amount, currency) {
    const n = Number(amount);
    if (amount == null || amount === "" || !Number.isFinite(n)) return str(amount);
    try {
      return new Intl.NumberFormat(locale(), { style: "currency", currency: currency || config.currency || "USD" }).format(n);
    } catch (e) {
      return `${n.toFixed(2)} ${str(currency)}`.trim();
    }
  }

  function formatDate(value) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(str(value));
    if (!m) return str(value);
    // Built from parts so a plain date is not shifted by the time zone.
    const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    return date.toLocaleDateString(locale(), { year: "numeric", month: "short", day: "numeric" });
  }

  function humanize(status) {
    const s = str(status).replace(/_/g, " ");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  // ---------- rendering ----------

  function badge(status, label) {
    if (!status && !label) return null;
    return el("span", { class: "badge", "data-status": str(status).toLowerCase() }, str(label) || humanize(status));
  }

  function facts(pairs) {
    const rows = pairs.filter(([, value]) => value != null && value !== "");
    if (!rows.length) return null;
    return el("dl", { class: "facts" }, rows.flatMap(([term, value]) => [el("dt", { text: term }), el("dd", {}, value)]));
  }

  function itemMeta(item) {
    return [item.size, item.color].filter((v) => v != null && v !== "").join(" · ");
  }

  function itemLabel(item) {
    if (!isObject(item)) return str(item);
    const meta = itemMeta(item);
    const qty = item.quantity != null && Number(item.quantity) !== 1 ? ` ×${item.quantity}` : "";
    return `${str(item.name || item.sku || item.id)}${meta ? ` (${meta})` : ""}${qty}`;
  }

  function cardHead(title, id, status) {
    return el("header", { class: "card-head" }, [
      el("h2", {}, [`${title} `, el("span", { class: "card-id", text: str(id) })]),
      status,
    ]);
  }

  // Renderers for custom payloads, keyed by `type`. A prototype-free object so that
  // types like "constructor" are simply unknown.
  const CARDS = Object.create(null);

  CARDS.order = (c) => {
    const items = asArray(c.items).filter(isObject);
    const trackUrl = safeUrl(c.tracking_url);
    let tracking = str(c.tracking_number) || (trackUrl ? t("trackPackage") : "");
    if (tracking && trackUrl) tracking = externalLink(trackUrl, tracking);
    return el("article", { class: "card order-card", "data-card": "order", "data-order-id": str(c.order_id), "data-status": str(c.status) }, [
      cardHead(t("order"), c.order_id, badge(c.status, c.status_label)),
      facts([
        [t("placed"), formatDate(c.placed_at)],
        [t("carrier"), str(c.carrier)],
        [t("tracking"), tracking],
        [t("eta"), c.delivered_at ? "" : formatDate(c.eta)],
        [t("delivered"), formatDate(c.delivered_at)],
      ]),
      items.length > 0 &&
        el("table", { class: "items" }, [
          el("caption", { class: "visually-hidden", text: t("items") }),
          el("thead", {}, el("tr", {}, [el("th", { scope: "col", text: t("item") }), el("th", { scope: "col", class: "num", text: t("qty") }), el("th", { scope: "col", class: "num", text: t("price") })])),
          el(
            "tbody",
            {},
            items.map((item) =>
              el("tr", {}, [
                el("td", {}, [el("span", { class: "item-name", text: str(item.name) }), itemMeta(item) && el("span", { class: "item-meta", text: itemMeta(item) })]),
                el("td", { class: "num", text: str(item.quantity) }),
                el("td", { class: "num", text: money(item.unit_price, c.currency) }),
              ])
            )
          ),
        ]),
      c.total != null && el("p", { class: "total" }, [el("span", { text: t("total") }), el("strong", { text: money(c.total, c.currency) })]),
    ]);
  };

  function productImage(p) {
    const placeholder = () => el("div", { class: "product-image placeholder", "aria-hidden": "true", text: str(p.name).trim().charAt(0).toUpperCase() || "?" });
    const src = safeUrl(p.image);
    if (!src) return placeholder();
    const img = el("img", { class: "product-image", src, alt: str(p.name), loading: "lazy", referrerpolicy: "no-referrer" });
    img.addEventListener("error", () => img.replaceWith(placeholder()), { once: true });
    return img;
  }

  // Copy experiment (actions/copy.py): a product card counts once when first shown, and again when its link or
  // button is clicked. Beacons survive the page navigating away; failures are ignored (the chat goes on).
  function postCopyEvent(variant, kind, itemId, element) {
    if (!/^[a-z]{1,16}$/.test(str(variant)) || !str(itemId) || !state.sessionId) return;
    const body = JSON.stringify({ conversation_id: state.sessionId, variant, kind, item_id: str(itemId), element });
    try {
      if (typeof navigator.sendBeacon === "function" && navigator.sendBeacon("api/events", body)) return;
    } catch (e) {
      /* fall back to fetch */
    }
    fetch("api/events", { method: "POST", body, keepalive: true, headers: { "Content-Type": "application/json" } }).catch(() => {});
  }

  // One product tile (an `li` for a `ul.product-strip`): the products card's and a person's product share it.
  // `variant` is the copy experiment's arm, if any; without one no copy events are sent.
  function productTile(p, variant) {
    const url = safeUrl(p.url);
    const clicked = (element) => () => postCopyEvent(variant, "click", p.id, element);
    const question = p.id ? t("askAbout", { name: p.name, id: p.id }) : t("askAbout", { name: p.name }).replace(/\s*[(（]\s*[)）]/, "");
    return el("li", { class: "product", "data-product-id": str(p.id) }, [
      productImage(p),
      el("h3", { class: "product-name", text: str(p.name) }),
      // The action formats the price the way its reply text does (store currency, shopper's language).
      p.price != null && el("p", { class: "price", text: typeof p.price_text === "string" && p.price_text ? p.price_text : money(p.price, p.currency) }),
      typeof p.copy === "string" && p.copy.trim() && el("p", { class: "copy", text: p.copy }),
      p.reason && el("p", { class: "reason", text: str(p.reason) }),
      el("div", { class: "product-actions" }, [
        url && el("a", { class: "view", href: url, target: "_blank", rel: "noopener noreferrer", "aria-label": `${t("view")}: ${str(p.name)}`, onclick: clicked("link"), onauxclick: clicked("link") }, t("view")),
        el("button", { type: "button", class: "ask", "aria-label": `${t("ask")}: ${str(p.name)}`, onclick: () => (clicked("button")(), sendMessage(question, t("askAboutShown", { name: p.name }))) }, t("ask")),
        // Both name the product by id, which the recommender anchors on.
        p.id && el("button", { type: "button", class: "more", "data-action": "similar", "aria-label": `${t("similar")}: ${str(p.name)}`, onclick: () => (clicked("button")(), sendMessage(t("similarTo", { id: p.id }))) }, t("similar")),
        p.id && el("button", { type: "button", class: "more", "data-action": "complements", "aria-label": `${t("goesWith")}: ${str(p.name)}`, onclick: () => (clicked("button")(), sendMessage(t("goesWithAsk", { id: p.id }))) }, t("goesWith")),
      ]),
    ]);
  }

  CARDS.products = (c) => {
    const items = asArray(c.items).filter(isObject);
    if (!items.length) return null;
    const variant = typeof c.variant === "string" ? c.variant : "";
    const tiles = items.map((p) => productTile(p, variant));
    // Redraws (reload, language switch) are not new impressions: the flag is saved with the history entry.
    if (variant && !c.impressionsSent) {
      c.impressionsSent = true;
      items.forEach((p) => postCopyEvent(variant, "impression", p.id, "card"));
    }
    return el("div", { class: "card products-card", "data-card": "products", "data-variant": variant || null }, el("ul", { class: "product-strip", "aria-label": t("products") }, tiles));
  };

  CARDS.return = (c) =>
    el("article", { class: "card return-card", "data-card": "return", "data-return-id": str(c.return_id), "data-status": str(c.status) }, [
      cardHead(t("returnTitle"), c.return_id, badge(c.status, c.status_label)), // label: conversation polish (issue 14)
      facts([[t("order"), str(c.order_id)]]),
      asArray(c.items).length > 0 && el("ul", { class: "return-items", "aria-label": t("items") }, asArray(c.items).map((item) => el("li", { text: itemLabel(item) }))),
    ]);

  CARDS.ticket = (c) =>
    el("article", { class: "card ticket-card", "data-card": "ticket", "data-ticket-id": str(c.ticket_id), "data-kind": str(c.kind) }, [
      cardHead(t(c.kind === "handoff" ? "ticketHandoff" : "ticketComplaint"), c.ticket_id, null),
      el("p", { class: "muted", text: t("ticketNote") }),
    ]);

  // What an answer's `label` says it rests on, as string keys.
  const ANSWER_LABELS = Object.freeze({ store_policy: "labelStorePolicy", catalogue: "labelCatalogue" });

  // The answer text arrives as its own message; this adds the citations, its label and a person offer under it.
  CARDS.answer = (c) => {
    // Several chunks of one document are one source; keep a link if any chunk has one.
    const bySource = new Map();
    for (const ci of asArray(c.citations)) {
      const label = isObject(ci) && str(ci.title || ci.source);
      if (!label) continue;
      const known = bySource.get(label);
      if (!known) bySource.set(label, { label, url: safeUrl(ci.url) });
      else if (!known.url) known.url = safeUrl(ci.url);
    }
    const citations = [...bySource.values()];
    // Newer payloads say what the answer rests on (`label`) and whether to offer a person (`offer_human`); for
    // them `groundedness` no longer picks a hint. Older payloads (neither field) keep the groundedness hint.
    const labelled = "label" in c || "offer_human" in c;
    const label = typeof c.label === "string" && Object.prototype.hasOwnProperty.call(ANSWER_LABELS, c.label) ? c.label : null;
    const g = c.groundedness == null || c.groundedness === "" ? NaN : Number(c.groundedness);
    let hint = null;
    if (label) hint = el("p", { class: `grounded label ${label === "store_policy" ? "high" : "catalogue"}`, "data-label": label, text: t(ANSWER_LABELS[label]) });
    else if (!labelled && Number.isFinite(g)) hint = el("p", { class: `grounded ${g >= 0.6 ? "high" : "low"}`, text: t(g >= 0.6 ? "groundedHigh" : "groundedLow") });
    const offer = c.offer_human === true ? renderHumanOffer(c) : null;
    if (!citations.length && !label && !offer) return null; // a refusal with nothing to add: the text already says so
    return el("div", { class: "answer-meta", "data-card": "answer", "data-label": label, "data-groundedness": Number.isFinite(g) ? String(g) : null }, [
      citations.length > 0 &&
        el("aside", { class: "sources", "aria-label": t("sources") }, [
          el("p", { class: "sources-title", text: t("sources") }),
          el("ol", {}, citations.map((ci) => el("li", {}, ci.url ? externalLink(ci.url, ci.label) : ci.label))),
        ]),
      hint,
      offer,
    ]);
  };

  // "Talk to a person" under an answer the assistant could not give confidently. Like quick replies it can be used
  // once, and is retired when the conversation moves on; the flags are saved with the history entry.
  function renderHumanOffer(c) {
    const button = el("button", { type: "button", class: "quick-reply offer-human", "data-payload": HUMAN_PAYLOAD, disabled: !!c.offerUsed }, t("talkToPerson"));
    button.classList.toggle("chosen", !!c.offerChosen);
    button.addEventListener("click", () => {
      if (c.offerUsed) return;
      c.offerChosen = true; // before sending: sending saves the history
      if (!sendMessage(HUMAN_PAYLOAD, t("talkToPerson"))) {
        c.offerChosen = false;
        return;
      }
      button.classList.add("chosen");
      ui.input.focus();
    });
    return el("div", { class: "quick-replies", role: "group", "aria-label": t("quickReplies") }, button);
  }

  // ---------- handing the conversation to a person ----------
  // Each handoff payload follows its own text message (docs/desk-api.md, "Handoff payloads"); the cards add status
  // and actions under that text and never repeat it. Renderers only read the card (plus flags saved on it when
  // the shopper clicks), so redrawing the history gives the same page.

  const agentName = (value) => str(value).trim().slice(0, 80);
  const validRating = (value) => (Number.isInteger(value) && value >= 1 && value <= 5 ? value : 0);
  const stars = (n) => "★".repeat(n) + "☆".repeat(5 - n);

  // Waiting for a person: the place in the queue and a way back. Only the latest status stays usable (syncHandoff).
  CARDS.handoff_waiting = (c) => {
    const n = Number(c.position);
    const known = Number.isInteger(n) && n >= 1;
    const button = el("button", { type: "button", class: "stop-waiting", "data-payload": CANCEL_PAYLOAD, disabled: !!c.cancelled }, t("backToAssistant"));
    button.addEventListener("click", () => {
      if (c.cancelled || button.disabled) return;
      c.cancelled = true; // before sending: sending saves the history, and the queue state follows this flag
      if (!sendMessage(CANCEL_PAYLOAD, t("backToAssistant"), { quiet: true })) {
        c.cancelled = false;
        syncHandoff();
        return;
      }
      button.classList.add("chosen");
      ui.input.focus(); // the clicked button is now disabled; keep keyboard users in the composer
    });
    button.classList.toggle("chosen", !!c.cancelled);
    const node = el("div", { class: "handoff-status", "data-card": "handoff_waiting", "data-position": known ? String(n) : null, "data-handoff-id": c.handoff_id == null ? null : str(c.handoff_id), "data-state": c.cancelled ? "done" : "waiting" }, [
      el("p", { class: "queue-position", text: known ? t(n === 1 ? "queueNext" : "queuePosition", { n }) : t("queueWaiting") }),
      button,
    ]);
    waitingNodes.set(node, c);
    return node;
  };

  CARDS.agent_joined = (c) => {
    const agent = agentName(c.agent);
    return el("div", { class: "handoff-notice", "data-card": "agent_joined", "data-agent": agent || null, text: agent ? t("agentJoined", { agent }) : t("agentJoinedAnon") });
  };

  // A person's reply: its text bubble is marked when the payload arrives (markAgentText); this adds the product
  // they picked, if any, as one tile of the products card.
  CARDS.agent_message = (c) => {
    const p = isObject(c.product) && (c.product.name != null || c.product.id != null) ? c.product : null;
    if (!p) return null;
    const agent = agentName(c.agent);
    return [
      !c.textMarked && el("span", { class: "agent-name", text: agent || t("agentFallback") }), // no text bubble to carry the name
      el("div", { class: "card products-card agent-product", "data-card": "agent_message", "data-agent": agent || null }, el("ul", { class: "product-strip", "aria-label": t("products") }, productTile(p, ""))),
    ];
  };

  CARDS.handoff_ended = (c) => [
    el("div", { class: "handoff-notice", "data-card": "handoff_ended", "data-agent": agentName(c.agent) || null, text: t("backWithAssistant") }),
    c.ask_rating === true && renderRating(c),
  ];

  CARDS.handoff_unavailable = (c) => {
    const id = str(c.ticket_id).trim();
    if (!id) return null; // the text already says nobody can join; the entry is still kept for the handoff state
    return el("div", { class: "handoff-notice notice-card", "data-card": "handoff_unavailable", "data-why": str(c.why) || null, "data-ticket-id": id, text: t("ticketCreated", { id }) });
  };

  // Five stars for the conversation with a person, usable once; the choice is saved on the card as `rated`.
  function renderRating(c) {
    const row = el("div", { class: "rating", "data-card": "rating", role: "group", "aria-label": t("rateConversation") });
    const showRated = (rated) => {
      row.dataset.rated = String(rated);
      buttons.forEach((b, i) => {
        b.disabled = true;
        b.classList.toggle("on", i < rated);
        b.classList.toggle("chosen", i + 1 === rated);
      });
      row.append(el("p", { class: "rating-thanks", text: t("ratingThanks") }));
    };
    const buttons = [1, 2, 3, 4, 5].map((n) => {
      const label = t("rateN", { n });
      const button = el("button", { type: "button", class: "rate", "data-rating": n, "data-payload": ratePayload(n), "aria-label": label, title: label }, "★");
      button.addEventListener("click", () => {
        if (validRating(c.rated)) return;
        c.rated = n; // before sending: sending saves the history
        if (!sendMessage(ratePayload(n), stars(n), { quiet: true })) {
          delete c.rated;
          return;
        }
        showRated(n); // in place, so assistive technology hears the thanks rather than the whole row again
        ui.input.focus();
      });
      return button;
    });
    row.append(...buttons);
    if (validRating(c.rated)) showRated(c.rated);
    return row;
  }

  // Marks the text message just before an agent_message payload as written by that person. Rasa sends the text
  // first, so it is the last entry; anything else (a card, the shopper, an already marked reply) is left alone.
  function markAgentText(card) {
    const prev = state.history[state.history.length - 1];
    if (!isObject(prev) || prev.from === "user" || prev.card || prev.image || !prev.text || prev.byAgent) return;
    prev.byAgent = true;
    prev.agent = agentName(card.agent);
    card.textMarked = true;
    const old = entryNodes.get(prev);
    const node = renderEntry(prev);
    if (old && node) {
      old.replaceWith(node);
      entryNodes.set(prev, node);
    }
    saveState();
  }

  // Who answers the shopper now, from the history: the latest handoff card decides (a reply by a person counts as
  // one joining, unless the handoff was over by then). Works on a trimmed history too.
  function handoffStatus() {
    let mode = "idle";
    let agent = "";
    let waitingCard = null;
    let over = false;
    for (const entry of state.history) {
      if (!isObject(entry) || entry.from === "user") continue;
      const c = isObject(entry.card) ? entry.card : null;
      const type = c ? c.type : entry.byAgent === true ? "agent_text" : null;
      if (type === "handoff_waiting") {
        over = !!c.cancelled;
        mode = over ? "idle" : "waiting";
        waitingCard = over ? null : c;
        agent = "";
      } else if (type === "agent_joined") {
        mode = "agent";
        agent = agentName(c.agent);
        waitingCard = null;
        over = false;
      } else if ((type === "agent_message" || type === "agent_text") && !over) {
        mode = "agent";
        agent = agentName(c ? c.agent : entry.agent) || agent;
        waitingCard = null;
      } else if (type === "handoff_ended" || type === "handoff_unavailable") {
        mode = "idle";
        agent = "";
        waitingCard = null;
        over = true;
      }
    }
    return { mode, agent, waitingCard };
  }

  // Brings the page in line with the handoff state: the agent banner, the composer's placeholder, which
  // "Back to the assistant" button is usable, and no typing indicator while the assistant is silent on purpose.
  function syncHandoff() {
    handoff = handoffStatus();
    let banner = document.querySelector(".agent-banner");
    if (handoff.mode === "agent") {
      if (!banner) {
        banner = el("p", { class: "agent-banner", id: "agent-banner" });
        ui.banner.before(banner);
      }
      banner.textContent = handoff.agent ? t("chattingWith", { agent: handoff.agent }) : t("chattingWithPerson");
      if (handoff.agent) banner.dataset.agent = handoff.agent;
      else delete banner.dataset.agent;
    } else if (banner) {
      banner.remove();
    }
    ui.input.dataset.i18nPlaceholder = handoff.mode === "waiting" ? "placeholderWaiting" : "placeholder";
    ui.input.placeholder = t(ui.input.dataset.i18nPlaceholder);
    ui.log.querySelectorAll(".handoff-status").forEach((node) => {
      const live = handoff.mode === "waiting" && waitingNodes.get(node) === handoff.waitingCard;
      node.dataset.state = live ? "waiting" : "done";
      node.querySelectorAll("button.stop-waiting").forEach((b) => (b.disabled = !live));
    });
    if (handoff.mode !== "idle") hideTyping();
  }

  function renderCard(card) {
    const render = CARDS[card.type];
    if (typeof render !== "function") return null; // unknown types are ignored
    try {
      return render(card);
    } catch (e) {
      console.warn("webchat: could not render card", card.type, e);
      return null;
    }
  }

  function renderQuickReplies(entry) {
    const group = el("div", { class: "quick-replies", role: "group", "aria-label": t("quickReplies") });
    entry.buttons.forEach((button, i) => {
      const node = el("button", { type: "button", class: "quick-reply", disabled: !!entry.used, "data-payload": button.payload }, button.title);
      node.classList.toggle("chosen", entry.chosen === i);
      node.addEventListener("click", () => {
        if (entry.used) return;
        entry.chosen = i; // before sending: sending saves the history
        if (!sendMessage(button.payload, button.title)) {
          entry.chosen = undefined;
          return;
        }
        node.classList.add("chosen");
        ui.input.focus(); // the clicked button is now disabled; keep keyboard users in the composer
      });
      group.append(node);
    });
    return group;
  }

  function renderEntry(entry) {
    const who = entry.from === "user" ? "user" : "bot";
    const cardType = who === "bot" && isObject(entry.card) ? str(entry.card.type) : "";
    const system = SYSTEM_CARDS.has(cardType);
    const byAgent = who === "bot" && !entry.card && entry.byAgent === true; // a reply written by a person
    let speaker = el("span", { class: "visually-hidden", text: t(who === "user" ? "you" : "assistant") });
    if (byAgent) speaker = el("span", { class: "agent-name", text: agentName(entry.agent) || t("agentFallback") });
    else if (system || cardType === "agent_message") speaker = null; // not something the assistant says
    let content = null;
    if (who === "user") content = entry.photo ? renderPhotoBubble(entry) : el("div", { class: "bubble", text: str(entry.text) }); // photo: attachments (issue 14)
    else if (entry.card) content = renderCard(entry.card);
    else if (entry.image) {
      const src = safeUrl(entry.image);
      if (src) {
        const img = el("img", { class: "attachment", src, alt: t("image"), loading: "lazy", referrerpolicy: "no-referrer" });
        img.addEventListener("error", () => img.replaceWith(el("div", { class: "bubble muted", text: t("imageMissing") })), { once: true });
        content = img;
      }
    } else {
      const parts = [];
      if (entry.text) parts.push(el("div", { class: byAgent ? "bubble from-agent" : "bubble" }, richText(entry.text)));
      if (Array.isArray(entry.buttons) && entry.buttons.length) parts.push(renderQuickReplies(entry));
      if (parts.length) content = parts;
    }
    if (!content) return null;
    const classes = `msg ${who}${entry.card ? " card-msg" : ""}${system ? " system" : ""}${byAgent ? " agent" : ""}`;
    const stamp = entry.card ? null : timeStamp(entry.at); // conversation polish (issue 14); a card comes with its text
    return el("div", { class: classes, "data-from": who, "data-agent": byAgent ? agentName(entry.agent) || null : null }, [speaker].concat(content, stamp));
  }

  // ---------- conversation polish (issue 14): when each message was sent or received ----------
  // `entry.at` (ISO, saved with the history) shown as the local time, HH:MM in the page's language.
  function timeStamp(at) {
    const when = new Date(str(at));
    if (!at || Number.isNaN(when.getTime())) return null; // entries saved before timestamps existed
    const text = when.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    return el("time", { class: "msg-time", datetime: when.toISOString(), title: when.toLocaleString(locale()) }, text);
  }
  // ---------- end conversation polish ----------

  function renderWelcome() {
    const store = config.storeName[lang] || ui.storeName.textContent;
    const node = el("div", { class: "msg bot welcome", "data-welcome": "" }, el("div", { class: "bubble", text: (embed.on && embed.greeting) || t("welcome", { store }) }));
    if (!state.history.length) {
      node.append(
        el(
          "div",
          { class: "suggestions", role: "group", "aria-label": t("quickReplies") },
          ["suggestTrack", "suggestReturn", "suggestShipping"].map((key) => el("button", { type: "button", class: "suggestion", onclick: () => sendMessage(t(key)) }, t(key)))
        )
      );
    }
    return node;
  }

  function renderAll() {
    ui.log.replaceChildren(renderWelcome());
    for (const entry of state.history) {
      let node = null;
      try {
        node = renderEntry(entry);
      } catch (e) {
        console.warn("webchat: skipping a stored message", e); // one bad entry must not break the page
      }
      if (node) {
        entryNodes.set(entry, node);
        ui.log.append(node);
      }
    }
    syncHandoff();
    scrollToBottom();
  }

  function nearBottom() {
    const s = ui.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 120;
  }

  function scrollToBottom() {
    ui.scroller.scrollTop = ui.scroller.scrollHeight;
  }

  // Renders and remembers one message; entries that render to nothing are dropped, except handoff cards, which
  // are kept for the handoff state (see handoffStatus).
  function addEntry(entry, forceScroll) {
    if (!entry.at) entry.at = new Date().toISOString(); // conversation polish (issue 14): kept in the history
    const node = renderEntry(entry);
    const keep = isObject(entry.card) && HANDOFF_CARDS.has(entry.card.type);
    if (!node && !keep) return;
    const stick = forceScroll || nearBottom();
    state.history.push(entry);
    saveState();
    if (node) {
      entryNodes.set(entry, node);
      ui.log.append(node);
    }
    if (keep || entry.from === "user") syncHandoff();
    if (stick) scrollToBottom();
  }

  // ---------- bot messages (Rasa socket.io `bot_uttered`) ----------

  function toEntries(msg) {
    if (typeof msg === "string") return [{ from: "bot", text: msg }];
    if (!isObject(msg)) return [];
    // Custom JSON: stock Rasa emits the payload itself as the event data; also accept {custom: {...}}.
    if (typeof msg.type === "string") return [{ from: "bot", card: msg }];
    const entries = [];
    const buttons = asArray(msg.quick_replies || msg.buttons)
      .filter((b) => isObject(b) && b.title != null)
      .map((b) => ({ title: str(b.title), payload: str(b.payload == null ? b.title : b.payload) }));
    if ((typeof msg.text === "string" && msg.text.trim()) || buttons.length) {
      entries.push(buttons.length ? { from: "bot", text: str(msg.text), buttons } : { from: "bot", text: msg.text });
    }
    const att = msg.attachment;
    if (isObject(att) && att.type === "image" && isObject(att.payload) && att.payload.src) entries.push({ from: "bot", image: str(att.payload.src) });
    if (isObject(msg.custom) && typeof msg.custom.type === "string") entries.push({ from: "bot", card: msg.custom });
    return entries;
  }

  function onBotMessage(msg) {
    hideTyping();
    dropDraft(); // the checked answer replaces what was shown while it was written
    for (const entry of toEntries(msg)) {
      if (isObject(entry.card) && entry.card.type === "agent_message") markAgentText(entry.card);
      addEntry(entry);
    }
  }

  // ---------- answers shown while they are written ----------
  // The knowledge service streams the answer it is writing for this conversation; the page shows it as a draft.
  // The checked answer (which may be a refusal instead) then arrives over socket.io and replaces the draft.

  function watchAnswers() {
    if (liveSource) liveSource.close();
    liveSource = null;
    if (!config.liveAnswers || !state.sessionId || typeof window.EventSource !== "function") return;
    liveSource = new EventSource(`live/${encodeURIComponent(state.sessionId)}`);
    liveSource.addEventListener("token", (e) => showDraft(eventData(e).text, false));
    liveSource.addEventListener("final", (e) => showDraft(eventData(e).answer, true));
  }

  function eventData(e) {
    try {
      const data = JSON.parse(e.data);
      return isObject(data) ? data : {};
    } catch (err) {
      return {};
    }
  }

  function showDraft(text, whole) {
    if (typeof text !== "string") return;
    const stick = nearBottom();
    if (!liveDraft) {
      hideTyping();
      liveDraft = el("div", { class: "msg bot draft", "data-draft": "", "aria-busy": "true" }, [
        el("span", { class: "visually-hidden", text: t("assistant") }),
        el("div", { class: "bubble" }),
      ]);
      ui.log.append(liveDraft);
    }
    const bubble = liveDraft.querySelector(".bubble");
    bubble.textContent = whole ? text : bubble.textContent + text;
    if (whole) liveDraft.setAttribute("aria-busy", "false");
    if (stick) scrollToBottom();
  }

  function dropDraft() {
    if (liveDraft) liveDraft.remove();
    liveDraft = null;
  }

  // ---------- sending ----------

  function retireQuickReplies() {
    for (const entry of state.history) {
      if (entry.buttons) entry.used = true;
      if (entry.card && entry.card.offer_human === true) entry.card.offerUsed = true;
    }
    ui.log.querySelectorAll(".quick-reply").forEach((b) => (b.disabled = true));
    ui.log.querySelectorAll(".suggestions").forEach((s) => s.remove());
  }

  // `shown` is what the shopper sees (a button title) when it differs from what Rasa gets. `quiet` sends without
  // the typing indicator (answers to the handoff's own controls, which need no reply).
  function sendMessage(text, shown, options) {
    const message = str(text).trim();
    if (!message) return false;
    // Conversation polish (issue 14): a message over the limit is never cut and sent; the composer says how much
    // to shorten it and keeps the text (see updateComposer).
    if (message.length > config.maxLength) {
      updateComposer();
      return false;
    }
    if (!ready) {
      showBanner("notConnected");
      return false;
    }
    retireQuickReplies();
    addEntry((options && options.entry) || { from: "user", text: shown || message }, true); // options.entry: a photo's bubble (attachments, issue 14)
    socket.emit(config.userMessageEvent || "user_uttered", {
      message,
      session_id: state.sessionId,
      metadata: withPage({ ui_language: lang }), // withPage: the store page the shopper is on (issue 14)
    });
    if (!(options && options.quiet)) showTyping(); // not while a person is awaited or chatting (see showTyping)
    return true;
  }

  function timing(name) {
    const overrides = window.TIDEPOOL_CHAT_TIMINGS;
    const value = isObject(overrides) && overrides[name] != null ? Number(overrides[name]) : NaN;
    return Number.isFinite(value) && value >= 0 ? value : TIMINGS[name];
  }

  function setTypingText(key) {
    ui.typing.dataset.phase = key;
    ui.typingText.dataset.i18n = key; // so a language switch rewords it
    ui.typingText.textContent = t(key);
  }

  // Shown from sending until a reply arrives; see TIMINGS for how it changes while the shopper waits.
  function showTyping() {
    clearTypingTimers();
    // While the shopper waits for a person, or a person is chatting, the assistant is silent on purpose: no dots,
    // no "looking this up", no offer of a person.
    if (handoff.mode !== "idle") {
      hideTyping();
      return;
    }
    setTypingText("typing");
    ui.typingHuman.hidden = true;
    ui.typing.hidden = false;
    if (nearBottom()) scrollToBottom();
    typingTimers = [
      setTimeout(() => setTypingText("lookingUp"), timing("lookingUpMs")),
      setTimeout(() => {
        if (handoff.mode !== "idle") return;
        const stick = nearBottom();
        ui.typingHuman.hidden = false;
        if (stick) scrollToBottom();
      }, timing("offerHumanMs")),
      setTimeout(() => setTypingText("stillWorking"), timing("stillWorkingMs")), // conversation polish (issue 14)
    ];
  }

  function hideTyping() {
    clearTypingTimers();
    ui.typing.hidden = true;
    ui.typingHuman.hidden = true;
  }

  function clearTypingTimers() {
    typingTimers.forEach(clearTimeout);
    typingTimers = [];
  }

  // ---------- connection ----------

  function showBanner(key) {
    ui.banner.dataset.i18n = key;
    ui.banner.textContent = t(key);
    ui.banner.hidden = false;
  }

  function hideBanner() {
    ui.banner.hidden = true;
  }

  function setConnection(name) {
    document.body.dataset.connection = name;
    const key = { connecting: "connecting", online: "online", offline: "reconnecting" }[name];
    ui.statusText.dataset.i18n = key;
    ui.statusText.textContent = t(key);
    if (name === "online") hideBanner();
    if (name === "offline") showBanner(everOnline ? "connectionLost" : "cantConnect");
    updateComposer();
  }

  // The server issues this browser's conversation (bound to it by an HttpOnly cookie) and a short-lived ticket that
  // lets Rasa's socket put this connection in that conversation's room; without one, Rasa starts a new conversation.
  async function requestSession(fresh) {
    const response = await fetch("api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(fresh ? { new: true } : {}),
      cache: "no-store",
    });
    if (!response.ok) throw new Error(`api/session: HTTP ${response.status}`);
    const session = await response.json();
    if (!isObject(session) || typeof session.ticket !== "string") throw new Error("api/session: no ticket");
    return session;
  }

  async function askForSession() {
    const attempt = ++sessionAttempt;
    let session;
    try {
      session = await requestSession(freshSession);
    } catch (e) {
      console.error("webchat:", e);
      if (attempt !== sessionAttempt || !socket.connected) return;
      socket.disconnect(); // try again shortly, with a new connection and a new ticket
      setConnection("offline");
      setTimeout(() => socket.connect(), 3000);
      return;
    }
    if (attempt !== sessionAttempt || !socket.connected) return; // this connection is gone; the next one asks
    freshSession = false;
    requestedSession = session.conversation_id;
    socket.emit("session_request", { session_id: session.conversation_id, ticket: session.ticket });
  }

  function connect() {
    if (typeof window.io !== "function") {
      showBanner("loadFailed");
      return;
    }
    socket = window.io(config.socketUrl, {
      path: config.socketPath || "/socket.io",
      transports: config.transports || ["websocket"],
      reconnectionDelayMax: 10000,
    });
    // Every (re)connection gets a new socket id; asking for our session again (with a fresh ticket) puts it in
    // the session's room, which is where Rasa sends replies when session_persistence is on.
    socket.on("connect", () => {
      ready = false;
      askForSession();
    });
    socket.on("session_confirm", (data) => {
      const id = isObject(data) ? data.session_id : data;
      if (typeof id === "string" && id) {
        if (id !== requestedSession) console.warn("webchat: Rasa did not accept this browser's ticket; new conversation");
        // The history on this device is of a conversation this browser no longer owns (its cookie expired).
        if (state.sessionId && state.sessionId !== id) {
          state = { sessionId: null, lang, history: [] };
          renderAll();
        }
        state.sessionId = id;
      }
      saveState();
      if (!liveSource || liveSource.url.indexOf(encodeURIComponent(state.sessionId)) < 0) watchAnswers();
      ready = true;
      everOnline = true;
      setConnection("online");
    });
    socket.on(config.botMessageEvent || "bot_uttered", onBotMessage);
    // Rasa's channel refused a message (too long, not text, no session yet): no answer is coming.
    socket.on("message_refused", (data) => {
      console.warn("webchat: message refused:", isObject(data) ? data.error : data);
      hideTyping();
    });
    socket.on("disconnect", (reason) => {
      ready = false;
      hideTyping();
      setConnection(reason === "io client disconnect" ? "connecting" : "offline");
    });
    socket.on("connect_error", () => {
      ready = false;
      hideTyping();
      setConnection("offline");
    });
  }

  function newConversation() {
    if (state.history.length && !window.confirm(t("confirmNewChat"))) return;
    state = { sessionId: null, lang, history: [] };
    freshSession = true; // the server issues the new conversation's id
    saveState();
    hideTyping();
    dropDraft();
    watchAnswers(); // stops watching the old conversation; the new session id reopens it
    renderAll();
    if (socket) {
      // A fresh socket leaves the old session's room, then joins the new conversation's.
      socket.disconnect();
      socket.connect();
    }
    ui.input.focus();
  }

  // ---------- composer and language ----------

  function updateComposer() {
    const length = ui.input.value.length;
    const max = config.maxLength;
    // Conversation polish (issue 14): the textarea takes any length (no maxlength, which cut pasted text silently);
    // a live counter from 80% of the limit, and over it a warning and no sending until the shopper shortens it.
    const over = ui.input.value.trim().length > max;
    ui.send.disabled = !ready || !ui.input.value.trim() || over;
    ui.counter.classList.toggle("warn", over || length >= max);
    ui.input.setAttribute("aria-invalid", String(over));
    if (over) ui.counter.textContent = t("tooLongBlocked", { n: length, max, over: ui.input.value.trim().length - max });
    else ui.counter.textContent = length >= max * 0.8 ? t("counter", { n: length, max }) : "";
    // Grow with the text up to a few lines; the CSS max-height caps it.
    ui.input.style.height = "auto";
    ui.input.style.height = `${ui.input.scrollHeight + 2}px`;
  }

  function applyLanguage(next, rerender) {
    lang = STRINGS[next] ? next : "en";
    state.lang = lang;
    saveState();
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach((n) => (n.textContent = t(n.dataset.i18n)));
    document.querySelectorAll("[data-i18n-placeholder]").forEach((n) => (n.placeholder = t(n.dataset.i18nPlaceholder)));
    document.querySelectorAll("[data-i18n-label]").forEach((n) => {
      n.setAttribute("aria-label", t(n.dataset.i18nLabel));
      if (n.title) n.title = t(n.dataset.i18nLabel);
    });
    document.querySelectorAll("[data-lang]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === lang)));
    const store = config.storeName[lang] || config.storeName.en || ui.storeName.textContent;
    ui.storeName.textContent = store;
    document.title = `${store} · ${t("help")}`;
    updateComposer();
    if (rerender) renderAll(); // cards and labels follow the UI language; bot text stays as sent
    else syncHandoff();
  }

  function wireUi() {
    ui.form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (sendMessage(ui.input.value)) ui.input.value = "";
      updateComposer();
    });
    ui.input.addEventListener("input", updateComposer);
    ui.input.addEventListener("keydown", (event) => {
      // Enter sends, Shift+Enter adds a line; Enter that confirms an IME (Chinese) composition does neither.
      if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
      event.preventDefault();
      if (!ui.send.disabled) ui.form.requestSubmit();
    });
    document.querySelectorAll("[data-lang]").forEach((b) => b.addEventListener("click", () => applyLanguage(b.dataset.lang, true)));
    ui.newChat.addEventListener("click", newConversation);
    ui.typingHuman.addEventListener("click", () => {
      // Sending restarts the indicator (which hides this button); keep keyboard users in the composer.
      if (sendMessage(HUMAN_PAYLOAD, t("talkToPerson"))) ui.input.focus();
    });
  }

  // ---------- attachments (issue 14): the shopper sends a photo ----------
  // The photo goes to the web chat server (POST api/attachments, connectors/webchat/attachments.py), which checks
  // it and keeps a clean copy; then the conversation gets /share_photo{"attachment_id": ...}, which attaches it to
  // the shopper's return or complaint. The shopper's own bubble shows the local file (a data: URL, which the page's
  // CSP allows; blob: it does not), never a server URL: the web chat never serves photos back.
  const MAX_PHOTO_BYTES = 5 * 1024 * 1024; // the server's limit too (attachments.MAX_UPLOAD_BYTES)
  const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
  const photoPreviews = new WeakMap(); // history entry -> data: URL of the local file (this page load only)
  Object.assign(STRINGS.en, {
    attachPhoto: "Attach a photo",
    yourPhoto: "Your photo",
    photoSent: "Photo sent",
    photoSending: "Sending your photo…",
    photoTooBig: "That photo is larger than 5 MB. Please choose a smaller one.",
    photoWrongType: "Only JPEG, PNG or WebP photos can be attached.",
    photoTooMany: "This conversation already has as many photos as it can take.",
    photoFailed: "Your photo couldn't be sent. Please try again.",
  });
  Object.assign(STRINGS.zh, {
    attachPhoto: "添加照片",
    yourPhoto: "你的照片",
    photoSent: "已发送照片",
    photoSending: "正在发送照片…",
    photoTooBig: "照片超过 5 MB，请选择小一些的照片。",
    photoWrongType: "只能添加 JPEG、PNG 或 WebP 格式的照片。",
    photoTooMany: "本次对话的照片数量已达上限。",
    photoFailed: "照片发送失败，请重试。",
  });

  // A paperclip drawn with SVG (no icon font, no emoji that a system may lack).
  function paperclipIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5");
    svg.append(path);
    return svg;
  }

  function setUpPhotos() {
    const picker = el("input", { type: "file", id: "photo-input", accept: PHOTO_TYPES.join(","), hidden: true, tabindex: "-1" });
    const button = el("button", { type: "button", id: "attach-photo", class: "attach-button", "data-i18n-label": "attachPhoto", "aria-label": t("attachPhoto"), title: t("attachPhoto") }, paperclipIcon());
    button.addEventListener("click", () => picker.click());
    picker.addEventListener("change", () => {
      const file = picker.files && picker.files[0];
      picker.value = ""; // the same file can be chosen again after an error
      if (file) sendPhoto(file, button);
    });
    ui.input.before(button);
    ui.form.append(picker);
  }

  // A notice in the conversation about the shopper's photo; shown, not kept in the history.
  function photoNotice(key) {
    const stick = nearBottom();
    ui.log.append(el("div", { class: "msg bot photo-notice", role: "alert" }, el("div", { class: "bubble", text: t(key) })));
    if (stick) scrollToBottom();
  }

  function readAsDataUrl(file) {
    return new Promise((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(typeof reader.result === "string" ? reader.result : "");
      reader.onerror = () => resolve("");
      reader.readAsDataURL(file);
    });
  }

  const UPLOAD_ERRORS = { 413: "photoTooBig", 415: "photoWrongType", 429: "photoTooMany" };

  async function sendPhoto(file, button) {
    if (PHOTO_TYPES.indexOf(file.type) < 0) return photoNotice("photoWrongType"); // the server checks the content
    if (file.size > MAX_PHOTO_BYTES) return photoNotice("photoTooBig");
    if (!ready || !state.sessionId) return showBanner("notConnected");
    button.disabled = true;
    const preview = await readAsDataUrl(file);
    const pending = el("div", { class: "msg user photo-pending", "aria-busy": "true" }, el("div", { class: "bubble photo-bubble" }, [preview && el("img", { src: preview, alt: t("yourPhoto") }), el("span", { class: "photo-status", text: t("photoSending") })]));
    ui.log.append(pending);
    scrollToBottom();
    try {
      const form = new FormData();
      form.append("conversation_id", state.sessionId);
      form.append("file", file);
      const response = await fetch("api/attachments", { method: "POST", body: form });
      const body = await response.json().catch(() => ({}));
      pending.remove();
      if (!response.ok || !isObject(body) || typeof body.attachment_id !== "string") {
        return photoNotice(UPLOAD_ERRORS[response.status] || "photoFailed");
      }
      const entry = { from: "user", text: "", photo: { type: str(body.content_type) } };
      if (preview) photoPreviews.set(entry, preview);
      const payload = `/share_photo${JSON.stringify({ attachment_id: body.attachment_id })}`;
      if (!sendMessage(payload, "", { entry })) photoNotice("photoFailed");
    } catch (e) {
      pending.remove();
      photoNotice("photoFailed");
    } finally {
      button.disabled = false;
    }
  }

  // The shopper's own photo bubble: the local preview while this page lives, a short note after a reload.
  function renderPhotoBubble(entry) {
    const preview = photoPreviews.get(entry);
    if (!preview) return el("div", { class: "bubble photo-bubble", text: t("photoSent") });
    return el("div", { class: "bubble photo-bubble" }, el("img", { class: "photo-thumb", src: preview, alt: t("yourPhoto") }));
  }
  // ---------- end attachments ----------

  // ---------- conversation polish (issue 14): "Rate this chat" ----------
  // 1-5 stars and an optional comment for the conversation with the assistant, from the header's ★ button, posted
  // to the web chat server (POST api/rating, connectors/webchat/ratings.py; the latest rating wins). A person's
  // rating after a handoff is the separate renderRating above.
  const MAX_RATING_COMMENT = 500;

  function renderChatRating(panel) {
    const saved = isObject(state.chatRating) && state.chatRating.sessionId === state.sessionId ? state.chatRating : null;
    let chosen = saved ? validRating(saved.rating) : 0;
    const status = el("p", { class: "chat-rating-status", role: "status" });
    const stars = [1, 2, 3, 4, 5].map((n) =>
      el("button", { type: "button", class: "rate", "data-rating": n, "aria-label": t("rateN", { n }), title: t("rateN", { n }), "aria-pressed": "false", onclick: () => pick(n) }, "★")
    );
    const pick = (n) => {
      chosen = n;
      stars.forEach((b, i) => {
        b.classList.toggle("on", i < n);
        b.setAttribute("aria-pressed", String(i + 1 === n));
      });
    };
    const counter = el("span", { class: "chat-rating-counter", "aria-live": "polite" });
    const comment = el("textarea", { id: "chat-rating-comment", rows: 2, maxlength: MAX_RATING_COMMENT });
    const countComment = () => (counter.textContent = t("ratingCommentCounter", { n: comment.value.length, max: MAX_RATING_COMMENT }));
    comment.value = saved ? str(saved.comment).slice(0, MAX_RATING_COMMENT) : "";
    comment.addEventListener("input", countComment);
    const submit = el("button", { type: "submit", class: "chat-rating-send" }, t("ratingSend"));
    const form = el("form", { class: "chat-rating-form", "data-card": "chat-rating" }, [
      el("div", { class: "chat-rating-head" }, [
        el("h2", { id: "chat-rating-title", text: t("rateChatTitle") }),
        el("button", { type: "button", class: "chat-rating-close", "aria-label": t("close"), title: t("close"), onclick: () => toggleChatRating(false) }, "×"),
      ]),
      el("div", { class: "rating", role: "group", "aria-labelledby": "chat-rating-title" }, stars),
      el("label", { for: "chat-rating-comment", class: "chat-rating-label", text: t("ratingComment") }),
      comment,
      el("div", { class: "chat-rating-foot" }, [counter, submit]),
      status,
    ]);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!state.sessionId) return void (status.textContent = t("ratingNoChat"));
      if (!chosen) return void (status.textContent = t("ratingPickFirst"));
      submit.disabled = true;
      const body = { conversation_id: state.sessionId, rating: chosen, comment: comment.value.trim(), language: lang };
      try {
        const response = await fetch("api/rating", { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
        if (!response.ok) throw new Error(`api/rating: HTTP ${response.status}`);
        state.chatRating = { sessionId: state.sessionId, rating: chosen, comment: body.comment };
        saveState();
        panel.dataset.rated = String(chosen);
        status.textContent = t("ratingSaved");
      } catch (e) {
        console.warn("webchat:", e);
        status.textContent = t("ratingFailed");
      } finally {
        submit.disabled = false;
      }
    });
    if (chosen) pick(chosen);
    countComment();
    panel.replaceChildren(form);
    if (saved) panel.dataset.rated = String(chosen);
    else delete panel.dataset.rated;
  }

  function toggleChatRating(open) {
    let panel = $("chat-rating");
    if (!panel) {
      panel = el("section", { id: "chat-rating", class: "chat-rating", "aria-labelledby": "chat-rating-title", hidden: true });
      panel.addEventListener("keydown", (event) => event.key === "Escape" && toggleChatRating(false));
      ui.form.before(panel);
    }
    const show = open == null ? panel.hidden : open;
    const button = $("rate-chat");
    if (button) button.setAttribute("aria-expanded", String(show));
    if (show) {
      renderChatRating(panel); // fresh, in the current language
      panel.hidden = false;
      panel.querySelector(".rate").focus();
    } else if (!panel.hidden) {
      panel.hidden = true;
      if (button) button.focus();
    }
  }
  // ---------- end conversation polish ----------

  // ---------- embedded in a store's page (widget.js, issue 14) ----------
  // ?embed=1: this page runs in the widget's panel on a store's page. The parent (its origin as the browser reports
  // it, else ?host=) sends the shopper's page (product id, name, URL); it goes with every message as metadata.page,
  // so "is this waterproof?" knows which product "this" is. Close (button or Escape) asks the parent to close.
  Object.assign(STRINGS.en, { closeChat: "Close chat", viewing: "You're viewing: {name}" });
  Object.assign(STRINGS.zh, { closeChat: "关闭在线客服", viewing: "正在浏览：{name}" });
  const EMBED_PRODUCT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
  const embed = (() => {
    const params = new URLSearchParams(location.search);
    const framed = window.parent !== window;
    const asOrigin = (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value ? value : null;
      } catch (e) {
        return null;
      }
    };
    const reported = location.ancestorOrigins && location.ancestorOrigins.length ? location.ancestorOrigins[0] : null;
    return {
      on: params.get("embed") === "1",
      parentOrigin: framed ? asOrigin(reported || params.get("host") || "") : null,
      lang: ["en", "zh"].includes(params.get("lang")) ? params.get("lang") : null,
      greeting: str(params.get("greeting")).trim().slice(0, 200),
    };
  })();
  let pageContext = null; // {product_id, product_name, url} of the store page the shopper is on

  function toParent(message) {
    if (embed.on && embed.parentOrigin) window.parent.postMessage(message, embed.parentOrigin);
  }

  // The page context as the parent sent it, checked field by field; anything else is dropped.
  function readPageContext(page) {
    if (!isObject(page)) return null;
    const id = typeof page.product_id === "string" && EMBED_PRODUCT_ID.test(page.product_id) ? page.product_id : null;
    const name = typeof page.product_name === "string" ? page.product_name.trim().slice(0, 120) : "";
    const url = typeof page.url === "string" && page.url.length <= 500 ? safeUrl(page.url) : null;
    return id || url ? { product_id: id, product_name: id ? name || id : "", url } : null;
  }

  function showPageContext() {
    let line = $("page-context");
    if (!pageContext || !pageContext.product_id) {
      if (line) line.remove();
      return;
    }
    if (!line) {
      line = el("p", { class: "page-context", id: "page-context" });
      ui.banner.before(line);
    }
    line.textContent = t("viewing", { name: pageContext.product_name });
  }

  // metadata.page for Rasa (bot/credentials.yml metadata_key); the action server reads it (actions/questions.py).
  function withPage(metadata) {
    if (pageContext) metadata.page = { product_id: pageContext.product_id, url: pageContext.url };
    return metadata;
  }

  function setUpEmbed() {
    if (!embed.on) return;
    document.documentElement.dataset.embed = "1";
    if (embed.parentOrigin) {
      const close = el("button", { type: "button", id: "embed-close", class: "icon-button embed-close", "data-i18n-label": "closeChat", "aria-label": t("closeChat"), title: t("closeChat") }, el("span", { "aria-hidden": "true", text: "×" }));
      close.addEventListener("click", () => toParent({ type: "tidepool:close" }));
      document.querySelector(".header-actions").append(close);
      document.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && !event.defaultPrevented) toParent({ type: "tidepool:close" });
      });
    }
    window.addEventListener("message", (event) => {
      if (event.source !== window.parent || event.origin !== embed.parentOrigin || !isObject(event.data)) return;
      if (event.data.type === "tidepool:page") {
        pageContext = readPageContext(event.data.page);
        showPageContext();
      } else if (event.data.type === "tidepool:focus") {
        ui.input.focus();
      }
    });
    document.querySelectorAll("[data-lang]").forEach((b) => b.addEventListener("click", showPageContext));
    toParent({ type: "tidepool:ready" });
  }
  // ---------- end embedded in a store's page ----------

  async function start() {
    wireUi();
    setUpPhotos(); // attachments (issue 14)
    setUpEmbed(); // embedded in a store's page (issue 14)
    if ($("rate-chat")) $("rate-chat").addEventListener("click", () => toggleChatRating()); // conversation polish (issue 14)
    const browserLang = (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
    applyLanguage(state.lang || embed.lang || browserLang, true); // embed.lang: the widget's data-language
    try {
      const response = await fetch("config.json", { cache: "no-store" });
      if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
      config = Object.assign(config, await response.json());
    } catch (e) {
      console.error("webchat:", e);
      showBanner("loadFailed");
      return;
    }
    ui.input.removeAttribute("maxlength"); // conversation polish (issue 14): warn instead of cutting (updateComposer)
    applyLanguage(lang, true);
    connect();
  }

  // Lets tests push a message through the same path as a socket event.
  window.tidepoolChat = Object.freeze({ receive: onBotMessage });

  start().catch((e) => {
    console.error("webchat:", e);
    showBanner("loadFailed");
  });
})();
