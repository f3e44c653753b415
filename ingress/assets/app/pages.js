// Otklik's dashboard pages beside the conversations: customers, knowledge base, quick replies,
// channels, people and settings. Served after app.js in the same file; uses its helpers.
"use strict";
(() => {
  const O = window.Otklik;
  const { $, api, el, toast, can, when } = O;
  // Every word shown comes from the catalogues (strings.*.js) through i18n.js.
  const { t, label, labels } = window.OtklikI18n;

  /** A field's problem in the chosen language, by its code; a code we do not know keeps the server's words. */
  function problemText(f) {
    return OtklikI18n.has("problem." + f.code) ? t("problem." + f.code, f) : f.message;
  }
  /** A field error as shown: an imported file's row first (the server's own message names it). */
  function fieldText(f) {
    return f.row && OtklikI18n.has("problem." + f.code) ? t("errors.row", { row: f.row, text: problemText(f) }) : problemText(f);
  }
  O.describeField = fieldText;
  /**
   * An error without fields in the chosen language: by the envelope's `reason` (what a request
   * collided with, or which service failed), else by its `code`; never the server's English words.
   */
  O.describeError = (error, status) => {
    // Said by the server in Russian, with the plan's names.
    if (error?.reason === "plan_limit") return error.message;
    if (OtklikI18n.has("refusal." + error?.reason)) return t("refusal." + error.reason);
    if (error?.code === "internal") {
      const id = /error id (\w+)/.exec(error.message || "")?.[1];
      return id ? t("errors.internalId", { id }) : t("errors.internal");
    }
    if (OtklikI18n.has("code." + error?.code)) return t("code." + error.code);
    return t("errors.other", { status });
  };

  // ---------- small building blocks ----------
  function button(text, className, onClick) {
    const node = el("button", className, text);
    node.type = "button";
    if (onClick) node.addEventListener("click", onClick);
    return node;
  }

  /** A labelled control with a place for the server's message about it. */
  let fieldIds = 0;
  function field(label, control, name, hint) {
    const wrap = el("div", "field");
    const caption = el("label", "field-label", label);
    fieldIds += 1;
    const target = control.matches("input, textarea, select") ? control : control.querySelector("input, textarea, select");
    if (target) {
      target.id ||= "f" + fieldIds;
      caption.htmlFor = target.id;
    }
    wrap.append(caption, control);
    if (hint) wrap.append(el("span", "muted field-hint", hint));
    const error = el("span", "error field-error");
    error.dataset.field = name;
    error.setAttribute("aria-live", "polite");
    wrap.append(error);
    if (name && control.matches("input, textarea, select")) control.name = name;
    return wrap;
  }

  function input(type, value, attrs) {
    const node = el(type === "textarea" ? "textarea" : "input");
    if (type !== "textarea") node.type = type;
    if (value !== undefined && value !== null) node.value = value;
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }

  function select(options, value) {
    const node = el("select");
    for (const [key, label] of Object.entries(options)) {
      const option = el("option", "", label);
      option.value = key;
      node.append(option);
    }
    if (value !== undefined) node.value = value;
    return node;
  }

  /** One checkbox per option into `container`, ticked where `chosen` has its key. */
  function checkboxes(container, options, chosen) {
    for (const [key, label] of Object.entries(options)) {
      const box = input("checkbox");
      box.value = key;
      box.checked = chosen.includes(key);
      const wrap = el("label", "check");
      wrap.append(box, el("span", "", label));
      container.append(wrap);
    }
  }

  /** Puts each of the server's field messages next to its field; the rest goes to `general`. */
  function showErrors(form, error, general) {
    for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
    if (general) general.textContent = "";
    if (!error) return;
    const rest = [];
    for (const f of error.fields || []) {
      const full = String(f.field || "");
      const name = full.split(/[.[]/)[0];
      const target = form.querySelector(`.field-error[data-field="${CSS.escape(full)}"]`)
        || form.querySelector(`.field-error[data-field="${CSS.escape(name)}"]`);
      if (target) target.textContent = fieldText(f);
      else rest.push(fieldText(f));
    }
    if (!(error.fields || []).length) rest.push(error.message);
    if (general) general.textContent = rest.join("; ");
    else if (rest.length) toast(rest.join("; "));
  }

  /** Asks before something that cannot be taken back; resolves to the answer. */
  function confirmAction(message, okText) {
    return new Promise((resolve) => {
      const dialog = el("dialog", "confirm");
      dialog.setAttribute("aria-label", t("app.confirmTitle"));
      const ok = button(okText, "danger", () => dialog.close("ok"));
      const cancel = button(t("app.cancel"), "", () => dialog.close("cancel"));
      const actions = el("div", "actions");
      actions.append(cancel, ok);
      dialog.append(el("p", "", message), actions);
      dialog.addEventListener("close", () => { dialog.remove(); resolve(dialog.returnValue === "ok"); });
      document.body.append(dialog);
      dialog.showModal();
      cancel.focus();
    });
  }

  function heading(title, ...actions) {
    const head = el("header", "page-head");
    head.append(el("h2", "", title), el("span", "grow"), ...actions);
    return head;
  }

  function table(columns, rows, label) {
    const node = el("table", "grid");
    if (label) node.setAttribute("aria-label", label);
    const head = el("tr");
    for (const c of columns) head.append(el("th", "", c));
    const thead = el("thead");
    thead.append(head);
    const body = el("tbody");
    for (const cells of rows) {
      const tr = el("tr");
      for (const cell of cells) {
        const td = el("td");
        if (cell instanceof Node) td.append(cell);
        else td.textContent = cell ?? "";
        tr.append(td);
      }
      body.append(tr);
    }
    if (!rows.length) {
      const tr = el("tr");
      const td = el("td", "muted", t("app.empty"));
      td.colSpan = columns.length;
      tr.append(td);
      body.append(tr);
    }
    node.append(thead, body);
    return node;
  }

  function link(text, hash) {
    const a = el("a", "", text);
    a.href = hash;
    return a;
  }

  function section(title, ...children) {
    const node = el("section", "panel");
    if (title) node.append(el("h3", "", title));
    node.append(...children);
    return node;
  }

  /** Replaces the page's content, unless the user has gone elsewhere meanwhile. */
  function render(token, ...children) {
    if (token !== routeToken) return;
    $("page").replaceChildren(...children);
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  // ---------- routing ----------
  let routeToken = 0;

  function markNav(name) {
    for (const a of document.querySelectorAll("#pages-nav a")) {
      if (a.dataset.page === name) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
  }

  function route() {
    routeToken += 1;
    const match = /^#\/([a-z-]+)(?:\/(.+))?$/.exec(location.hash);
    const page = match && PAGES[match[1]];
    if (!page) {
      markNav("conversations");
      O.showConversations(true);
      loadChecklist().catch(() => {});
      const open = /^#c(\d+)$/.exec(location.hash);
      if (open && O.state.current?.id !== Number(open[1])) O.openConversation(Number(open[1]));
      return;
    }
    markNav(match[1]);
    O.showConversations(false);
    const token = routeToken;
    $("page").replaceChildren(el("p", "muted loading", t("app.loading")));
    page(token, match[2]).catch((e) => render(token, el("p", "error", e.message)));
  }
  O.route = route;
  window.addEventListener("hashchange", () => { if (O.state.me && !$("shell").hidden) route(); });

  // ---------- customers ----------
  async function customersPage(token, id) {
    if (id) return customerPage(token, Number(id));
    const search = input("search", "", { placeholder: t("customers.search"), "aria-label": t("customers.searchLabel") });
    const holder = el("div");
    const more = button(t("app.showMore"), "ghost");
    let cursor = null;
    let rows = [];
    const load = async (append) => {
      const params = new URLSearchParams({ limit: "50" });
      if (search.value.trim()) params.set("q", search.value.trim());
      if (append && cursor) params.set("cursor", cursor);
      const page = await api("GET", "/customers?" + params);
      rows = append ? rows.concat(page.items) : page.items;
      cursor = page.next_cursor;
      more.hidden = !cursor;
      holder.replaceChildren(table([t("customers.customer"), t("customers.username"), t("customers.channel"), t("customers.conversations"), t("customers.lastSeen")],
        rows.map((c) => [link(O.customerName({ customer: c }), `#/customers/${c.id}`),
          c.username ? "@" + c.username : "—", channelLabel(c.channel), String(c.conversation_count ?? 0),
          when(c.last_seen_at)]), t("nav.customers")));
    };
    search.addEventListener("input", debounce(() => load(false).catch((e) => toast(e.message)), 250));
    more.addEventListener("click", () => load(true).catch((e) => toast(e.message)));
    await load(false);
    const bar = el("div", "toolbar");
    bar.append(search);
    render(token, heading(t("nav.customers")), bar, holder, more);
  }

  function channelLabel(channel) {
    if (!channel) return "—";
    const kind = label("channel", channel.kind);
    return channel.name ? `${channel.name} · ${kind}` : kind;
  }

  async function customerPage(token, id) {
    const c = await api("GET", `/customers/${id}`);
    const info = el("dl", "facts");
    const fact = (term, value) => info.append(el("dt", "", term), el("dd", "", value || "—"));
    fact(t("customers.username"), c.username ? "@" + c.username : "");
    fact(t("customers.channel"), channelLabel(c.channel));
    fact(t("customers.firstSeen"), when(c.created_at));
    fact(t("customers.lastSeen"), when(c.last_seen_at));

    const conversations = el("ul", "rows");
    for (const conv of c.conversations || []) {
      const li = el("li");
      const open = button(t("customers.conversation", { id: conv.id }), "link", () => { location.hash = "#c" + conv.id; });
      li.append(open, el("span", "badge", label("mode", conv.mode)),
        el("span", "muted", t("customers.lastMessage", { when: when(conv.last_message_at) })));
      conversations.append(li);
    }
    if (!conversations.childElementCount) conversations.append(el("li", "muted", t("customers.noConversations")));

    const orders = el("ul", "rows");
    for (const o of c.orders || []) {
      const li = el("li", "order");
      const head = el("div", "order-head");
      head.append(el("strong", "", t("customers.order", { number: o.number || o.id })),
        el("span", "badge", O.orderStatus(o) || "—"),
        el("span", "muted", label("marketplace", o.marketplace) + " · " + when(o.placed_at)));
      li.append(head);
      const items = el("ul", "items");
      for (const item of o.items || []) {
        const name = item.title || item.name || (item.article ? t("customers.article", { article: item.article }) : t("side.product"));
        items.append(el("li", "", name + (item.quantity > 1 ? " × " + item.quantity : "")));
      }
      if (items.childElementCount) li.append(items);
      const money = O.money(o.total_minor, o.currency);
      if (money) li.append(el("div", "muted", t("customers.total", { money })));
      for (const r of o.returns || []) {
        li.append(el("div", "return", t("side.returned", { status: r.status_text || label("returnStatus", r.status) })
          + (r.product_name ? " — " + r.product_name : "") + (r.reason ? " (" + r.reason + ")" : "")));
      }
      orders.append(li);
    }
    if (!orders.childElementCount) orders.append(el("li", "muted", t("customers.noOrders")));

    const products = el("ul", "rows");
    for (const p of c.products || []) {
      products.append(el("li", "", t("side.productLine", { title: p.title || t("side.product"), article: p.article })
        + (p.price_minor ? " · " + O.money(p.price_minor, p.currency) : "")
        + (p.stock === 0 ? t("side.outOfStock") : "")));
    }
    if (!products.childElementCount) products.append(el("li", "muted", t("customers.noProducts")));

    const name = O.customerName({ customer: c });
    const columns = el("div", "columns");
    columns.append(section(t("customers.conversationsTitle"), conversations), section(t("customers.ordersTitle"), orders),
      section(t("customers.productsTitle"), products));
    render(token, link(t("customers.all"), "#/customers"), heading(name), section("", info), columns);
  }

  // ---------- knowledge base ----------
  async function knowledgePage(token, id) {
    if (id) return articlePage(token, id === "new" ? null : Number(id));
    const edit = can("edit_knowledge");
    const q = input("search", "", { placeholder: t("knowledge.search"), "aria-label": t("knowledge.search") });
    const status = select({ "": t("knowledge.allStatuses"), ...labels("articleStatus") }, "");
    status.setAttribute("aria-label", t("knowledge.status"));
    const category = input("text", "", { placeholder: t("knowledge.category"), "aria-label": t("knowledge.category") });
    const tag = input("text", "", { placeholder: t("knowledge.tag"), "aria-label": t("knowledge.tag") });
    const holder = el("div");
    const more = button(t("app.showMore"), "ghost");
    let cursor = null;
    let rows = [];
    const load = async (append) => {
      const params = new URLSearchParams({ limit: "50" });
      for (const [key, control] of [["q", q], ["status", status], ["category", category], ["tag", tag]]) {
        if (control.value.trim()) params.set(key, control.value.trim());
      }
      if (append && cursor) params.set("cursor", cursor);
      const page = await api("GET", "/knowledge/articles?" + params);
      rows = append ? rows.concat(page.items) : page.items;
      cursor = page.next_cursor;
      more.hidden = !cursor;
      holder.replaceChildren(table([t("knowledge.article"), t("knowledge.category"), t("knowledge.tags"), t("knowledge.status"),
        t("knowledge.version"), t("knowledge.used"), t("knowledge.changed")],
        rows.map((a) => [link(a.title, `#/knowledge/${a.id}`), a.category || "—", (a.tags || []).join(", ") || "—",
          articleStatus(a), a.live_version ? t("knowledge.liveOf", { live: a.live_version, latest: a.latest_version })
            : t("knowledge.noneOf", { latest: a.latest_version }),
          timesText(a.usage_count), when(a.updated_at)]), t("knowledge.tableLabel")));
    };
    const reload = debounce(() => load(false).catch((e) => toast(e.message)), 250);
    for (const control of [q, category, tag]) control.addEventListener("input", reload);
    status.addEventListener("change", reload);
    more.addEventListener("click", () => load(true).catch((e) => toast(e.message)));
    await load(false);

    const actions = [];
    if (edit) {
      actions.push(button(t("knowledge.newArticle"), "primary", () => { location.hash = "#/knowledge/new"; }));
      const file = input("file", undefined, { accept: ".csv,.md,.markdown,text/csv,text/markdown", "aria-label": t("knowledge.importFile") });
      file.hidden = true;
      file.addEventListener("change", async () => {
        const chosen = file.files[0];
        file.value = "";
        if (chosen) await importFile(chosen, () => load(false));
      });
      actions.push(file, button(t("knowledge.import"), "", () => file.click()));
    }
    const bar = el("div", "toolbar");
    bar.append(q, status, category, tag);
    render(token, heading(t("knowledge.heading"), ...actions), bar, holder, more);
  }

  function articleStatus(a) {
    const text = label("articleStatus", a.status);
    return a.status === "approved" && a.draft_version ? t("knowledge.withDraft", { status: text }) : text;
  }

  function timesText(n) {
    return t("knowledge.times", { count: Number(n || 0) });
  }

  async function importFile(file, after) {
    const markdown = /\.(md|markdown)$/i.test(file.name) || file.type === "text/markdown";
    try {
      const result = await api("POST", "/knowledge/import", new O.RawBody(await file.text(), markdown ? "text/markdown" : "text/csv"));
      const created = result.created?.length || 0;
      const problems = (result.errors || []).map(fieldText);
      toast(t("knowledge.imported", { count: created })
        + (problems.length ? t("knowledge.importProblems", { problems: problems.join("; ") }) : ""));
      await after();
    } catch (e) { toast(t("knowledge.importFailed", { error: e.message })); }
  }

  async function articlePage(token, id) {
    const article = id ? await api("GET", `/knowledge/articles/${id}`) : null;
    const edit = can("edit_knowledge") && article?.status !== "archived";
    const latest = article?.versions?.find((v) => v.version === article.latest_version) || article?.versions?.[0];
    const form = el("form", "form");
    form.noValidate = true;
    const title = input("text", latest?.title ?? "", { maxlength: "200", required: "" });
    const category = input("text", article?.category ?? "", { list: "" });
    const tags = input("text", (article?.tags || []).join(", "));
    const body = input("textarea", latest?.body ?? "", { rows: "9", required: "" });
    for (const control of [title, category, tags, body]) control.disabled = !edit;
    const general = el("p", "error");
    general.setAttribute("role", "alert");
    form.append(field(t("knowledge.title"), title, "title"), field(t("knowledge.category"), category, "category"),
      field(t("knowledge.tags"), tags, "tags", t("knowledge.tagsHint")), field(t("knowledge.body"), body, "body"), general);
    if (edit) {
      const save = el("button", "primary", article ? t("knowledge.saveVersion") : t("knowledge.create"));
      save.type = "submit";
      const foot = el("div", "form-foot");
      foot.append(save);
      form.append(foot);
    }
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const payload = {
        title: title.value.trim(), body: body.value, category: category.value.trim(),
        tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
      };
      try {
        const saved = article ? await api("PATCH", `/knowledge/articles/${article.id}`, payload)
          : await api("POST", "/knowledge/articles", payload);
        toast(article ? t("knowledge.savedVersion") : t("knowledge.created"));
        if (article) route();
        else location.hash = `#/knowledge/${saved.id}`;
      } catch (err) { showErrors(form, err, general); }
    });

    const actions = [];
    if (article && can("edit_knowledge") && article.status !== "archived") {
      actions.push(button(t("knowledge.archive"), "danger", async () => {
        if (!(await confirmAction(t("knowledge.archiveConfirm", { title: article.title }), t("knowledge.archive")))) return;
        try { await api("POST", `/knowledge/articles/${article.id}/archive`); toast(t("knowledge.archived")); route(); } catch (e) { toast(e.message); }
      }));
    }
    const parts = [link(t("knowledge.all"), "#/knowledge"),
      heading(article ? article.title : t("knowledge.newArticle"), ...actions)];
    if (article) {
      const facts = el("p", "muted");
      facts.textContent = t("knowledge.facts", { status: articleStatus(article),
        live: article.live_version ?? t("knowledge.noLive"), times: timesText(article.usage_count) });
      parts.push(facts);
    }
    const columns = el("div", "columns wide-left");
    columns.append(section(article ? t("knowledge.editing") : "", form));
    if (article) columns.append(section(t("knowledge.versions"), versionsList(article)));
    parts.push(columns);
    render(token, ...parts);
  }

  function versionsList(article) {
    const list = el("ul", "rows versions");
    for (const v of article.versions || []) {
      const li = el("li");
      const head = el("div", "order-head");
      head.append(el("strong", "", t("knowledge.versionN", { version: v.version })),
        el("span", "badge " + (v.status === "live" ? "ok" : ""), label("versionStatus", v.status === "live" || v.status === "draft" ? v.status : "old")),
        el("span", "muted", when(v.created_at)));
      li.append(head);
      const text = el("details");
      text.append(el("summary", "", v.title), el("div", "version-body", v.body));
      li.append(text);
      if (can("edit_knowledge") && article.status !== "archived" && v.status !== "live") {
        const newer = v.version > (article.live_version ?? 0);
        li.append(button(newer ? t("knowledge.approve") : t("knowledge.restore"), newer ? "primary" : "", async () => {
          try {
            await api("POST", `/knowledge/articles/${article.id}/versions/${v.version}/approve`);
            toast(t(newer ? "knowledge.approved" : "knowledge.restored", { version: v.version }));
            route();
          } catch (e) { toast(e.message); }
        }));
      }
      list.append(li);
    }
    return list;
  }

  // ---------- quick replies ----------
  async function quickRepliesPage(token) {
    const page = await api("GET", "/quick-replies?limit=100");
    const editable = can("handle_conversations");
    const form = el("form", "form inline-form");
    form.noValidate = true;
    const title = input("text", "", { maxlength: "100" });
    const shortcut = input("text", "", { maxlength: "32", placeholder: t("quick.shortcutPlaceholder") });
    const text = input("textarea", "", { rows: "3", maxlength: "4096" });
    const general = el("p", "error");
    let editing = null;
    const save = el("button", "primary", t("quick.add"));
    save.type = "submit";
    const cancel = button(t("app.cancel"), "", () => reset());
    cancel.hidden = true;
    const foot = el("div", "form-foot");
    foot.append(general, el("span", "grow"), cancel, save);
    form.append(field(t("app.name"), title, "title"), field(t("quick.shortcut"), shortcut, "shortcut", t("quick.shortcutHint")),
      field(t("quick.text"), text, "text"), foot);
    const reset = () => {
      editing = null;
      title.value = shortcut.value = text.value = "";
      save.textContent = t("quick.add");
      cancel.hidden = true;
      showErrors(form, null, general);
    };
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const payload = { title: title.value.trim(), text: text.value.trim(), shortcut: shortcut.value.trim() || null };
      try {
        if (editing) await api("PATCH", `/quick-replies/${editing.id}`, payload);
        else await api("POST", "/quick-replies", payload);
        toast(editing ? t("quick.changed") : t("quick.added"));
        route();
      } catch (err) { showErrors(form, err, general); }
    });
    const rows = page.items.map((r) => {
      const actions = el("div", "row-actions");
      if (editable) {
        actions.append(button(t("quick.edit"), "", () => {
          editing = r;
          title.value = r.title;
          shortcut.value = r.shortcut || "";
          text.value = r.text;
          save.textContent = t("app.save");
          cancel.hidden = false;
          title.focus();
        }), button(t("quick.delete"), "danger", async () => {
          if (!(await confirmAction(t("quick.deleteConfirm", { title: r.title }), t("quick.delete")))) return;
          try { await api("DELETE", `/quick-replies/${r.id}`); toast(t("quick.deleted")); route(); } catch (e) { toast(e.message); }
        }));
      }
      return [r.title, r.shortcut ? "/" + r.shortcut : "—", el("span", "clip", r.text), actions];
    });
    const parts = [heading(t("quick.title"))];
    if (editable) parts.push(section(t("quick.form"), form));
    parts.push(table([t("app.name"), t("quick.shortcut"), t("quick.textColumn"), ""], rows, t("quick.title")));
    render(token, ...parts);
  }

  // ---------- channels ----------
  async function channelsPage(token) {
    const [channels, accounts] = await Promise.all([
      api("GET", "/channels"),
      marketplaceAccounts(),
    ]);
    const parts = [heading(t("channels.title")), channelTable(channels.items)];
    if (can("manage_channels")) {
      const forms = el("div", "columns");
      forms.append(maxForm(), vkForm(), whatsappForm(), telegramForm(), webchatForm());
      parts.push(forms);
    }
    parts.push(marketplaceSection(accounts));
    render(token, ...parts);
  }

  /** The marketplace accounts; a failure leaves the rest of the page usable. */
  function marketplaceAccounts() {
    return api("GET", "/marketplace-accounts?limit=100").catch(() => null);
  }

  function channelTable(items) {
    const rows = items.map((c) => {
      const actions = el("div", "row-actions");
      if (can("manage_channels") && c.enabled) {
        actions.append(button(t("channels.disable"), "danger", async () => {
          if (!(await confirmAction(t("channels.disableConfirm", { name: c.name }), t("channels.disable")))) return;
          try { await api("DELETE", `/channels/${c.id}`); toast(t("channels.disabled")); route(); } catch (e) { toast(e.message); }
        }));
      }
      let address = c.bot_username ? "@" + c.bot_username : "—";
      const url = c.chat_url || c.bot_url || c.community_url || c.whatsapp_url;
      if (url) {
        address = link(url.replace(/^https?:\/\//, ""), url);
        address.target = "_blank";
        address.rel = "noopener";
      }
      const kind = el("span", "kind");
      kind.append(O.channelIcon(c.kind), " ", label("channel", c.kind));
      const standing = c.enabled ? el("span", "badge ok", t("channels.working"))
        : c.awaiting_verification ? el("span", "badge off", t("channels.awaitingVerification"))
        : el("span", "badge off", t("channels.off"));
      return [c.name, kind, standing, address, actions];
    });
    return table([t("app.name"), t("channels.kind"), t("channels.state"), t("channels.address"), ""], rows, t("channels.title"));
  }

  /** Reloads the channel table only, keeping a just-shown web-chat link on screen. */
  async function refreshChannelTable() {
    const token = routeToken;
    const channels = await api("GET", "/channels").catch(() => null);
    const old = $("page").querySelector("table.grid");
    if (channels && old && token === routeToken) old.replaceWith(channelTable(channels.items));
  }

  function telegramForm() {
    const form = el("form", "form");
    form.noValidate = true;
    const name = input("text", "", { maxlength: "100", placeholder: t("channels.telegramName") });
    const token = input("password", "", { autocomplete: "off", placeholder: "123456789:AA…" });
    const general = el("p", "error");
    const save = el("button", "primary", t("channels.telegramConnect"));
    save.type = "submit";
    form.append(field(t("app.name"), name, "name"), field(t("channels.botToken"), token, "bot_token", t("channels.telegramHint")), general, save);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      save.disabled = true;
      try {
        await api("POST", "/channels/telegram", { name: name.value.trim(), bot_token: token.value.trim() });
        toast(t("channels.telegramConnected"));
        route();
      } catch (err) { showErrors(form, err, general); } finally { save.disabled = false; }
    });
    return section(t("channels.telegramTitle"), form);
  }

  /** Numbered steps a seller follows outside Otklik before pasting what they got. */
  function steps(...lines) {
    const list = el("ol", "steps");
    for (const line of lines) list.append(el("li", "", line));
    return list;
  }

  function maxForm() {
    const form = el("form", "form");
    form.noValidate = true;
    const name = input("text", "", { maxlength: "100", placeholder: t("channels.maxName") });
    const token = input("password", "", { autocomplete: "off", placeholder: t("channels.maxToken") });
    const { node: groups, box: groupsBox } = checkbox(t("channels.maxGroups"), false, "group_chats",
      t("channels.maxGroupsHint"));
    const general = el("p", "error");
    const save = el("button", "primary", t("channels.maxConnect"));
    save.type = "submit";
    form.append(
      steps(t("channels.maxStep1"), t("channels.maxStep2"), t("channels.maxStep3"), t("channels.maxStep4")),
      field(t("app.name"), name, "name"),
      field(t("channels.botToken"), token, "bot_token", t("channels.tokenHidden")),
      groups, general, save);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      save.disabled = true;
      try {
        await api("POST", "/channels/max", { name: name.value.trim(), bot_token: token.value.trim(), group_chats: groupsBox.checked });
        toast(t("channels.maxConnected"));
        route();
      } catch (err) { showErrors(form, err, general); } finally { save.disabled = false; }
    });
    return section(t("channels.maxTitle"), form);
  }

  function vkForm() {
    const form = el("form", "form");
    form.noValidate = true;
    const name = input("text", "", { maxlength: "100", placeholder: t("channels.vkName") });
    const group = input("text", "", { inputmode: "numeric", autocomplete: "off", placeholder: t("channels.vkGroupPlaceholder") });
    const token = input("password", "", { autocomplete: "off", placeholder: "vk1.a.…" });
    const { node: groups, box: groupsBox } = checkbox(t("channels.vkGroups"), false, "group_chats",
      t("channels.vkGroupsHint"));
    const general = el("p", "error");
    const save = el("button", "primary", t("channels.vkConnect"));
    save.type = "submit";
    form.append(
      steps(t("channels.vkStep1"), t("channels.vkStep2"), t("channels.vkStep3"), t("channels.vkStep4"), t("channels.vkStep5")),
      field(t("app.name"), name, "name"),
      field(t("channels.vkGroup"), group, "group_id", t("channels.vkGroupHint")),
      field(t("channels.vkToken"), token, "access_token", t("channels.keyHidden")),
      groups, general, save);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const id = group.value.trim().replace(/^(club|public)/, "");
      if (!/^\d{1,19}$/.test(id)) {
        showErrors(form, { fields: [{ field: "group_id", message: t("channels.vkGroupDigits") }] }, general);
        return;
      }
      save.disabled = true;
      try {
        await api("POST", "/channels/vk", { name: name.value.trim(), group_id: Number(id), access_token: token.value.trim(), group_chats: groupsBox.checked });
        toast(t("channels.vkConnected"));
        route();
      } catch (err) { showErrors(form, err, general); } finally { save.disabled = false; }
    });
    return section(t("channels.vkTitle"), form);
  }

  function whatsappForm() {
    const form = el("form", "form");
    form.noValidate = true;
    const name = input("text", "", { maxlength: "100", placeholder: t("channels.waName") });
    const number = input("text", "", { inputmode: "numeric", autocomplete: "off", placeholder: t("channels.waNumberPlaceholder") });
    const token = input("password", "", { autocomplete: "off", placeholder: "EAAG…" });
    const secret = input("password", "", { autocomplete: "off", placeholder: t("channels.waSecretPlaceholder") });
    // A random verify token to start with: 32 hex characters.
    const suggested = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
    const verify = input("text", suggested, { autocomplete: "off", maxlength: "512" });
    const general = el("p", "error");
    const result = el("div", "result");
    result.hidden = true;
    const save = el("button", "primary", t("channels.waConnect"));
    save.type = "submit";
    form.append(
      steps(t("channels.waStep1"), t("channels.waStep2"), t("channels.waStep3"), t("channels.waStep4"), t("channels.waStep5")),
      field(t("app.name"), name, "name"),
      field(t("channels.waNumber"), number, "phone_number_id", t("channels.waNumberHint")),
      field(t("channels.waToken"), token, "access_token", t("channels.keyHidden")),
      field(t("channels.waSecret"), secret, "app_secret", t("channels.waSecretHint")),
      field(t("channels.waVerify"), verify, "verify_token", t("channels.waVerifyHint")),
      general, save, result);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const id = number.value.trim();
      if (!/^\d{1,20}$/.test(id)) {
        showErrors(form, { fields: [{ field: "phone_number_id", message: t("channels.waNumberDigits") }] }, general);
        return;
      }
      save.disabled = true;
      try {
        const channel = await api("POST", "/channels/whatsapp", { name: name.value.trim(), phone_number_id: id,
          access_token: token.value.trim(), app_secret: secret.value.trim(), verify_token: verify.value.trim() });
        showErrors(form, null, general);
        toast(t("channels.waConnected"));
        const hook = input("text", channel.webhook_url, { readonly: "", "aria-label": t("channels.waHook") });
        const verifyCopy = input("text", verify.value.trim(), { readonly: "", "aria-label": t("channels.waVerifyCopy") });
        result.replaceChildren(
          el("p", "", t("channels.waDone", { number: channel.display_phone_number || id })),
          hook, el("p", "", t("channels.waAndVerify")), verifyCopy,
          el("p", "", t("channels.waThen")));
        result.hidden = false;
        // The secrets are not kept on screen, and a second press cannot connect the number twice.
        token.value = "";
        secret.value = "";
        refreshChannelTable();
      } catch (err) { showErrors(form, err, general); } finally { save.disabled = false; }
    });
    return section(t("channels.waTitle"), form);
  }

  function webchatForm() {
    const form = el("form", "form");
    form.noValidate = true;
    const name = input("text", "", { maxlength: "100", placeholder: t("channels.webchatName") });
    const general = el("p", "error");
    const result = el("div", "result");
    result.hidden = true;
    const save = el("button", "primary", t("channels.webchatCreate"));
    save.type = "submit";
    form.append(field(t("app.name"), name, "name"), general, save, result);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const channel = await api("POST", "/channels/webchat", { name: name.value.trim() });
        showErrors(form, null, general);
        const snippet = `<a href="${channel.chat_url}" target="_blank" rel="noopener">${t("channels.webchatButton")}</a>`;
        const url = input("text", channel.chat_url, { readonly: "", "aria-label": t("channels.webchatLink") });
        const code = input("textarea", snippet, { readonly: "", rows: "2", "aria-label": t("channels.webchatCode") });
        result.replaceChildren(el("p", "", t("channels.webchatCreated")), url,
          el("p", "", t("channels.webchatSnippet")), code);
        result.hidden = false;
        name.value = "";
        refreshChannelTable();
      } catch (err) { showErrors(form, err, general); }
    });
    return section(t("channels.webchatCreate"), form);
  }

  /** The accounts with their check results; admins connect, re-check and disconnect here. */
  function marketplaceSection(accounts) {
    if (!accounts) {
      return section(t("accounts.title"), el("p", "error", t("accounts.loadFailed")));
    }
    const rows = (accounts.items || []).map((a) => {
      const state = el("div");
      state.append(el("span", "badge " + (a.status === "connected" ? "ok" : "off"), label("accountStatus", a.status)));
      const sync = OtklikI18n.has("syncStatus." + a.sync_status) ? t("syncStatus." + a.sync_status) : "";
      if (sync) state.append(el("div", "muted", sync));
      for (const text of a.problems || []) state.append(el("div", "error", text));
      for (const text of a.notes || []) state.append(el("div", "muted", text));
      const actions = el("div", "row-actions");
      if (can("manage_channels") && a.status !== "disconnected") {
        actions.append(button(t("channels.disable"), "danger", async () => {
          if (!(await confirmAction(t("accounts.disableConfirm", { name: a.name }), t("channels.disable")))) return;
          try { await api("DELETE", `/marketplace-accounts/${a.id}`); toast(t("accounts.disabled")); route(); } catch (e) { toast(e.message); }
        }));
      }
      return [a.name || "—", label("marketplace", a.marketplace) || "—", state, when(a.last_synced_at), actions];
    });
    const parts = [table([t("app.name"), t("accounts.marketplace"), t("channels.state"), t("accounts.synced"), ""], rows,
      t("accounts.tableLabel"))];
    if (can("manage_channels")) parts.push(marketplaceForm());
    return section(t("accounts.title"), ...parts);
  }

  /** Connects a WB or Ozon account: the server checks the credentials in the background, so the
   * page waits for the check's result for a while and then shows it. */
  function marketplaceForm() {
    const form = el("form", "form");
    form.noValidate = true;
    const market = select(labels("marketplace"), "wb");
    const name = input("text", "", { maxlength: "100", placeholder: t("accounts.namePlaceholder") });
    const wbToken = input("password", "", { autocomplete: "off", placeholder: "eyJhbGciOi…" });
    const clientId = input("text", "", { autocomplete: "off", inputmode: "numeric", placeholder: "123456" });
    const apiKey = input("password", "", { autocomplete: "off", placeholder: "xxxxxxxx-xxxx-…" });
    const wbFields = field(t("accounts.wbToken"), wbToken, "credentials.token", t("accounts.wbHint"));
    const ozonFields = el("div");
    ozonFields.append(field("Client ID", clientId, "credentials.client_id"),
      field(t("accounts.ozonKey"), apiKey, "credentials.api_key", t("accounts.ozonHint")));
    const general = el("p", "error");
    const save = el("button", "primary", t("accounts.connect"));
    save.type = "submit";
    const choose = () => {
      wbFields.hidden = market.value !== "wb";
      ozonFields.hidden = market.value !== "ozon";
    };
    market.addEventListener("change", choose);
    choose();
    form.append(el("h3", "", t("accounts.connect")), field(t("accounts.marketplace"), market, "marketplace"),
      field(t("app.name"), name, "name"), wbFields, ozonFields, general, save);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      save.disabled = true;
      const credentials = market.value === "wb"
        ? { token: wbToken.value.trim() }
        : { client_id: clientId.value.trim(), api_key: apiKey.value.trim() };
      try {
        const account = await api("POST", "/marketplace-accounts", { marketplace: market.value, name: name.value.trim(), credentials });
        toast(t("accounts.checking"));
        const token = routeToken;
        for (let i = 0; i < 30 && token === routeToken; i++) {
          const now = await api("GET", `/marketplace-accounts/${account.id}`).catch(() => null);
          if (now && now.status !== "checking") break;
          await new Promise((done) => setTimeout(done, 1000));
        }
        if (token === routeToken) route();
      } catch (err) { showErrors(form, err, general); } finally { save.disabled = false; }
    });
    return form;
  }

  // ---------- people ----------
  /** The invitation just made: its link is shown once, since the server answers it only then. */
  let invited = null;
  async function usersPage(token) {
    const [users, invitations] = await Promise.all([api("GET", "/users?limit=100"), api("GET", "/invitations")]);
    const me = O.state.me.user.id;
    const rows = users.items.map((u) => {
      const role = select(labels("role"), u.role);
      role.setAttribute("aria-label", t("users.roleOf", { name: u.name || u.email }));
      role.disabled = u.id === me;
      role.addEventListener("change", async () => {
        try { await api("PATCH", `/users/${u.id}`, { role: role.value }); toast(t("users.roleChanged")); } catch (e) { toast(e.message); role.value = u.role; }
      });
      const actions = el("div", "row-actions");
      if (u.id !== me) {
        actions.append(button(u.disabled ? t("users.restore") : t("users.disable"), u.disabled ? "" : "danger", async () => {
          if (!u.disabled && !(await confirmAction(t("users.disableConfirm", { name: u.name || u.email }), t("users.disable")))) return;
          try { await api("PATCH", `/users/${u.id}`, { disabled: !u.disabled }); route(); } catch (e) { toast(e.message); }
        }));
      }
      return [u.name || "—", u.email, role, u.disabled ? t("users.off") : t("users.active"), when(u.last_login_at), actions];
    });

    const form = el("form", "form inline-form");
    form.noValidate = true;
    const email = input("email", "", { autocomplete: "off", placeholder: "name@example.ru" });
    const role = select(labels("role"), "operator");
    const general = el("p", "error");
    const invite = el("button", "primary", t("users.invite"));
    invite.type = "submit";
    const result = el("div", "result");
    result.hidden = true;
    const foot = el("div", "form-foot");
    foot.append(general, el("span", "grow"), invite);
    form.append(field(t("login.email"), email, "email"), field(t("users.role"), role, "role"), foot, result);
    if (invited) {
      const url = input("text", invited.accept_url, { readonly: "", "aria-label": t("users.inviteLink") });
      result.replaceChildren(el("p", "", t("users.inviteLinkFor", { email: invited.email })), url);
      result.hidden = false;
      invited = null;
    }
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const sent = await api("POST", "/invitations", { email: email.value.trim(), role: role.value });
        toast(sent.email_queued ? t("users.invitationSent", { email: sent.email }) : t("users.invitationMade"));
        invited = sent;
        route();
      } catch (err) { showErrors(form, err, general); }
    });

    const pending = (invitations.items || []).map((i) => {
      const actions = el("div", "row-actions");
      actions.append(button(t("users.revoke"), "danger", async () => {
        if (!(await confirmAction(t("users.revokeConfirm", { email: i.email }), t("users.revoke")))) return;
        try { await api("DELETE", `/invitations/${i.id}`); toast(t("users.revoked")); route(); } catch (e) { toast(e.message); }
      }));
      return [i.email, label("role", i.role), when(i.expires_at), actions];
    });
    render(token, heading(t("users.title")),
      table([t("users.name"), t("login.email"), t("users.role"), t("users.access"), t("users.lastLogin"), ""], rows, t("users.title")),
      section(t("users.inviteTitle"), form),
      section(t("users.pending"), table([t("login.email"), t("users.role"), t("users.validUntil"), ""], pending, t("users.invitations"))));
  }

  // ---------- settings ----------
  // The shop's written policies the assistant quotes; their labels and examples are `policy.*`.
  const POLICIES = ["returns", "delivery", "payment", "warranty"];

  async function settingsPage(token) {
    const settings = await api("GET", "/settings");
    const assistant = settings.assistant || {};
    const editable = can("edit_settings");
    const form = el("form", "form settings");
    form.noValidate = true;
    const persona = input("textarea", assistant.persona || "", { rows: "5", maxlength: "2000",
      placeholder: t("settings.personaPlaceholder") });
    const hours = assistant.working_hours;
    const from = input("number", hours?.from ?? "", { min: "0", max: "23", "aria-label": t("settings.from") });
    const to = input("number", hours?.to ?? "", { min: "1", max: "24", "aria-label": t("settings.to") });
    const hoursRow = el("div", "hours");
    hoursRow.append(el("span", "", t("settings.fromWord")), from, el("span", "", t("settings.toWord")), to,
      el("span", "muted", t("settings.hoursIn", { timezone: settings.timezone })));
    const responders = el("fieldset", "checks");
    responders.append(el("legend", "", t("settings.responders")));
    const chosen = assistant.responders || ["local"];
    checkboxes(responders, labels("responder"), chosen);
    responders.append(el("span", "muted field-hint", t("settings.respondersHint")));
    const responderErrors = el("span", "error field-error");
    responderErrors.dataset.field = "responders";
    responders.append(responderErrors);
    const tone = select(labels("tone"), assistant.tone || "neutral");
    const policies = el("div", "policies");
    const policyBoxes = {};
    for (const key of POLICIES) {
      policyBoxes[key] = input("textarea", assistant.policies?.[key] || "",
        { rows: "3", maxlength: "2000", placeholder: t(`policy.${key}Example`) });
      policies.append(field(t("policy." + key), policyBoxes[key], "policies." + key));
    }
    const policyErrors = el("span", "error field-error");
    policyErrors.dataset.field = "policies";
    const rules = assistant.handoff || {};
    const intents = el("fieldset", "checks");
    intents.append(el("legend", "", t("settings.intents")));
    checkboxes(intents, labels("intent"), rules.intents || []);
    intents.append(el("span", "muted field-hint", t("settings.intentsHint")));
    const intentErrors = el("span", "error field-error");
    intentErrors.dataset.field = "handoff.intents";
    intents.append(intentErrors);
    const keywords = input("text", (rules.keywords || []).join(", "), { placeholder: t("settings.keywordsPlaceholder") });
    const botReplies = input("number", rules.after_bot_replies ?? "", { min: "1", max: "10" });
    const capRow = el("div", "hours");
    capRow.append(botReplies, el("span", "muted", t("settings.inARow")));
    const autoPublish = checkbox(t("settings.autoPublish"),
      !!assistant.marketplace_auto_publish, "marketplace_auto_publish", t("settings.autoPublishHint"));
    const orderNews = checkbox(t("settings.orderNews"), assistant.order_news !== false, "order_news",
      t("settings.orderNewsHint"));
    const operatorOnly = checkbox(t("settings.operatorOnly"), !!settings.operator_only, "operator_only",
      t("settings.operatorOnlyHint"));
    const general = el("p", "error");
    general.setAttribute("role", "alert");
    form.append(
      field(t("settings.persona"), persona, "persona", t("settings.personaHint")),
      field(t("settings.tone"), tone, "tone", t("settings.toneHint")),
      field(t("settings.hours"), hoursRow, "working_hours", t("settings.hoursHint")),
      responders, autoPublish.node, orderNews.node, operatorOnly.node,
      el("h3", "", t("settings.rules")),
      el("span", "muted field-hint", t("settings.rulesHint")),
      policies, policyErrors,
      el("h3", "", t("settings.handoff")),
      intents,
      field(t("settings.keywords"), keywords, "handoff.keywords", t("settings.keywordsHint")),
      field(t("settings.cap"), capRow, "handoff.after_bot_replies", t("settings.capHint")),
      general);
    if (editable) {
      const save = el("button", "primary", t("app.save"));
      save.type = "submit";
      const foot = el("div", "form-foot");
      foot.append(save);
      form.append(foot);
    } else {
      for (const control of form.querySelectorAll("input, textarea, select")) control.disabled = true;
      form.prepend(el("p", "muted", t("settings.adminsOnly")));
    }
    // Only what was changed is sent, so untouched settings keep following the defaults.
    const policyValues = () => Object.fromEntries(Object.entries(policyBoxes).map(([key, box]) => [key, box.value.trim()]));
    const handoffValue = () => ({
      intents: [...intents.querySelectorAll("input:checked")].map((b) => b.value),
      keywords: keywords.value.split(",").map((k) => k.trim()).filter(Boolean),
      after_bot_replies: botReplies.value === "" ? null : Number(botReplies.value),
    });
    const saved = {
      persona: assistant.persona || "", responders: chosen, marketplace_auto_publish: !!assistant.marketplace_auto_publish,
      order_news: assistant.order_news !== false, operator_only: !!settings.operator_only, working_hours: hours ?? null,
      tone: assistant.tone || "neutral", policies: policyValues(), handoff: handoffValue(),
    };
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const wanted = {
        persona: persona.value.trim(),
        responders: [...responders.querySelectorAll("input:checked")].map((b) => b.value),
        marketplace_auto_publish: autoPublish.box.checked,
        order_news: orderNews.box.checked,
        operator_only: operatorOnly.box.checked,
        working_hours: from.value === "" && to.value === "" ? null : { from: Number(from.value), to: Number(to.value) },
        tone: tone.value, policies: policyValues(), handoff: handoffValue(),
      };
      const patch = Object.fromEntries(Object.entries(wanted)
        .filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(saved[key])));
      if (!Object.keys(patch).length) { toast(t("settings.noChanges")); return; }
      try {
        await api("PATCH", "/settings", patch);
        Object.assign(saved, patch);
        showErrors(form, null, general);
        toast(t("settings.saved"));
      } catch (err) { showErrors(form, err, general); }
    });
    render(token, heading(t("settings.title")), section("", form), await alertsSection(settings));
  }

  // ---------- e-mail alerts (workers/README.md, "Alerts") ----------
  /** The signed-in person's e-mail alerts, switched as they are clicked; admins also set how
   * long a shopper may wait before people are told. Viewers get no alerts. */
  async function alertsSection(settings) {
    const me = O.state.me.user;
    if (me.role === "viewer") return el("span");
    let choices;
    try { choices = await api("GET", "/me/alerts"); } catch (err) {
      return section(t("alerts.title"), el("p", "error", err.message));
    }
    const kinds = ["waiting_conversation", "wb_question_deadline"];
    if (me.role === "admin") kinds.push("sync_failing", "billing");
    const form = el("form", "form settings");
    form.noValidate = true;
    form.addEventListener("submit", (e) => e.preventDefault());
    form.append(el("p", "muted", t("alerts.mailedTo", { email: me.email })));
    for (const kind of kinds) {
      const box = checkbox(t("alerts." + kind), !!choices[kind], kind, t("alerts." + kind + "Hint"));
      box.box.addEventListener("change", async () => {
        try {
          await api("PATCH", "/me/alerts", { [kind]: box.box.checked });
          toast(t(box.box.checked ? "alerts.on" : "alerts.off"));
        } catch (err) { box.box.checked = !box.box.checked; toast(err.message); }
      });
      form.append(box.node);
    }
    if (can("edit_settings")) {
      const minutes = input("number", settings.assistant?.waiting_alert_minutes ?? 10, { min: "1", max: "1440" });
      const row = el("div", "hours");
      row.append(minutes, el("span", "muted", t("alerts.minutes")));
      const general = el("p", "error");
      minutes.addEventListener("change", async () => {
        try {
          await api("PATCH", "/settings", { waiting_alert_minutes: Number(minutes.value) });
          showErrors(form, null, general);
          toast(t("settings.saved"));
        } catch (err) { showErrors(form, err, general); }
      });
      form.append(field(t("alerts.waitLabel"), row, "waiting_alert_minutes", t("alerts.waitHint")), general);
    }
    return section(t("alerts.title"), form);
  }

  function checkbox(label, checked, name, hint) {
    const box = input("checkbox");
    box.checked = checked;
    box.name = name;
    const node = el("label", "check");
    const text = el("span");
    text.append(el("span", "", label), el("span", "muted field-hint", hint));
    const error = el("span", "error field-error");
    error.dataset.field = name;
    text.append(error);
    node.append(box, text);
    return { node, box };
  }


  // ---------- analytics (definitions: docs/metrics.md) ----------
  const OUTCOMES = ["bot_resolved", "bot_pending", "not_resolved", "handed_off", "operator", "unanswered", "greeting_only"];
  const percent = (share) => (share === null || share === undefined ? "—"
    : new Intl.NumberFormat(OtklikI18n.tag(), { style: "percent", maximumFractionDigits: 1 }).format(share));

  /** A duration in seconds as people say it (`duration.*`): 45 s, 12 min, 3 h 5 min. */
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    if (seconds < 1) return t("duration.underSecond");
    if (seconds < 60) return t("duration.seconds", { s: seconds });
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return t("duration.minutes", { m: minutes });
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return minutes % 60 ? t("duration.hoursMinutes", { h: hours, m: minutes % 60 }) : t("duration.hours", { h: hours });
    return t("duration.days", { d: Math.round(hours / 24) });
  }

  /** Horizontal bars drawn as inline SVG: `[label, value]` rows, longest bar for the largest value. */
  function bars(rows, label) {
    const NS = "http://www.w3.org/2000/svg";
    const max = Math.max(1, ...rows.map(([, v]) => v));
    const rowHeight = 26;
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("class", "bars");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
    svg.setAttribute("viewBox", `0 0 600 ${Math.max(1, rows.length) * rowHeight}`);
    svg.setAttribute("width", "100%");
    rows.forEach(([name, value], i) => {
      const y = i * rowHeight;
      const text = document.createElementNS(NS, "text");
      text.setAttribute("x", "0");
      text.setAttribute("y", String(y + 17));
      text.textContent = name;
      const bar = document.createElementNS(NS, "rect");
      bar.setAttribute("x", "260");
      bar.setAttribute("y", String(y + 5));
      bar.setAttribute("height", "16");
      bar.setAttribute("rx", "3");
      bar.setAttribute("width", String(Math.max(value ? 2 : 0, Math.round((value / max) * 280))));
      const count = document.createElementNS(NS, "text");
      count.setAttribute("x", String(266 + Math.round((value / max) * 280)));
      count.setAttribute("y", String(y + 17));
      count.setAttribute("class", "count");
      count.textContent = String(value);
      svg.append(text, bar, count);
    });
    if (!rows.length) return el("p", "muted", t("app.empty"));
    return svg;
  }

  function stat(title, value, hint) {
    const card = el("div", "stat");
    card.append(el("span", "muted", title), el("strong", "", value));
    if (hint) card.append(el("span", "muted field-hint", hint));
    return card;
  }

  async function analyticsPage(token) {
    const days = select(labels("period"), sessionStorage.getItem("analytics-days") || "30");
    days.setAttribute("aria-label", t("analytics.period"));
    const channelList = await api("GET", "/channels");
    const channelNames = { "": t("analytics.allChannels") };
    for (const c of channelList.items || channelList) channelNames[String(c.id)] = channelLabel(c);
    const channel = select(channelNames, "");
    channel.setAttribute("aria-label", t("analytics.channel"));
    const download = button(t("analytics.download"), "ghost");
    const holder = el("div");
    // The period ends on the shop's today (its time zone), not the browser's.
    const query = () => {
      const params = new URLSearchParams({ days: days.value });
      if (channel.value) params.set("channel", channel.value);
      return params;
    };
    const load = async () => {
      sessionStorage.setItem("analytics-days", days.value);
      const params = query();
      const [s, gaps] = await Promise.all([
        api("GET", "/analytics/summary?" + params), api("GET", "/analytics/gaps?" + params),
      ]);
      const cards = el("div", "stats");
      cards.append(
        stat(t("analytics.botResolved"), percent(s.automation_rate),
          t("analytics.resolvedOf", { resolved: s.bot_resolved, count: s.decided })
          + (s.bot_pending ? t("analytics.pending", { count: s.bot_pending }) : "")),
        stat(t("analytics.botAnswered"), percent(s.involvement),
          t("analytics.involvedOf", { involved: s.bot_involved, count: s.conversations })),
        stat(t("analytics.handedOff"), percent(s.handoff_rate), t("analytics.conversations", { count: s.handed_off })),
        stat(t("analytics.firstResponse"), duration(s.first_response_seconds.p50),
          t("analytics.p90", { duration: duration(s.first_response_seconds.p90) })),
        stat(t("analytics.resolution"), duration(s.resolution_seconds.p50),
          t("analytics.p90", { duration: duration(s.resolution_seconds.p90) })),
        stat(t("analytics.csat"), percent(s.csat.score),
          s.csat.rated ? t("analytics.rated", { rated: s.csat.rated, average: s.csat.average_stars }) : t("analytics.notRated")),
      );
      const outcomes = OUTCOMES.map((code) => [t("outcome." + code), s.outcomes[code] || 0]);
      const reasons = s.handoff_reasons.map((r) => [O.reasonText(r.reason), r.conversations]);
      const messages = [[t("analytics.shoppers"), s.messages.shopper], [t("analytics.bot"), s.messages.bot],
        [t("analytics.staff"), s.messages.operator]];
      const gapRows = gaps.items.map((g) => {
        const examples = el("div", "examples");
        for (const e of g.examples) {
          const a = link(`«${e.question}»`, `#c${e.conversation_id}`);
          examples.append(a, el("br"));
        }
        return [O.reasonText(g.reason), g.intent ? O.reasonText(g.intent) : "—", String(g.conversations), examples,
          can("edit_knowledge") ? link(t("analytics.writeArticle"), "#/knowledge/new") : ""];
      });
      const channelRows = s.channels.map((c) => [channelLabel(c.channel), String(c.conversations), percent(c.automation_rate),
        percent(c.handoff_rate), duration(c.first_response_seconds.p50), percent(c.csat.score),
        `${c.messages.shopper} / ${c.messages.bot} / ${c.messages.operator}`]);
      render(token, heading(t("analytics.title"), days, channel, download), holder);
      holder.replaceChildren(cards,
        section(t("analytics.outcomes"), bars(outcomes, t("analytics.outcomes"))),
        section(t("analytics.reasons"), bars(reasons, t("analytics.reasonsLabel"))),
        section(t("analytics.gaps"),
          el("p", "muted", t("analytics.gapsHint")),
          table([t("analytics.reason"), t("analytics.topic"), t("analytics.count"), t("analytics.examples"), ""], gapRows,
            t("analytics.gapsLabel"))),
        section(t("analytics.byChannel"), table([t("analytics.channel"), t("analytics.count"), t("analytics.botResolved"),
          t("analytics.handed"), t("analytics.firstResponse"), t("analytics.satisfied"), t("analytics.messagesBy")],
        channelRows, t("analytics.byChannel"))),
        section(t("analytics.messages"), bars(messages, t("analytics.messagesLabel"))));
    };
    const reload = () => load().catch((e) => toast(e.message));
    days.addEventListener("change", reload);
    channel.addEventListener("change", reload);
    download.addEventListener("click", async () => {
      const res = await fetch("/api/v1/analytics/conversations.csv?" + query(),
        { headers: { authorization: "Bearer " + (O.state.session?.access_token ?? "") } }).catch(() => null);
      if (!res || !res.ok) { toast(t("analytics.downloadFailed")); return; }
      const url = URL.createObjectURL(await res.blob());
      const a = el("a");
      a.href = url;
      a.download = `${t("analytics.fileName")}-${query().get("from")}-${query().get("to")}.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      URL.revokeObjectURL(url);
    });
    await load();
  }

  // ---------- billing: plan, standing, usage, plans on sale, invoices, the reply cap ----------
  const dayFmt = { format: (d) => O.dateFormat({ day: "numeric", month: "long" }).format(d) };
  const fullDayFmt = { format: (d) => O.dateFormat({ day: "numeric", month: "long", year: "numeric" }).format(d) };
  const DAY_MS = 24 * 60 * 60 * 1000;
  /** Whole days from now until `iso`, rounded up: a trial ending tonight has 1 day left. */
  const daysUntil = (iso) => Math.ceil((new Date(iso) - Date.now()) / DAY_MS);
  const days = (n) => t("billing.days", { count: n });
  /** Minor units as people write money: «4 990 ₽», «7,50 ₽», «$400». */
  function price(minor, currency) {
    const cents = Number(minor) % 100 !== 0;
    try {
      return new Intl.NumberFormat(OtklikI18n.tag(), { style: "currency", currency: currency || "RUB",
        currencyDisplay: "narrowSymbol", minimumFractionDigits: cents ? 2 : 0, maximumFractionDigits: 2 }).format(Number(minor) / 100);
    } catch (_) { return `${Number(minor) / 100} ${currency || ""}`; }
  }

  /**
   * What the account's standing means and what to do about it, or null when nothing needs doing
   * (`soon`: only trials that end within 3 days). `admin`: the reader can pay.
   */
  function standingNotice(account, admin, soon) {
    if (!account) return null;
    const ask = admin ? "" : t("billing.ask");
    if (account.state === "trialing" && account.trial_ends_at) {
      const left = daysUntil(account.trial_ends_at);
      if (soon && left > 3) return null;
      if (left <= 0) {
        return { urgent: true, action: t("billing.choosePlan"), text: t("billing.trialOver") + ask };
      }
      return { urgent: left <= 1, action: t("billing.choosePlan"),
        text: t("billing.trialEnds", { days: days(left), date: dayFmt.format(new Date(account.trial_ends_at)) }) + ask };
    }
    if (account.state === "past_due") {
      const until = account.suspends_at ? t("billing.until", { date: dayFmt.format(new Date(account.suspends_at)) }) : "";
      return { urgent: true, action: t("billing.pay"), text: t("billing.pastDue", { until }) + ask };
    }
    if (account.state === "suspended") {
      return { urgent: true, action: t("billing.pay"), text: t("billing.suspended") + ask };
    }
    return null;
  }

  /** The banner above every page: a trial ending within 3 days, a failed payment, a suspension. */
  function showAccount(account) {
    const banner = $("account-banner");
    const notice = standingNotice(account, can("manage_billing"), true);
    banner.hidden = !notice;
    if (!notice) { banner.replaceChildren(); return; }
    banner.className = "account-banner" + (notice.urgent ? " urgent" : "");
    banner.replaceChildren(el("span", "", notice.text));
    if (can("manage_billing")) banner.append(link(notice.action, "#/billing"));
  }
  O.showAccount = showAccount;

  async function billingPage(token) {
    const [overview, invoices, legal] = await Promise.all([api("GET", "/billing"),
      api("GET", "/billing/invoices").catch(() => ({ items: [] })),
      api("GET", "/billing/requisites").catch(() => ({ requisites: null }))]);
    const account = { state: overview.state, trial_ends_at: overview.trial_ends_at, suspends_at: overview.suspends_at };
    if (O.state.me) O.state.me.account = overview.payments_enabled ? account : null;
    showAccount(O.state.me?.account);
    const currency = overview.currency;
    const current = overview.plans.find((p) => p.code === overview.plan);

    // Plan and standing.
    const facts = el("dl", "facts");
    const fact = (term, value) => facts.append(el("dt", "", term), el("dd", "", value));
    fact(t("billing.plan"), current ? current.name : overview.plan);
    fact(t("billing.state"), label("billingState", overview.state));
    if (overview.state === "trialing" && overview.trial_ends_at) {
      const left = Math.max(0, daysUntil(overview.trial_ends_at));
      fact(t("billing.trial"), left > 0
        ? t("billing.trialLeft", { days: days(left), date: fullDayFmt.format(new Date(overview.trial_ends_at)) })
        : t("billing.trialEnded"));
    } else if (overview.period_end) {
      fact(t("billing.paidUntil"), fullDayFmt.format(new Date(overview.period_end)));
    }
    const notice = standingNotice(account, true, false);
    const standing = el("p", "standing" + (notice?.urgent ? " urgent" : ""),
      notice ? notice.text : overview.state === "active"
        ? t("billing.allGood") : "");
    standing.hidden = !standing.textContent;

    // Replies this period.
    const usage = el("div", "usage");
    const included = overview.included_replies;
    const meter = el("meter");
    meter.min = 0;
    meter.max = Math.max(included, 1);
    meter.value = Math.min(overview.replies, meter.max);
    meter.high = meter.max * 0.8;
    meter.setAttribute("aria-label", t("billing.meter"));
    const trial = overview.state === "trialing";
    const number = (n) => Number(n).toLocaleString(OtklikI18n.tag());
    usage.append(el("p", "", t(trial ? "billing.usageTrial" : "billing.usagePeriod",
      { replies: number(overview.replies), included: number(included) })), meter);
    if (!trial && current && overview.replies > included) {
      usage.append(el("p", "muted", t("billing.overage",
        { count: number(overview.replies - included), price: price(current.overage_per_reply, currency) })));
    }

    // The merchant's own cap.
    const cap = input("number", overview.reply_cap ?? "", { min: "0", step: "1", placeholder: t("billing.noCap") });
    const capForm = el("form", "form");
    const capError = el("p", "error");
    const capSave = el("button", "", t("billing.saveCap"));
    capSave.type = "submit";
    capForm.append(field(t("billing.cap"), cap, "reply_cap", t("billing.capHint")), capError, capSave);
    capForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      showErrors(capForm, null, capError);
      const value = cap.value.trim();
      try {
        await api("PUT", "/billing/reply-cap", { reply_cap: value === "" ? null : Number(value) });
        toast(value === "" ? t("billing.capRemoved") : t("billing.capSaved"));
        O.route();
      } catch (err) { showErrors(capForm, err, capError); }
    });

    // Plans on sale.
    const plans = el("div", "plans");
    const subscribed = overview.state === "active" && overview.payments_enabled;
    // Stripe changes a subscription's plan in place; a rouble shop pays for the new plan instead.
    const switches = subscribed && currency !== "RUB";
    for (const plan of overview.plans) {
      const card = el("article", "plan" + (plan.code === overview.plan && !trial ? " current" : ""));
      card.setAttribute("aria-label", t("billing.planNamed", { name: plan.name }));
      const perks = el("ul");
      perks.append(el("li", "", t("billing.included", { count: plan.included_replies.toLocaleString(OtklikI18n.tag()) })),
        el("li", "", t("billing.then", { price: price(plan.overage_per_reply, currency) })),
        el("li", "", t("billing.channels", { count: plan.channels })), el("li", "", t("billing.seats", { count: plan.operator_seats })));
      card.append(el("h3", "", plan.name), el("div", "price", t("billing.perMonth", { price: price(plan.monthly_price, currency) })), perks);
      const isCurrent = subscribed && plan.code === overview.plan;
      const choose = button(isCurrent ? t("billing.yours") : switches ? t("billing.switch") : t("billing.pay"), isCurrent ? "" : "primary");
      choose.disabled = isCurrent || !overview.payments_enabled;
      choose.addEventListener("click", async () => {
        choose.disabled = true;
        try {
          if (switches) {
            await api("POST", "/billing/plan", { plan: plan.code });
            toast(t("billing.switched", { name: plan.name }));
            O.route();
          } else {
            const back = location.origin + location.pathname + "#/billing";
            // The provider's page (YooKassa's card form) comes back to this page when done.
            const hosted = await api("POST", "/billing/checkout", { plan: plan.code, success_url: back, cancel_url: back });
            location.assign(hosted.url);
          }
        } catch (err) { toast(err.message); choose.disabled = false; }
      });
      card.append(choose);
      plans.append(card);
    }
    const plansSection = section(t("billing.plans"), plans);
    if (!overview.payments_enabled) {
      plansSection.append(el("p", "muted", t("billing.paymentsOff")));
    } else if (!subscribed) {
      plansSection.append(el("p", "muted", t("billing.cardNote")));
    }

    // The shop's requisites, which its acts name it by (shops paying in roubles).
    const roubleShop = currency === "RUB";
    const given = legal.requisites || {};
    const legalFields = {
      legal_name: input("text", given.legal_name, { maxlength: "300", autocomplete: "organization" }),
      inn: input("text", given.inn, { inputmode: "numeric", maxlength: "12" }),
      kpp: input("text", given.kpp, { maxlength: "9" }),
      ogrn: input("text", given.ogrn, { inputmode: "numeric", maxlength: "15" }),
      address: input("text", given.address, { maxlength: "500" }),
    };
    const legalForm = el("form", "form");
    const legalError = el("p", "error");
    const legalSave = el("button", "", t("billing.saveRequisites"));
    legalSave.type = "submit";
    legalForm.append(
      field(t("billing.legalName"), legalFields.legal_name, "legal_name", t("billing.legalNameHint")),
      field(t("billing.inn"), legalFields.inn, "inn", t("billing.innHint")),
      field(t("billing.kpp"), legalFields.kpp, "kpp", t("billing.kppHint")),
      field(t("billing.ogrn"), legalFields.ogrn, "ogrn", t("billing.ogrnHint")),
      field(t("billing.legalAddress"), legalFields.address, "address"),
      legalError, legalSave);
    legalForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      showErrors(legalForm, null, legalError);
      const body = Object.fromEntries(Object.entries(legalFields).map(([name, node]) => [name, node.value.trim()]));
      if (!body.kpp) body.kpp = null;
      try {
        await api("PUT", "/billing/requisites", body);
        toast(t("billing.requisitesSaved"));
      } catch (err) { showErrors(legalForm, err, legalError); }
    });

    // Invoices, and the act for each paid one.
    const rows = invoices.items.map((inv) => {
      const period = inv.period_start ? `${fullDayFmt.format(new Date(inv.period_start))} — ${inv.period_end ? fullDayFmt.format(new Date(inv.period_end)) : "…"}` : "—";
      const doc = inv.pdf_url || inv.hosted_url;
      const docs = el("div", "row-actions");
      if (doc) {
        const open = link(t("billing.open"), doc);
        open.target = "_blank"; open.rel = "noopener";
        docs.append(open);
      }
      if (inv.act_url) {
        docs.append(button(t("billing.act"), "", async () => {
          try { await O.download(inv.act_url, `akt-${inv.number}.html`); } catch (err) {
            toast(err.reason === "requisites_missing" ? t("billing.actNeedsRequisites") : err.message);
          }
        }));
      }
      return [inv.number || "—", period, price(inv.amount_due, inv.currency),
        label("invoiceStatus", inv.status) || "—", docs.childElementCount ? docs : "—"];
    });
    const legalSection = section(t("billing.requisites"), el("p", "muted", t("billing.requisitesHint")), legalForm);
    legalSection.hidden = !roubleShop;
    render(token, heading(t("billing.title")),
      section(t("billing.subscription"), facts, standing),
      section(t("billing.usage"), usage, capForm),
      plansSection,
      section(t("billing.invoices"), table([t("billing.number"), t("billing.period"), t("billing.amount"), t("billing.status"),
        t("billing.document")], rows, t("billing.invoicesLabel"))),
      legalSection);
  }

  // ---------- the first-run checklist on the start page ----------
  // Each step's words are `checklist.<step>` and `checklist.<step>Hint`.
  const STEPS = [
    ["marketplace_account", "#/channels"], ["channel", "#/channels"], ["knowledge_article", "#/knowledge"],
    ["colleague", "#/users"], ["webchat_tried", "#/channels"],
  ];
  const checklistHidden = () => STORE_CHECKLIST + O.state.me?.tenant?.id;
  const STORE_CHECKLIST = "otklik-dashboard-checklist-hidden-";

  async function loadChecklist() {
    const box = $("checklist");
    if (!O.state.me || !can("edit_settings") || localStorage.getItem(checklistHidden())) { box.hidden = true; return; }
    const progress = await api("GET", "/onboarding");
    box.hidden = progress.complete;
    if (progress.complete) return;
    const done = STEPS.filter(([key]) => progress[key]).length;
    $("checklist-count").textContent = t("checklist.count", { done, total: STEPS.length });
    $("checklist-steps").replaceChildren(...STEPS.map(([key, hash]) => {
      const li = el("li", progress[key] ? "done" : "");
      li.dataset.step = key;
      const mark = el("span", "mark", progress[key] ? "✓" : "○");
      mark.setAttribute("aria-label", progress[key] ? t("checklist.done") : t("checklist.notDone"));
      li.append(mark, link(t("checklist." + key), hash), el("span", "muted field-hint", t(`checklist.${key}Hint`)));
      return li;
    }));
  }
  $("checklist-dismiss").addEventListener("click", () => {
    localStorage.setItem(checklistHidden(), "1");
    $("checklist").hidden = true;
  });

  const PAGES = {
    customers: customersPage, knowledge: knowledgePage, "quick-replies": quickRepliesPage,
    channels: channelsPage, users: usersPage, settings: settingsPage, analytics: analyticsPage,
    billing: billingPage,
  };

  // ---------- screens before sign-in: an invitation, a forgotten password ----------
  /** Leaves a screen before sign-in for the sign-in form, with `notice` above it. */
  function backToLogin(screen, notice) {
    screen.remove();
    history.replaceState(null, "", location.pathname);
    O.showLogin(notice);
  }

  /**
   * A card in place of the sign-in form, for people who cannot sign in yet. `send` gets the
   * card's pieces and may throw; `refusals` words the statuses that mean more than a field error.
   */
  function entryScreen({ intro, controls, submitText, refusals, send }) {
    const form = el("form", "card");
    form.noValidate = true;
    const general = el("p", "error");
    general.setAttribute("role", "alert");
    const submit = el("button", "primary", submitText);
    submit.type = "submit";
    const screen = el("div", "login");
    const back = button(t("entry.back"), "link", () => backToLogin(screen));
    form.append(el("h1", "", t("app.brand")), el("p", "muted", intro), ...controls, general, submit, back);
    screen.append(form);
    $("login").hidden = true;
    document.body.prepend(screen);
    form.querySelector("input")?.focus();
    const words = { 429: t("entry.tooMany"), ...refusals };
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      showErrors(form, null, general);
      submit.disabled = true;
      try {
        await send({ form, screen, general });
      } catch (err) {
        if (words[err.status]) general.textContent = words[err.status];
        else showErrors(form, err, general);
      } finally { submit.disabled = false; }
    });
    return { form, screen };
  }

  function newPasswordField(password) {
    return field(t("login.password"), password, "password", t("entry.passwordHint"));
  }

  // Built only when the invitation link is opened, so the sign-in form stays the one password field.
  function acceptScreen(token) {
    const name = input("text", "", { autocomplete: "name" });
    const password = input("password", "", { autocomplete: "new-password", required: "" });
    entryScreen({
      intro: t("entry.acceptIntro"),
      controls: [field(t("entry.yourName"), name, "name"), newPasswordField(password)],
      submitText: t("entry.join"),
      refusals: { 404: t("entry.inviteNotFound"), 409: t("entry.inviteAccepted") },
      send: async ({ screen }) => {
        const session = await api("POST", "/invitations/accept",
          { token, name: name.value.trim(), password: password.value });
        O.saveSession(session);
        screen.remove();
        history.replaceState(null, "", location.pathname);
        O.start();
      },
    });
  }

  /** The e-mailed link sets a new password; every session ends, so the user signs in again. */
  function resetScreen(token) {
    const password = input("password", "", { autocomplete: "new-password", required: "" });
    const again = input("password", "", { autocomplete: "new-password", required: "" });
    entryScreen({
      intro: t("entry.resetIntro"),
      controls: [newPasswordField(password), field(t("entry.again"), again, "again")],
      submitText: t("entry.change"),
      refusals: { 404: t("entry.linkStale") },
      send: async ({ form, screen }) => {
        if (password.value !== again.value) {
          form.querySelector('.field-error[data-field="again"]').textContent = t("entry.mismatch");
          again.focus();
          return;
        }
        await api("POST", "/auth/password-reset/confirm", { token, password: password.value });
        O.saveSession(null);
        backToLogin(screen, t("entry.changed"));
      },
    });
  }

  /** Asks for the address; the answer is the same whether or not it has an account. */
  function forgotScreen() {
    const email = input("email", $("login-email").value.trim(), { autocomplete: "username", required: "" });
    entryScreen({
      intro: t("entry.forgotIntro"),
      controls: [field(t("login.email"), email, "email")],
      submitText: t("entry.send"),
      send: async ({ form }) => {
        if (!email.value.trim()) {
          form.querySelector('.field-error[data-field="email"]').textContent = t("entry.enterEmail");
          return;
        }
        await api("POST", "/auth/password-reset", { email: email.value.trim() });
        const sent = el("p", "notice", t("entry.sent"));
        sent.setAttribute("role", "status");
        form.replaceChildren(el("h1", "", t("app.brand")), sent, form.querySelector("button.link"));
      },
    });
  }
  $("forgot").addEventListener("click", forgotScreen);

  // Shop addresses are Latin; a Russian name is spelled out in it (ГОСТ 7.79-2000 system B, simplified).
  const LATIN = { а: "a", б: "b", в: "v", г: "g", д: "d", е: "e", ё: "yo", ж: "zh", з: "z", и: "i", й: "j",
    к: "k", л: "l", м: "m", н: "n", о: "o", п: "p", р: "r", с: "s", т: "t", у: "u", ф: "f", х: "x", ц: "c",
    ч: "ch", ш: "sh", щ: "shh", ъ: "", ы: "y", ь: "", э: "e", ю: "yu", я: "ya" };
  /** The shop's address in Otklik, made from its name; the random tail keeps two shops of one name apart. */
  function slugFor(name) {
    const latin = [...name.toLowerCase()].map((c) => LATIN[c] ?? c).join("")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
    const tail = Array.from(crypto.getRandomValues(new Uint8Array(3)), (b) => b.toString(36).padStart(2, "0")).join("");
    return (latin || "shop") + "-" + tail;
  }

  /**
   * A new shop and its admin. Both consents are required by law for a Russian service (the terms
   * as the contract; 152-FZ for the owner's personal data): the form refuses without them, and so
   * does the server.
   */
  function signupScreen() {
    const shopName = input("text", "", { autocomplete: "organization", required: "", maxlength: "200" });
    const email = input("email", $("login-email").value.trim(), { autocomplete: "username", required: "" });
    const password = input("password", "", { autocomplete: "new-password", required: "" });
    const terms = checkbox(t("signup.terms"), false, "accept_terms", t("signup.termsHint"));
    const personal = checkbox(t("signup.personal"), false, "accept_personal_data", t("signup.personalHint"));
    const { form } = entryScreen({
      intro: t("signup.intro"),
      controls: [field(t("signup.shopName"), shopName, "shop_name", t("signup.shopNameHint")),
        field(t("login.email"), email, "email", t("signup.emailHint")),
        newPasswordField(password), terms.node, personal.node],
      submitText: t("signup.create"),
      refusals: {},
      send: async ({ form: card, screen }) => {
        const say = (name, text) => { card.querySelector(`.field-error[data-field="${name}"]`).textContent = text; };
        const missing = [];
        if (!shopName.value.trim()) missing.push(["shop_name", t("problem.required")]);
        if (!email.value.trim()) missing.push(["email", t("entry.enterEmail")]);
        if (password.value.length < 10) missing.push(["password", t("problem.too_short", { min: 10 })]);
        if (!terms.box.checked) missing.push(["accept_terms", t("problem.consent_required")]);
        if (!personal.box.checked) missing.push(["accept_personal_data", t("problem.consent_required")]);
        if (missing.length) {
          for (const [name, text] of missing) say(name, text);
          card.querySelector(`[name="${missing[0][0]}"]`)?.focus();
          return;
        }
        const body = { shop_name: shopName.value.trim(), email: email.value.trim(), password: password.value,
          accept_terms: true, accept_personal_data: true, country: "RU" };
        let session = null;
        // A taken address is someone else's shop of the same name: another random tail settles it.
        for (let attempt = 0; attempt < 3 && !session; attempt += 1) {
          try {
            session = await api("POST", "/auth/signup", { ...body, slug: slugFor(body.shop_name) });
          } catch (err) {
            if (err.status !== 409) throw err;
            if (err.reason === "email_registered") {
              say("email", t("signup.emailTaken"));
              return;
            }
          }
        }
        if (!session) throw new Error(t("signup.failed"));
        O.saveSession(session);
        screen.remove();
        history.replaceState(null, "", location.pathname);
        O.start();
      },
    });
    form.classList.add("signup");
  }
  $("signup").addEventListener("click", signupScreen);

  /** Opens the screen an e-mailed link points to; false when the address is no such link. */
  O.entryLink = () => {
    const invitation = /^#\/invitation\/([A-Za-z0-9_-]+)$/.exec(location.hash);
    if (invitation) { acceptScreen(invitation[1]); return true; }
    const reset = /^#\/reset\/([A-Za-z0-9_-]+)$/.exec(location.hash);
    if (reset) { resetScreen(reset[1]); return true; }
    return false;
  };
})();
