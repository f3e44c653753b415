// Otklik's operator dashboard: plain JS, no build step, no requests beyond this origin.
// Talks to /api/v1 with a bearer token (refreshed on 401) and hears live events on /ws.
// Every text from the server goes in through textContent, never as HTML.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const API = "/api/v1";
  const STORE = "otklik-dashboard";
  const VIEWS = ["waiting", "mine", "bot", "closed"];
  // Every word shown comes from the catalogues (strings.*.js) through i18n.js.
  const { t, label } = window.OtklikI18n;
  // The marketplace a channel belongs to, for lines the seller wrote in its own cabinet.
  const marketplaceOf = (kind) => (kind?.startsWith("wb_") ? "Wildberries" : kind?.startsWith("ozon_") ? "Ozon" : "");
  // A channel's mark: letters on its brand colour (CSS `.ch-<kind>`), named for screen readers.
  const CHANNEL_MARKS = { telegram: "TG", max: "M", vk: "VK", whatsapp: "WA", webchat: "≡",
    wb_questions: "WB", wb_feedbacks: "WB", wb_chat: "WB", ozon_chat: "Oz", ozon_questions: "Oz", ozon_reviews: "Oz" };
  function channelIcon(kind) {
    const mark = el("span", "ch ch-" + String(kind || "").replace(/[^a-z_]/g, ""), CHANNEL_MARKS[kind] || "•");
    mark.setAttribute("role", "img");
    mark.setAttribute("aria-label", label("channel", kind));
    mark.title = label("channel", kind);
    return mark;
  }
  // A delivery state's mark; its words are `tick.<state>` in the catalogues.
  const TICKS = { pending: "…", sending: "✓", sent: "✓✓", failed: "!", undeliverable: "!", withdrawn: "×" };

  // Our own requests' answers and pushed messages can arrive after the delivery event that
  // settled the same message: they must not take its tick back to "waiting".
  const SETTLED = new Set(["sent", "failed", "undeliverable", "withdrawn"]);
  function remember(m) {
    const known = state.timeline.get(m.id);
    if (known && SETTLED.has(known.delivery_status) && !SETTLED.has(m.delivery_status)) return;
    state.timeline.set(m.id, m);
  }

  // crypto.randomUUID exists only on secure origins; keys just need to be unique.
  const randomKey = () => crypto.randomUUID ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

  const state = {
    session: null, me: null, view: "waiting", query: "", cursor: null,
    conversations: new Map(), current: null, timeline: new Map(), composer: "reply",
    socket: null, retry: 0, refreshing: null, reloadTimer: null,
    quick: [], quickShown: [], quickAt: 0,
    // A promise of the people conversations can go to, once a session.
    assignees: null,
  };
  /** An order's state as the marketplace's detailed status says it, else its main status. */
  const orderStatus = (o) => (OtklikI18n.has("orderStatus." + o.substatus) ? t("orderStatus." + o.substatus)
    : label("orderStatus", o.status) || o.substatus || "");
  const reasonText = (code) => (code ? (OtklikI18n.has("reason." + code) ? t("reason." + code) : t("reason.other")) : "");

  // ---------- session & API ----------
  // The refresh token lives only in its HttpOnly cookie (set by the sign-in answers, sent to
  // /api/v1/auth by the browser): no script on the page can read it. The access token stays in
  // memory. Older versions kept the refresh token in localStorage; it is removed.
  // A non-secret hint that a refresh cookie may exist, so a first visit shows the sign-in form
  // without asking the server (and without a 401 in the console).
  const SIGNED_IN = STORE + "-signed-in";
  function saveSession(session) {
    state.session = session ? { ...session, refresh_token: undefined } : null;
    localStorage.removeItem(STORE);
    if (session) localStorage.setItem(SIGNED_IN, "1");
    else localStorage.removeItem(SIGNED_IN);
  }

  async function refresh() {
    // One refresh at a time: refresh tokens rotate, a second use would revoke the family.
    if (!state.refreshing) {
      state.refreshing = (async () => {
        const res = await fetch(API + "/auth/refresh", {
          method: "POST", headers: { "content-type": "application/json" }, credentials: "same-origin",
          body: "{}",
        }).catch(() => null);
        if (!res || !res.ok) {
          if (res) localStorage.removeItem(SIGNED_IN);
          return false;
        }
        saveSession(await res.json());
        return true;
      })().finally(() => { state.refreshing = null; });
    }
    return state.refreshing;
  }

  /** A refused request: its status, the words for people, field problems and the envelope's reason. */
  class ApiError extends Error {
    constructor(status, message, fields, reason) {
      super(message);
      this.status = status;
      this.fields = fields || [];
      this.reason = reason;
    }
  }

  async function api(method, path, body, retried) {
    const headers = { authorization: "Bearer " + (state.session?.access_token ?? "") };
    // A raw upload (a file to import) goes as it is, with its own content type.
    const raw = body instanceof RawBody;
    if (body !== undefined) headers["content-type"] = raw ? body.type : "application/json";
    if (method === "POST") headers["idempotency-key"] = randomKey();
    const payload = body === undefined ? undefined : raw ? body.text : JSON.stringify(body);
    let res;
    try {
      res = await fetch(API + path, { method, headers, body: payload });
    } catch {
      throw new ApiError(0, t("errors.offline"));
    }
    if (res.status === 401 && !retried) {
      if (await refresh()) return api(method, path, body, true);
      signOut();
      throw new ApiError(401, t("errors.expired"));
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!res.ok) {
      const error = data?.error;
      const fields = error?.fields || [];
      const message = fields.map((f) => Otklik.describeField(f)).join("; ") || Otklik.describeError(error, res.status);
      throw new ApiError(res.status, message, fields, error?.reason);
    }
    if (text && data === null) throw new ApiError(res.status, t("errors.garbled"));
    return data;
  }

  /** Saves a document the API serves (an act) as `name`: fetched with the session, since a plain link carries none. */
  async function download(path, name, retried) {
    let res;
    try {
      res = await fetch(path, { headers: { authorization: "Bearer " + (state.session?.access_token ?? "") } });
    } catch {
      throw new ApiError(0, t("errors.offline"));
    }
    if (res.status === 401 && !retried && (await refresh())) return download(path, name, true);
    if (!res.ok) {
      const error = (await res.json().catch(() => null))?.error;
      throw new ApiError(res.status, Otklik.describeError(error, res.status), [], error?.reason);
    }
    const url = URL.createObjectURL(await res.blob());
    const save = el("a");
    save.href = url;
    save.download = name;
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  /** A request body sent as it is, e.g. a CSV file to import. */
  class RawBody {
    constructor(text, type) { this.text = text; this.type = type; }
  }

  function toast(message) {
    const el = $("toast");
    el.textContent = message;
    el.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { el.hidden = true; }, 4000);
  }

  function can(permission) { return (state.me?.permissions || []).includes(permission); }

  // ---------- formatting ----------
  /** A date formatter for the chosen language, made once per language and options. */
  const formats = new Map();
  function dateFormat(options) {
    const key = OtklikI18n.tag() + JSON.stringify(options);
    if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(OtklikI18n.tag(), options));
    return formats.get(key);
  }
  function when(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    return d.toDateString() === new Date().toDateString()
      ? dateFormat({ hour: "2-digit", minute: "2-digit" }).format(d)
      : dateFormat({ day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }).format(d);
  }
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function customerName(c) {
    return c.customer?.name || (c.customer?.username ? "@" + c.customer.username : t("list.customer", { id: c.customer?.id }));
  }

  // ---------- login ----------
  /** Shows the sign-in form; `notice` says why the user is here, e.g. after a password change. */
  function showLogin(notice) {
    $("shell").hidden = true;
    $("login").hidden = false;
    $("login-notice").textContent = notice || "";
    $("login-notice").hidden = !notice;
    $("login-email").focus();
  }

  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("login-error").textContent = "";
    const email = $("login-email").value.trim(), password = $("login-password").value;
    if (!email || !password) { $("login-error").textContent = t("login.missing"); return; }
    const res = await fetch(API + "/auth/login", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    }).catch(() => null);
    if (!res) { $("login-error").textContent = t("login.offline"); return; }
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      $("login-error").textContent = res.status === 429 ? t("login.tooMany")
        : res.status === 401 ? t("login.wrong") : Otklik.describeError(data?.error, res.status);
      return;
    }
    $("login-password").value = "";
    saveSession(data);
    start();
  });

  function signOut() {
    if (state.session) {
      fetch(API + "/auth/logout", { method: "POST", headers: { "content-type": "application/json",
        authorization: "Bearer " + state.session.access_token }, credentials: "same-origin", body: "{}" }).catch(() => {});
    }
    saveSession(null);
    state.me = null;
    state.assignees = null;
    if (state.socket) { state.socket.onclose = null; state.socket.close(); state.socket = null; }
    showLogin();
  }
  $("logout").addEventListener("click", signOut);

  // ---------- language ----------
  for (const picker of document.querySelectorAll("select.locale")) OtklikI18n.fillPicker(picker);
  OtklikI18n.apply();
  // Before sign-in the choice is this browser's; signed in, it is the person's, kept by the server.
  $("login-locale").addEventListener("change", (e) => OtklikI18n.setLocale(e.target.value));
  $("locale").addEventListener("change", async (e) => {
    try {
      state.me = await api("PATCH", "/me", { locale: e.target.value });
      OtklikI18n.setLocale(state.me.user.locale);
    } catch (err) { e.target.value = OtklikI18n.locale(); toast(err.message); }
  });
  // Everything drawn from data is drawn again in the new language.
  document.addEventListener("otklik:locale", () => {
    if ($("shell").hidden || !state.me) return;
    setLive(!!state.live);
    setComposer(state.composer);
    renderList();
    if (state.current) renderChat();
    showVerification();
    Otklik.showAccount(state.me.account);
    Otklik.route();
  });

  // ---------- theme ----------
  function applyTheme(theme) {
    if (theme) document.documentElement.dataset.theme = theme;
    else delete document.documentElement.dataset.theme;
  }
  applyTheme(localStorage.getItem(STORE + "-theme"));
  $("theme").addEventListener("click", () => {
    const dark = document.documentElement.dataset.theme
      ? document.documentElement.dataset.theme === "dark"
      : matchMedia("(prefers-color-scheme: dark)").matches;
    const next = dark ? "light" : "dark";
    localStorage.setItem(STORE + "-theme", next);
    applyTheme(next);
  });

  // ---------- conversation list ----------
  async function loadCounters() {
    const counters = await api("GET", "/conversations/counters");
    for (const view of VIEWS) {
      const node = document.querySelector(`[data-counter="${view}"]`);
      if (node) node.textContent = String(counters[view] ?? 0);
    }
  }

  async function loadList(more) {
    const params = new URLSearchParams({ view: state.view });
    if (state.query) params.set("q", state.query);
    if (more && state.cursor) params.set("cursor", state.cursor);
    const page = await api("GET", "/conversations?" + params);
    if (!more) state.conversations.clear();
    for (const c of page.items) state.conversations.set(c.id, c);
    state.cursor = page.next_cursor;
    renderList();
  }

  function renderList() {
    const list = $("conversations");
    list.replaceChildren();
    if (state.conversations.size === 0) list.append(el("li", "empty-list", t("app.empty")));
    for (const c of state.conversations.values()) {
      const li = el("li");
      const button = el("button", "conv");
      button.type = "button";
      button.dataset.id = c.id;
      if (c.id === state.current?.id) button.setAttribute("aria-current", "true");
      const name = el("span", "name");
      name.append(channelIcon(c.channel?.kind), " ", customerName(c));
      if (c.rating) name.append(" ", stars(c.rating));
      button.append(name, el("span", "time", when(c.last_message_at)));
      const last = c.last_message;
      const prefix = last?.direction !== "outbound" ? ""
        : last.written_at_marketplace ? t("list.seller") : last.author === "bot" ? t("list.botPrefix") : t("list.operatorPrefix");
      button.append(el("span", "preview", last ? prefix + (last.preview || "") : ""));
      if (c.has_draft) button.append(el("span", "flag", t("list.draftWaiting")));
      else if (c.marketplace_note) button.append(el("span", "flag note", c.marketplace_note));
      else if (c.mode === "waiting_operator") button.append(el("span", "flag", t("list.waitingOperator")));
      button.addEventListener("click", () => openConversation(c.id));
      li.append(button);
      list.append(li);
    }
    $("more").hidden = !state.cursor;
  }

  function selectView(view) {
    state.view = view;
    state.cursor = null;
    for (const tab of document.querySelectorAll(".tabs [data-view]")) {
      tab.setAttribute("aria-selected", String(tab.dataset.view === view));
    }
    loadList(false).catch((e) => toast(e.message));
  }
  for (const tab of document.querySelectorAll(".tabs [data-view]")) {
    tab.addEventListener("click", () => selectView(tab.dataset.view));
  }
  $("more").addEventListener("click", () => loadList(true).catch((e) => toast(e.message)));
  let searchTimer = null;
  $("search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { state.query = $("search").value.trim(); selectView(state.view); }, 250);
  });

  // ---------- chat ----------
  /** A conversation and its first 100 messages, oldest first. */
  function readConversation(id) {
    return Promise.all([
      api("GET", `/conversations/${id}`),
      api("GET", `/conversations/${id}/messages?order=oldest&limit=100`),
    ]);
  }

  async function openConversation(id) {
    const [conversation, page] = await readConversation(id)
      .catch((e) => { toast(e.message); return [null, null]; });
    if (!conversation) return;
    state.current = conversation;
    state.timeline = new Map(page.items.map((m) => [m.id, m]));
    location.hash = "#c" + id;
    renderChat();
    renderList();
    loadCustomer(conversation);
  }

  // ---------- customer panel ----------
  function money(minor, currency) {
    if (minor === null || minor === undefined) return "";
    try {
      return new Intl.NumberFormat(OtklikI18n.tag(), { style: "currency", currency: currency || "RUB",
        currencyDisplay: "narrowSymbol" }).format(minor / 100);
    } catch (_) { return String(minor / 100) + " " + (currency || ""); }
  }

  function renderCustomer(customer) {
    const orders = customer?.orders || [];
    const products = customer?.products || [];
    const list = $("side-orders");
    list.replaceChildren();
    for (const o of orders) {
      const li = el("li", "order");
      li.dataset.number = o.number;
      const head = el("div", "order-head");
      head.append(el("strong", "", "№ " + o.number),
        el("span", "muted", o.marketplace === "wb" ? "WB" : o.marketplace === "ozon" ? "Ozon" : o.marketplace),
        el("span", "status", orderStatus(o)));
      li.append(head);
      const items = el("ul", "items");
      for (const item of o.items || []) {
        const name = item.title || (item.article ? t("side.article", { article: item.article }) : t("side.product"));
        items.append(el("li", "", name + (item.quantity > 1 ? " × " + item.quantity : "")));
      }
      if (items.childElementCount) li.append(items);
      const details = [money(o.total_minor, o.currency), o.pickup_point,
        o.storage_until ? t("side.storedUntil", { date: o.storage_until }) : "",
        o.delivery_date ? t("side.delivery", { date: o.delivery_date }) : ""].filter(Boolean).join(" · ");
      if (details) li.append(el("div", "muted", details));
      for (const r of o.returns || []) {
        const text = t("side.returned", { status: r.status_text || label("returnStatus", r.status) })
          + (r.product_name ? " — " + r.product_name : "") + (r.reason ? " (" + r.reason + ")" : "");
        li.append(el("div", "return", text));
      }
      list.append(li);
    }
    $("side-orders-block").hidden = orders.length === 0;
    const productList = $("side-products");
    productList.replaceChildren(...products.map((p) => el("li", "",
      t("side.productLine", { title: p.title || t("side.product"), article: p.article })
        + (p.stock === 0 ? t("side.outOfStock") : ""))));
    $("side-products-block").hidden = products.length === 0;
  }

  async function loadCustomer(conversation) {
    renderCustomer(null);
    const id = conversation?.customer?.id;
    if (!id) return;
    const customer = await api("GET", `/customers/${id}`).catch(() => null);
    if (customer && state.current?.customer?.id === id) renderCustomer(customer);
  }

  // What the messenger later said of a sent message (WhatsApp statuses): it is on the
  // shopper's phone, or they read it.
  // Its words are `receipt.<state>` in the catalogues.
  const RECEIPTS = { delivered: "✓✓", read: "✓✓" };

  function tick(m) {
    const receipt = m.delivery_status === "sent" && RECEIPTS[m.meta?.receipt] ? m.meta.receipt : null;
    const mark = receipt ? RECEIPTS[receipt] : TICKS[m.delivery_status];
    if (!mark || m.direction !== "outbound") return null;
    const span = el("span", "tick " + (receipt || m.delivery_status), mark);
    const status = receipt ? t("receipt." + receipt) : t("tick." + m.delivery_status);
    span.title = m.delivery_error ? `${status}. ${m.delivery_error}` : status;
    span.setAttribute("aria-label", span.title);
    return span;
  }

  /** A review's rating as five stars, read out as «N out of 5». */
  function stars(n) {
    const span = el("span", "stars", "★".repeat(n) + "☆".repeat(5 - n));
    span.title = t("chat.stars", { n });
    span.setAttribute("aria-label", span.title);
    return span;
  }

  function ratingOf(m) {
    const found = (m.attachments || []).find((a) => a && a.kind === "rating");
    const n = Number(found?.stars);
    return Number.isInteger(n) && n >= 1 && n <= 5 ? n : null;
  }

  function renderEntry(m) {
    const li = el("li");
    li.dataset.id = m.id;
    if (m.kind === "note") {
      li.className = "msg note";
      li.append(el("div", "who", t("chat.noteHead")), el("div", "body", m.body));
    } else if (m.delivery_status === "draft") {
      li.className = "msg draft";
      li.append(el("div", "who", t("chat.draftHead")));
      const text = el("textarea");
      text.value = m.body || "";
      text.rows = 4;
      text.setAttribute("aria-label", t("chat.draftText"));
      const approve = el("button", "primary", t("chat.approve"));
      approve.type = "button";
      approve.disabled = !can("handle_conversations") || state.current?.mode === "closed";
      approve.addEventListener("click", async () => {
        approve.disabled = true;
        try {
          const edited = text.value.trim();
          const sent = await api("POST", `/conversations/${state.current.id}/drafts/${m.id}/approve`,
            edited && edited !== m.body ? { text: edited } : {});
          remember(sent);
          renderTimeline();
        } catch (e) { toast(e.message); approve.disabled = false; }
      });
      text.addEventListener("keydown", (e) => { if (e.key === "Enter" && e.ctrlKey) { e.preventDefault(); approve.click(); } });
      li.append(text, approve);
    } else if (m.delivery_status === "withdrawn") {
      li.className = "msg outbound withdrawn";
      li.append(el("div", "who", t("chat.withdrawnHead")), el("div", "body", m.body || ""),
        el("div", "why", m.delivery_error || ""));
    } else {
      li.className = "msg " + (m.direction === "inbound" ? "inbound" : "outbound");
      const who = el("div", "who", m.meta?.origin === "marketplace"
        ? t("chat.sellerIn", { marketplace: marketplaceOf(state.current?.channel?.kind) }) : label("author", m.author));
      const rating = ratingOf(m);
      if (rating) who.append(" · ", stars(rating));
      li.append(who, el("div", "body", m.body || (rating ? t("chat.ratingOnly") : m.attachments?.length ? t("chat.attachment") : "")));
    }
    const meta = el("div", "meta");
    meta.append(el("time", "", when(m.created_at)));
    // What the shopper did to it afterwards, in MAX or VK.
    if (m.meta?.removed_at) meta.append(" · ", el("span", "muted", t("chat.removed")));
    else if (m.meta?.edited_at) {
      const edited = el("span", "muted", t("chat.edited"));
      if (m.meta.original_body) edited.title = t("chat.was", { text: m.meta.original_body });
      meta.append(" · ", edited);
    }
    const t = tick(m);
    if (t) meta.append(t);
    li.append(meta);
    return li;
  }

  function renderTimeline() {
    const list = $("timeline");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const entries = [...state.timeline.values()].sort((a, b) => a.id - b.id);
    list.replaceChildren(...entries.map(renderEntry));
    if (atBottom || list.dataset.conversation !== String(state.current.id)) list.scrollTop = list.scrollHeight;
    list.dataset.conversation = String(state.current.id);
  }

  function renderChat() {
    const c = state.current;
    $("chat-empty").hidden = !!c;
    $("chat-view").hidden = !c;
    $("side-body").hidden = !c;
    if (!c) return;
    $("chat-title").textContent = customerName(c);
    if (c.rating) $("chat-title").append(" ", stars(c.rating));
    $("chat-mode").textContent = label("mode", c.mode) + (c.marketplace_note ? " · " + c.marketplace_note : "");
    const handle = can("handle_conversations");
    const mine = c.mode === "operator" && c.assignee_id === state.me?.user.id;
    $("take-over").hidden = !handle || mine || c.mode === "closed";
    $("return-to-bot").hidden = !handle || c.mode === "bot" || c.mode === "closed";
    $("close").hidden = !handle || c.mode === "closed";
    resetClose();
    $("reply-form").hidden = !handle || c.mode === "closed";
    $("closed-note").hidden = c.mode !== "closed";
    renderAssignee(c, handle);
    // The name leads to the customer's page: their orders and other conversations.
    if (c.customer?.id && can("read_conversations")) {
      const page = el("a", "", c.customer.name || t("list.customer", { id: c.customer.id }));
      page.href = `#/customers/${c.customer.id}`;
      $("side-customer").replaceChildren(page);
    } else {
      $("side-customer").textContent = c.customer?.name || "—";
    }
    $("side-username").textContent = c.customer?.username ? "@" + c.customer.username : "—";
    $("side-channel").textContent = (c.channel?.name || "") + " · " + label("channel", c.channel?.kind);
    $("side-mode").textContent = label("mode", c.mode);
    $("side-created").textContent = when(c.created_at);
    $("side-due").textContent = when(c.reply_due_at);
    $("side-handoff").hidden = !c.handoff;
    $("side-reason").textContent = reasonText(c.handoff?.reason);
    $("side-summary").textContent = c.handoff?.summary || "";
    renderTimeline();
  }

  async function act(action) {
    if (!state.current) return;
    try {
      state.current = await api("POST", `/conversations/${state.current.id}/${action}`);
      renderChat();
      scheduleReload();
      if (action === "take-over") $("reply-text").focus();
    } catch (e) { toast(e.message); }
  }
  $("take-over").addEventListener("click", () => act("take-over"));
  $("return-to-bot").addEventListener("click", () => act("return-to-bot"));

  // Closing asks once more on the button itself: a stray click must not end a conversation.
  let closeArmed = null;
  function resetClose() {
    clearTimeout(closeArmed);
    closeArmed = null;
    $("close").textContent = t("chat.close");
    $("close").classList.remove("danger");
  }
  $("close").addEventListener("click", () => {
    if (closeArmed) { resetClose(); act("close"); return; }
    $("close").textContent = t("chat.closeSure");
    $("close").classList.add("danger");
    closeArmed = setTimeout(resetClose, 5000);
  });

  // ---------- who answers ----------
  /** Admins and operators a conversation can go to, loaded once a session. */
  async function assignees() {
    state.assignees ??= api("GET", "/conversations/assignees").catch((e) => { state.assignees = null; throw e; });
    return state.assignees;
  }

  async function renderAssignee(c, handle) {
    const select = $("side-assignee");
    const name = $("side-assignee-name");
    const people = handle ? await assignees().catch(() => []) : [];
    if (state.current?.id !== c.id) return;
    const current = people.find((p) => p.id === c.assignee_id);
    name.textContent = current ? current.name : c.assignee_id ? t("chat.assigned") : t("chat.unassigned");
    select.hidden = !handle || c.mode === "closed" || !people.length;
    name.hidden = !select.hidden;
    if (select.hidden) return;
    const none = el("option", "", t("chat.unassignedOption"));
    none.value = "";
    none.disabled = true;
    const options = people.map((p) => {
      const option = el("option", "", p.id === state.me?.user.id ? t("chat.you", { name: p.name }) : p.name);
      option.value = String(p.id);
      return option;
    });
    select.replaceChildren(none, ...options);
    select.value = current ? String(current.id) : "";
  }
  $("side-assignee").addEventListener("change", async (e) => {
    const id = Number(e.target.value);
    if (!state.current || !id) return;
    try {
      state.current = await api("POST", `/conversations/${state.current.id}/assign`, { user_id: id });
      const who = (await assignees()).find((p) => p.id === id);
      toast(id === state.me?.user.id ? t("chat.nowYours") : t("chat.handedTo", { name: who?.name ?? t("chat.someone") }));
      renderChat();
      scheduleReload();
    } catch (err) { toast(err.message); renderChat(); }
  });

  function setComposer(mode) {
    state.composer = mode;
    $("mode-reply").setAttribute("aria-selected", String(mode === "reply"));
    $("mode-note").setAttribute("aria-selected", String(mode === "note"));
    $("reply-form").classList.toggle("note", mode === "note");
    $("reply-text").setAttribute("aria-label", mode === "note" ? t("chat.noteLabel") : t("chat.replyLabel"));
    $("reply-text").placeholder = mode === "note" ? t("chat.notePlaceholder") : t("chat.replyPlaceholder");
    $("send").textContent = mode === "note" ? t("chat.saveNote") : t("chat.send");
  }
  $("mode-reply").addEventListener("click", () => setComposer("reply"));
  $("mode-note").addEventListener("click", () => setComposer("note"));

  $("reply-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("reply-text").value.trim();
    if (!text || !state.current) return;
    $("send").disabled = true;
    $("reply-error").textContent = "";
    try {
      const path = state.composer === "note" ? "notes" : "reply";
      const entry = await api("POST", `/conversations/${state.current.id}/${path}`, { text });
      remember(entry);
      $("reply-text").value = "";
      renderTimeline();
      if (path === "reply") {
        state.current = await api("GET", `/conversations/${state.current.id}`);
        renderChat();
      }
    } catch (err) { $("reply-error").textContent = err.message; } finally {
      $("send").disabled = false;
      $("reply-text").focus();
    }
  });
  $("reply-text").addEventListener("keydown", (e) => {
    if (!$("quick-list").hidden && state.quickShown.length) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const n = state.quickShown.length;
        state.quickAt = (state.quickAt + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
        renderQuick();
        return;
      }
      if (e.key === "Enter" && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
        e.preventDefault();
        insertQuick(state.quickShown[state.quickAt]);
        return;
      }
    }
    if (e.key === "Escape" && !$("quick-list").hidden) { e.stopPropagation(); closeQuick(); return; }
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $("reply-form").requestSubmit(); }
  });

  // ---------- quick replies ----------
  async function loadQuick() {
    const page = await api("GET", "/quick-replies?limit=100");
    state.quick = page.items;
  }

  // `/` at the start of the reply filters by shortcut or title; the button shows them all.
  function slashQuery() {
    const match = /^\/(\S*)$/.exec($("reply-text").value);
    return match ? match[1].toLowerCase() : null;
  }

  function openQuick(query) {
    const q = (query || "").toLowerCase();
    state.quickShown = state.quick.filter((r) => !q || (r.shortcut || "").startsWith(q)
      || r.title.toLowerCase().includes(q));
    state.quickAt = 0;
    $("quick-list").hidden = false;
    $("quick-toggle").setAttribute("aria-expanded", "true");
    renderQuick();
  }

  function closeQuick() {
    $("quick-list").hidden = true;
    $("quick-toggle").setAttribute("aria-expanded", "false");
    state.quickShown = [];
  }

  function renderQuick() {
    const list = $("quick-list");
    list.replaceChildren();
    if (state.quickShown.length === 0) {
      list.append(el("li", "muted", state.quick.length ? t("chat.quickNothing") : t("chat.quickNone")));
      return;
    }
    state.quickShown.forEach((r, i) => {
      const li = el("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", String(i === state.quickAt));
      const button = el("button", "", r.title);
      button.type = "button";
      button.tabIndex = -1;
      if (r.shortcut) button.append(el("span", "shortcut", "/" + r.shortcut));
      button.append(el("span", "quick-text", r.text));
      button.addEventListener("mousedown", (e) => e.preventDefault());
      button.addEventListener("click", () => insertQuick(r));
      li.append(button);
      list.append(li);
    });
  }

  function insertQuick(reply) {
    const box = $("reply-text");
    if (slashQuery() !== null) {
      box.value = reply.text;
    } else {
      const start = box.selectionStart ?? box.value.length, end = box.selectionEnd ?? start;
      box.value = box.value.slice(0, start) + reply.text + box.value.slice(end);
      box.selectionStart = box.selectionEnd = start + reply.text.length;
    }
    closeQuick();
    box.focus();
  }

  $("reply-text").addEventListener("input", () => {
    const query = slashQuery();
    if (query !== null && state.quick.length) openQuick(query);
    else if (!$("quick-list").hidden) closeQuick();
  });
  $("quick-toggle").addEventListener("click", async () => {
    if (!$("quick-list").hidden) { closeQuick(); return; }
    await loadQuick().catch((e) => toast(e.message));
    openQuick("");
    $("reply-text").focus();
  });

  // ---------- live updates ----------
  function scheduleReload() {
    // Bursts of events (a reply, its delivery, a handoff) make one reload.
    clearTimeout(state.reloadTimer);
    state.reloadTimer = setTimeout(() => {
      loadCounters().catch(() => {});
      loadList(false).catch(() => {});
    }, 150);
  }

  async function onEvent(event) {
    if (event.type === "ready") { setLive(true); scheduleReload(); return; }
    if (event.type === "lagged") { scheduleReload(); if (state.current) openConversation(state.current.id); return; }
    const id = event.conversation_id;
    if (event.type === "delivery") {
      // Only a tick changes: update it in place, the list stays as it is.
      const m = state.current?.id === id ? state.timeline.get(event.message_id) : null;
      if (m) {
        m.delivery_status = event.status;
        if (event.receipt) m.meta = { ...(m.meta || {}), receipt: event.receipt };
        renderTimeline();
      } else if (state.current?.id === id) {
        await rereadOpen(id);
      }
      return;
    }
    scheduleReload();
    if (!state.current || id !== state.current.id) return;
    if (event.type === "message" && event.message) {
      remember(event.message);
      renderTimeline();
    } else {
      await rereadOpen(id);
    }
  }

  /** A state change or a new shopper message: read the open conversation again. */
  async function rereadOpen(id) {
    const [conversation, page] = await readConversation(id).catch(() => [null, null]);
    if (!conversation || state.current?.id !== id) return;
    state.current = conversation;
    for (const m of page.items) state.timeline.set(m.id, m);
    renderChat();
  }

  function setLive(on) {
    state.live = on;
    $("live").textContent = on ? t("header.online") : t("header.offline");
    $("live").className = "live " + (on ? "on" : "off");
  }

  function connect() {
    if (!state.session) return;
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
    const socket = new WebSocket(url);
    state.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ token: state.session.access_token }));
    socket.onmessage = (e) => {
      state.retry = 0;
      let event;
      try { event = JSON.parse(e.data); } catch (_) { return; }
      onEvent(event).catch(() => {});
    };
    socket.onclose = async (e) => {
      setLive(false);
      if (state.socket !== socket || !state.session) return;
      if (e.code === 4401 && !(await refresh())) { signOut(); return; }
      state.retry = Math.min(state.retry + 1, 5);
      setTimeout(connect, e.code === 4401 ? 0 : 500 * 2 ** state.retry);
    };
  }

  // Every change is pushed; this slow re-read only covers events lost while the socket was down.
  setInterval(() => {
    if (state.current && state.session && document.visibilityState === "visible" && !$("chat").hidden) {
      rereadOpen(state.current.id).catch(() => {});
    }
  }, 30000);

  // ---------- keyboard ----------
  document.addEventListener("keydown", (e) => {
    if ($("shell").hidden || $("shell").classList.contains("paged")) return;
    const typing = ["INPUT", "TEXTAREA"].includes(document.activeElement?.tagName);
    if (e.key === "/" && !typing) { e.preventDefault(); $("search").focus(); }
    if (e.altKey && ["1", "2", "3", "4"].includes(e.key)) { e.preventDefault(); selectView(VIEWS[Number(e.key) - 1]); }
    if (e.key === "Escape" && typing) document.activeElement.blur();
    if (!typing && (e.key === "j" || e.key === "k")) {
      const ids = [...state.conversations.keys()];
      const at = ids.indexOf(state.current?.id);
      const next = ids[Math.max(0, Math.min(ids.length - 1, at + (e.key === "j" ? 1 : -1)))];
      if (next !== undefined) openConversation(next);
    }
  });

  // ---------- address confirmation ----------
  /** Until the person confirms their address: a banner saying so, with a button to mail the link again. */
  function showVerification() {
    const banner = $("verify-banner");
    const user = state.me?.user;
    banner.hidden = !user || user.email_verified !== false;
    if (banner.hidden) { banner.replaceChildren(); return; }
    const resend = el("button", "ghost", t("verify.resend"));
    resend.type = "button";
    resend.addEventListener("click", async () => {
      resend.disabled = true;
      try {
        await api("POST", "/me/email-verification");
        toast(t("verify.sent", { email: user.email }));
      } catch (e) {
        if (e.reason === "already_verified") {
          state.me = await api("GET", "/me").catch(() => state.me);
          showVerification();
        }
        toast(e.status === 429 ? t("verify.tooSoon") : e.reason === "already_verified" ? t("verify.done") : e.message);
      } finally { resend.disabled = false; }
    });
    banner.replaceChildren(el("span", "", t("verify.banner", { email: user.email })), resend);
  }

  // ---------- start ----------
  async function start() {
    try {
      state.me = await api("GET", "/me");
    } catch (_) { showLogin(); return; }
    OtklikI18n.setLocale(state.me.user.locale || "ru");
    setLive(false);
    $("login").hidden = true;
    $("shell").hidden = false;
    $("user-name").textContent = state.me.user.name || state.me.user.email;
    $("tenant-name").textContent = state.me.tenant.name;
    for (const link of document.querySelectorAll("#pages-nav [data-can]")) link.hidden = !can(link.dataset.can);
    showVerification();
    Otklik.showAccount(state.me.account);
    selectView(state.view);
    loadCounters().catch((e) => toast(e.message));
    setComposer("reply");
    loadQuick().catch(() => {});
    connect();
    // The address picks the page, or the conversation (#c<id>) to open.
    if (!/^#c\d+$/.test(location.hash)) $("chat-empty").hidden = false;
    Otklik.route();
  }

  /** Shows the conversation screens, or hides them for another page of the navigation. */
  function showConversations(on) {
    $("shell").classList.toggle("paged", !on);
    $("page").hidden = on;
  }

  // What the other pages (pages.js) use.
  const Otklik = window.Otklik = {
    $, api, download, RawBody, el, toast, can, when, dateFormat, money, state, channelIcon, orderStatus, reasonText, customerName, openConversation, showConversations, saveSession, start,
    showLogin,
    route: () => showConversations(true),
    entryLink: () => false,
    // pages.js: the account's standing above every page.
    showAccount: () => {},
    // pages.js says these in the chosen language by the problem's code.
    describeField: (f) => f.message,
    describeError: (error, status) => error?.message || t("errors.status", { status }),
  };

  // After pages.js has registered its pages (deferred scripts run before this event).
  document.addEventListener("DOMContentLoaded", async () => {
    if (Otklik.entryLink()) return;
    if (localStorage.getItem(SIGNED_IN) && (await refresh())) start();
    else showLogin();
  });
})();
