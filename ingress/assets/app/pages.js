// Отклик dashboard pages beside the conversations: customers, knowledge base, quick replies,
// channels, people and settings. Served after app.js in the same file; uses its helpers.
"use strict";
(() => {
  const O = window.Otklik;
  const { $, api, el, toast, can, when } = O;

  const ROLES = { admin: "Администратор", operator: "Оператор", viewer: "Наблюдатель" };
  const ARTICLE_STATUSES = { draft: "Черновик", approved: "Опубликована", archived: "В архиве" };
  const VERSION_STATUSES = { draft: "Черновик", live: "Действующая" };
  const RESPONDERS = { local: "Встроенная модель", openai: "OpenAI", yandexgpt: "YandexGPT" };
  const MARKETPLACES = { wb: "Wildberries", ozon: "Ozon" };

  /** «N знаков» after «до», «не больше», «не короче»: one form for 1, 21, 31…, another for the rest. */
  function chars(n) {
    return `${n} ${n % 10 === 1 && n % 100 !== 11 ? "знака" : "знаков"}`;
  }
  function items(n) {
    return `${n} ${n % 10 === 1 && n % 100 !== 11 ? "значения" : "значений"}`;
  }

  // The API names each field's problem with a stable code and its parameters; operators read it
  // in Russian. The ingress's tests check that every code it sends has a line here.
  const PROBLEMS = {
    required: () => "Заполните это поле",
    too_short: ({ min }) => `Не короче ${chars(min)}`,
    too_long: ({ max }) => `Не больше ${chars(max)}`,
    length_out_of_range: ({ min, max }) => `От ${min} до ${chars(max)}`,
    not_one_line: () => "Одна строка без служебных символов",
    invalid_email: () => "Это не похоже на адрес эл. почты",
    consent_required: () => "Без этого согласия зарегистрироваться нельзя",
    invalid_slug: ({ min, max }) => `От ${min} до ${chars(max)}: строчные латинские буквы, цифры и дефис; первый знак — буква или цифра`,
    invalid_shortcut: ({ max }) => `От 1 до ${chars(max)}: строчные латинские буквы, цифры, _ и -`,
    not_http_url: () => "Укажите адрес, который начинается с http:// или https://",
    not_text: () => "Здесь нужен текст",
    nul_character: () => "В тексте есть недопустимый нулевой символ (U+0000): уберите его",
    not_own_origin: () => "Ссылка должна вести на этот же сайт",
    not_object: () => "Здесь нужен набор полей, а не одно значение",
    unexpected_keys: ({ expected }) => `Укажите только эти поля: ${expected.join(", ")}`,
    not_one_of: () => "Выберите значение из списка",
    unknown_values: ({ values }) => `Неизвестные значения: ${values.join(", ")}`,
    none_chosen: () => "Выберите хотя бы один вариант",
    too_many: ({ max }) => `Не больше ${items(max)}`,
    item_too_long: ({ max }) => `Каждое значение — не больше ${chars(max)}`,
    invalid_tag: ({ max }) => `Каждый тег — от 1 до ${chars(max)}, без запятых и точек с запятой`,
    out_of_range: ({ min, max }) => max === undefined
      ? `Укажите число не меньше ${min} или оставьте поле пустым`
      : `Укажите число от ${min} до ${max} или оставьте поле пустым`,
    invalid_hours: () => "Укажите часы от 0 до 24; начало должно быть раньше конца",
    nothing_to_change: () => "Измените хотя бы одно поле",
    key_reused: () => "Запрос с этим ключом уже отправлялся с другими данными",
    no_such_user: () => "Такого сотрудника в магазине нет или его доступ отключён",
    viewer_cannot_handle: () => "Наблюдатель не может вести разговоры — выберите администратора или оператора",
    own_account: () => "Свою роль и доступ изменить нельзя — попросите другого администратора",
    shortcut_taken: () => "Это сокращение уже занято другим быстрым ответом",
    bot_token_malformed: () => "Токен выглядит так: 123456789:AA… — скопируйте его у @BotFather",
    bot_token_rejected: () => "Telegram не принял этот токен — скопируйте его заново у @BotFather",
    max_token_rejected: () => "MAX не принял этот токен — скопируйте его заново на business.max.ru в разделе «Чат-боты»",
    vk_token_rejected: () => "ВКонтакте не принял этот ключ — создайте ключ доступа сообщества с правами на управление сообществом и сообщения",
    vk_community_not_managed: () => "Этот ключ не от этого сообщества или без нужных прав — проверьте ID сообщества и права ключа",
    whatsapp_number_id_malformed: ({ max }) => `Идентификатор номера — до ${max} цифр из WhatsApp Manager («Настройка API»), а не сам номер телефона`,
    whatsapp_token_rejected: () => "Meta не принимает этот ключ доступа — создайте постоянный ключ системного пользователя с разрешением whatsapp_business_messaging",
    whatsapp_number_not_accessible: () => "С этим ключом номер недоступен — проверьте идентификатор номера и доступ системного пользователя к аккаунту WhatsApp Business",
    payload_undecodable: () => "Данные этого задания больше не читаются, повторить его нельзя",
    plan_unavailable: () => "Этот тариф сейчас выбрать нельзя",
    wrong_field_count: ({ expected, found }) => `Полей в строке: ${found}, а в заголовке: ${expected}`,
    before_first_heading: () => "Текст до первого заголовка «# Название» не относится ни к одной статье",
    no_articles: () => "В файле не нашлось ни одной статьи",
    invalid_period: (p) => `Начало периода должно быть не позже конца, а сам период — не длиннее ${p.max_days} дней`,
  };
  /** A field's problem in Russian, by its code; a code we do not know keeps the server's words. */
  function ru(f) {
    const text = PROBLEMS[f.code];
    return text ? text(f) : f.message;
  }
  /** A field error as shown: an imported file's row first (the server's own message names it). */
  function fieldText(f) {
    return f.row && PROBLEMS[f.code] ? `строка ${f.row}: ${ru(f)}` : ru(f);
  }
  O.describeField = fieldText;
  /** What a request collided with, or which service failed, by the envelope's `reason`. */
  const REASONS = {
    email_registered: () => "Этот адрес эл. почты уже зарегистрирован — войдите или восстановите пароль",
    slug_taken: () => "Этот адрес магазина уже занят — выберите другой",
    already_member: () => "У человека с этим адресом уже есть доступ к магазину",
    billing_off: () => "Оплата в этой установке не подключена",
    currency_off: () => "Оплата в валюте вашего магазина пока не подключена",
    refund_refused: () => "Вернуть этот платёж нельзя — проверьте платёж и сумму",
    // Said in Russian by the server, with the plan's names.
    plan_limit: (e) => e.message,
    request_in_progress: () => "Этот запрос ещё выполняется — подождите несколько секунд и обновите страницу",
    conversation_closed: () => "Разговор уже закрыт — откройте его снова, чтобы ответить",
    not_a_draft: () => "Этот черновик уже отправлен или заменён",
    nothing_answered: () => "В этом разговоре ещё нечего оценивать",
    already_rated: () => "Этот разговор уже оценён",
    telegram: () => "Telegram сейчас отвечает с ошибкой — попробуйте ещё раз через минуту",
    max: () => "MAX сейчас отвечает с ошибкой — попробуйте ещё раз через минуту",
    vk: () => "ВКонтакте сейчас отвечает с ошибкой — попробуйте ещё раз через минуту",
    whatsapp: () => "WhatsApp сейчас отвечает с ошибкой — попробуйте ещё раз через минуту",
    payments: () => "Платёжный сервис сейчас не отвечает — попробуйте ещё раз через несколько минут",
  };
  /** The rest by the envelope's `code`. */
  const CODES = {
    bad_request: () => "Запрос не удалось прочитать — обновите страницу и попробуйте снова",
    too_large: () => "Слишком большой объём данных — сократите текст или файл",
    unauthenticated: () => "Сессия истекла, войдите снова",
    invalid_credentials: () => "Неверная почта или пароль",
    forbidden: () => "Вашей роли это недоступно",
    not_found: () => "Не найдено — возможно, запись уже удалили",
    conflict: () => "Такая запись уже есть",
    too_many_requests: () => "Слишком много попыток подряд — подождите немного и попробуйте снова",
    unavailable: () => "Сервис ненадолго недоступен — попробуйте ещё раз через несколько секунд",
    upstream_failed: () => "Внешний сервис сейчас не отвечает — попробуйте ещё раз через минуту",
    internal: (e) => {
      const id = /error id (\w+)/.exec(e.message || "")?.[1];
      return "Что-то пошло не так на нашей стороне. Попробуйте ещё раз" + (id ? `; если повторится, сообщите в поддержку код ${id}` : "");
    },
  };
  /** An error without fields in Russian; never the server's English words. */
  O.describeError = (error, status) => {
    const text = REASONS[error?.reason] || CODES[error?.code];
    return text ? text(error) : `Не получилось (ошибка ${status}) — попробуйте ещё раз`;
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
      dialog.setAttribute("aria-label", "Подтверждение");
      const ok = button(okText, "danger", () => dialog.close("ok"));
      const cancel = button("Отмена", "", () => dialog.close("cancel"));
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
      const td = el("td", "muted", "Здесь пока пусто");
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
    $("page").replaceChildren(el("p", "muted loading", "Загружаем…"));
    page(token, match[2]).catch((e) => render(token, el("p", "error", e.message)));
  }
  O.route = route;
  window.addEventListener("hashchange", () => { if (O.state.me && !$("shell").hidden) route(); });

  // ---------- customers ----------
  async function customersPage(token, id) {
    if (id) return customerPage(token, Number(id));
    const search = input("search", "", { placeholder: "Имя или логин", "aria-label": "Поиск покупателей" });
    const holder = el("div");
    const more = button("Показать ещё", "ghost");
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
      holder.replaceChildren(table(["Покупатель", "Логин", "Канал", "Диалогов", "Последний раз"],
        rows.map((c) => [link(O.customerName({ customer: c }), `#/customers/${c.id}`),
          c.username ? "@" + c.username : "—", channelLabel(c.channel), String(c.conversation_count ?? 0),
          when(c.last_seen_at)]), "Покупатели"));
    };
    search.addEventListener("input", debounce(() => load(false).catch((e) => toast(e.message)), 250));
    more.addEventListener("click", () => load(true).catch((e) => toast(e.message)));
    await load(false);
    const bar = el("div", "toolbar");
    bar.append(search);
    render(token, heading("Покупатели"), bar, holder, more);
  }

  function channelLabel(channel) {
    if (!channel) return "—";
    const kind = O.CHANNELS[channel.kind] || channel.kind;
    return channel.name ? `${channel.name} · ${kind}` : kind;
  }

  async function customerPage(token, id) {
    const c = await api("GET", `/customers/${id}`);
    const info = el("dl", "facts");
    const fact = (term, value) => info.append(el("dt", "", term), el("dd", "", value || "—"));
    fact("Логин", c.username ? "@" + c.username : "");
    fact("Канал", channelLabel(c.channel));
    fact("Впервые", when(c.created_at));
    fact("Последний раз", when(c.last_seen_at));

    const conversations = el("ul", "rows");
    for (const conv of c.conversations || []) {
      const li = el("li");
      const open = button(`Диалог №${conv.id}`, "link", () => { location.hash = "#c" + conv.id; });
      li.append(open, el("span", "badge", O.MODES[conv.mode] || conv.mode),
        el("span", "muted", "последнее сообщение " + when(conv.last_message_at)));
      conversations.append(li);
    }
    if (!conversations.childElementCount) conversations.append(el("li", "muted", "Диалогов нет"));

    const orders = el("ul", "rows");
    for (const o of c.orders || []) {
      const li = el("li", "order");
      const head = el("div", "order-head");
      head.append(el("strong", "", "Заказ " + (o.number || o.id)),
        el("span", "badge", O.ORDER_STATUSES[o.status] || o.status || "—"),
        el("span", "muted", (MARKETPLACES[o.marketplace] || o.marketplace || "") + " · " + when(o.placed_at)));
      li.append(head);
      const items = el("ul", "items");
      for (const item of o.items || []) {
        const name = item.title || item.name || (item.article ? "арт. " + item.article : "Товар");
        items.append(el("li", "", name + (item.quantity > 1 ? " × " + item.quantity : "")));
      }
      if (items.childElementCount) li.append(items);
      const money = O.money(o.total_minor, o.currency);
      if (money) li.append(el("div", "muted", "Сумма: " + money));
      for (const r of o.returns || []) {
        li.append(el("div", "return", "Возврат: " + (r.status_text || O.RETURN_STATUSES[r.status] || r.status)
          + (r.product_name ? " — " + r.product_name : "") + (r.reason ? " (" + r.reason + ")" : "")));
      }
      orders.append(li);
    }
    if (!orders.childElementCount) orders.append(el("li", "muted", "Заказов с маркетплейсов нет"));

    const products = el("ul", "rows");
    for (const p of c.products || []) {
      products.append(el("li", "", (p.title || "Товар") + " · арт. " + p.article
        + (p.price_minor ? " · " + O.money(p.price_minor, p.currency) : "")
        + (p.stock === 0 ? " · нет в наличии" : "")));
    }
    if (!products.childElementCount) products.append(el("li", "muted", "О товарах не спрашивал"));

    const name = O.customerName({ customer: c });
    const columns = el("div", "columns");
    columns.append(section("Диалоги", conversations), section("Заказы", orders), section("Спрашивал о товарах", products));
    render(token, link("← Все покупатели", "#/customers"), heading(name), section("", info), columns);
  }

  // ---------- knowledge base ----------
  async function knowledgePage(token, id) {
    if (id) return articlePage(token, id === "new" ? null : Number(id));
    const edit = can("edit_knowledge");
    const q = input("search", "", { placeholder: "Поиск по статьям", "aria-label": "Поиск по статьям" });
    const status = select({ "": "Все статусы", ...ARTICLE_STATUSES }, "");
    status.setAttribute("aria-label", "Статус");
    const category = input("text", "", { placeholder: "Категория", "aria-label": "Категория" });
    const tag = input("text", "", { placeholder: "Тег", "aria-label": "Тег" });
    const holder = el("div");
    const more = button("Показать ещё", "ghost");
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
      holder.replaceChildren(table(["Статья", "Категория", "Теги", "Статус", "Версия", "Использована", "Изменена"],
        rows.map((a) => [link(a.title, `#/knowledge/${a.id}`), a.category || "—", (a.tags || []).join(", ") || "—",
          articleStatus(a), a.live_version ? `${a.live_version} из ${a.latest_version}` : `— из ${a.latest_version}`,
          timesText(a.usage_count), when(a.updated_at)]), "Статьи базы знаний"));
    };
    const reload = debounce(() => load(false).catch((e) => toast(e.message)), 250);
    for (const control of [q, category, tag]) control.addEventListener("input", reload);
    status.addEventListener("change", reload);
    more.addEventListener("click", () => load(true).catch((e) => toast(e.message)));
    await load(false);

    const actions = [];
    if (edit) {
      actions.push(button("Новая статья", "primary", () => { location.hash = "#/knowledge/new"; }));
      const file = input("file", undefined, { accept: ".csv,.md,.markdown,text/csv,text/markdown", "aria-label": "Файл для импорта" });
      file.hidden = true;
      file.addEventListener("change", async () => {
        const chosen = file.files[0];
        file.value = "";
        if (chosen) await importFile(chosen, () => load(false));
      });
      actions.push(file, button("Импорт CSV или Markdown", "", () => file.click()));
    }
    const bar = el("div", "toolbar");
    bar.append(q, status, category, tag);
    render(token, heading("База знаний", ...actions), bar, holder, more);
  }

  function articleStatus(a) {
    const text = ARTICLE_STATUSES[a.status] || a.status;
    return a.status === "approved" && a.draft_version ? text + ", есть черновик" : text;
  }

  function timesText(n) {
    n = Number(n || 0);
    const mod10 = n % 10, mod100 = n % 100;
    const word = mod10 === 1 && mod100 !== 11 ? "раз" : mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14) ? "раза" : "раз";
    return `${n} ${word}`;
  }

  async function importFile(file, after) {
    const markdown = /\.(md|markdown)$/i.test(file.name) || file.type === "text/markdown";
    try {
      const result = await api("POST", "/knowledge/import", new O.RawBody(await file.text(), markdown ? "text/markdown" : "text/csv"));
      const created = result.created?.length || 0;
      const problems = (result.errors || []).map(fieldText);
      toast(`Импортировано статей: ${created}` + (problems.length ? `. Не удалось: ${problems.join("; ")}` : ""));
      await after();
    } catch (e) { toast("Импорт не удался: " + e.message); }
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
    form.append(field("Заголовок", title, "title"), field("Категория", category, "category"),
      field("Теги", tags, "tags", "Через запятую"), field("Текст", body, "body"), general);
    if (edit) {
      const save = el("button", "primary", article ? "Сохранить новую версию" : "Создать статью");
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
        toast(article ? "Сохранено как новая версия — одобрите её, чтобы ассистент начал ею пользоваться" : "Статья создана как черновик");
        if (article) route();
        else location.hash = `#/knowledge/${saved.id}`;
      } catch (err) { showErrors(form, err, general); }
    });

    const actions = [];
    if (article && can("edit_knowledge") && article.status !== "archived") {
      actions.push(button("В архив", "danger", async () => {
        if (!(await confirmAction(`Убрать статью «${article.title}» в архив? Ассистент перестанет на неё опираться.`, "В архив"))) return;
        try { await api("POST", `/knowledge/articles/${article.id}/archive`); toast("Статья в архиве"); route(); } catch (e) { toast(e.message); }
      }));
    }
    const parts = [link("← Все статьи", "#/knowledge"),
      heading(article ? article.title : "Новая статья", ...actions)];
    if (article) {
      const facts = el("p", "muted");
      facts.textContent = `${articleStatus(article)} · действующая версия: ${article.live_version ?? "нет"} · `
        + `ассистент использовал статью ${timesText(article.usage_count)}`;
      parts.push(facts);
    }
    const columns = el("div", "columns wide-left");
    columns.append(section(article ? "Редактирование" : "", form));
    if (article) columns.append(section("Версии", versionsList(article)));
    parts.push(columns);
    render(token, ...parts);
  }

  function versionsList(article) {
    const list = el("ul", "rows versions");
    for (const v of article.versions || []) {
      const li = el("li");
      const head = el("div", "order-head");
      head.append(el("strong", "", `Версия ${v.version}`),
        el("span", "badge " + (v.status === "live" ? "ok" : ""), VERSION_STATUSES[v.status] || "Прежняя"),
        el("span", "muted", when(v.created_at)));
      li.append(head);
      const text = el("details");
      text.append(el("summary", "", v.title), el("div", "version-body", v.body));
      li.append(text);
      if (can("edit_knowledge") && article.status !== "archived" && v.status !== "live") {
        const newer = v.version > (article.live_version ?? 0);
        const label = newer ? "Одобрить" : "Вернуть эту версию";
        li.append(button(label, newer ? "primary" : "", async () => {
          try {
            await api("POST", `/knowledge/articles/${article.id}/versions/${v.version}/approve`);
            toast(newer ? `Версия ${v.version} одобрена — ассистент отвечает по ней` : `Статья возвращена к версии ${v.version}`);
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
    const shortcut = input("text", "", { maxlength: "32", placeholder: "например, dostavka" });
    const text = input("textarea", "", { rows: "3", maxlength: "4096" });
    const general = el("p", "error");
    let editing = null;
    const save = el("button", "primary", "Добавить");
    save.type = "submit";
    const cancel = button("Отмена", "", () => reset());
    cancel.hidden = true;
    const foot = el("div", "form-foot");
    foot.append(general, el("span", "grow"), cancel, save);
    form.append(field("Название", title, "title"), field("Сокращение", shortcut, "shortcut", "Вызывается через / в ответе"),
      field("Текст ответа", text, "text"), foot);
    const reset = () => {
      editing = null;
      title.value = shortcut.value = text.value = "";
      save.textContent = "Добавить";
      cancel.hidden = true;
      showErrors(form, null, general);
    };
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const payload = { title: title.value.trim(), text: text.value.trim(), shortcut: shortcut.value.trim() || null };
      try {
        if (editing) await api("PATCH", `/quick-replies/${editing.id}`, payload);
        else await api("POST", "/quick-replies", payload);
        toast(editing ? "Быстрый ответ изменён" : "Быстрый ответ добавлен");
        route();
      } catch (err) { showErrors(form, err, general); }
    });
    const rows = page.items.map((r) => {
      const actions = el("div", "row-actions");
      if (editable) {
        actions.append(button("Изменить", "", () => {
          editing = r;
          title.value = r.title;
          shortcut.value = r.shortcut || "";
          text.value = r.text;
          save.textContent = "Сохранить";
          cancel.hidden = false;
          title.focus();
        }), button("Удалить", "danger", async () => {
          if (!(await confirmAction(`Удалить быстрый ответ «${r.title}»?`, "Удалить"))) return;
          try { await api("DELETE", `/quick-replies/${r.id}`); toast("Быстрый ответ удалён"); route(); } catch (e) { toast(e.message); }
        }));
      }
      return [r.title, r.shortcut ? "/" + r.shortcut : "—", el("span", "clip", r.text), actions];
    });
    const parts = [heading("Быстрые ответы")];
    if (editable) parts.push(section("Новый или изменённый ответ", form));
    parts.push(table(["Название", "Сокращение", "Текст", ""], rows, "Быстрые ответы"));
    render(token, ...parts);
  }

  // ---------- channels ----------
  async function channelsPage(token) {
    const [channels, accounts] = await Promise.all([
      api("GET", "/channels"),
      marketplaceAccounts(),
    ]);
    const parts = [heading("Каналы"), channelTable(channels.items)];
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
        actions.append(button("Отключить", "danger", async () => {
          if (!(await confirmAction(`Отключить канал «${c.name}»? Новые сообщения из него перестанут приходить, диалоги останутся.`, "Отключить"))) return;
          try { await api("DELETE", `/channels/${c.id}`); toast("Канал отключён"); route(); } catch (e) { toast(e.message); }
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
      kind.append(O.channelIcon(c.kind), " ", O.CHANNELS[c.kind] || c.kind);
      return [c.name, kind,
        el("span", "badge " + (c.enabled ? "ok" : "off"), c.enabled ? "Работает" : "Отключён"), address, actions];
    });
    return table(["Название", "Тип", "Состояние", "Адрес", ""], rows, "Каналы");
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
    const name = input("text", "", { maxlength: "100", placeholder: "Бот магазина" });
    const token = input("password", "", { autocomplete: "off", placeholder: "123456789:AA…" });
    const general = el("p", "error");
    const save = el("button", "primary", "Подключить бота");
    save.type = "submit";
    form.append(field("Название", name, "name"), field("Токен бота", token, "bot_token", "Выдаёт @BotFather в Telegram"), general, save);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      save.disabled = true;
      try {
        await api("POST", "/channels/telegram", { name: name.value.trim(), bot_token: token.value.trim() });
        toast("Telegram-бот подключён");
        route();
      } catch (err) { showErrors(form, err, general); } finally { save.disabled = false; }
    });
    return section("Подключить Telegram-бота", form);
  }

  /** Numbered steps a seller follows outside Отклик before pasting what they got. */
  function steps(...lines) {
    const list = el("ol", "steps");
    for (const line of lines) list.append(el("li", "", line));
    return list;
  }

  function maxForm() {
    const form = el("form", "form");
    form.noValidate = true;
    const name = input("text", "", { maxlength: "100", placeholder: "Бот магазина в MAX" });
    const token = input("password", "", { autocomplete: "off", placeholder: "Токен из business.max.ru" });
    const { node: groups, box: groupsBox } = checkbox("Отвечать и в групповых чатах", false, "group_chats",
      "Если выключено, бот отвечает только в личных диалогах.");
    const general = el("p", "error");
    const save = el("button", "primary", "Подключить MAX");
    save.type = "submit";
    form.append(
      steps(
        "Войдите на business.max.ru под учётной записью магазина — ИП или организации, прошедших проверку.",
        "В разделе чат-ботов создайте бота: название и аватар увидят покупатели.",
        "Откройте настройки бота и скопируйте его токен.",
        "Вставьте токен сюда и нажмите «Подключить MAX» — Отклик проверит токен и сам подпишется на сообщения бота.",
      ),
      field("Название", name, "name"),
      field("Токен бота", token, "bot_token", "Токен не показывается после сохранения"),
      groups, general, save);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      save.disabled = true;
      try {
        await api("POST", "/channels/max", { name: name.value.trim(), bot_token: token.value.trim(), group_chats: groupsBox.checked });
        toast("Бот MAX подключён");
        route();
      } catch (err) { showErrors(form, err, general); } finally { save.disabled = false; }
    });
    return section("Подключить бота MAX", form);
  }

  function vkForm() {
    const form = el("form", "form");
    form.noValidate = true;
    const name = input("text", "", { maxlength: "100", placeholder: "Сообщество ВКонтакте" });
    const group = input("text", "", { inputmode: "numeric", autocomplete: "off", placeholder: "Например, 218000111" });
    const token = input("password", "", { autocomplete: "off", placeholder: "vk1.a.…" });
    const { node: groups, box: groupsBox } = checkbox("Отвечать и в беседах", false, "group_chats",
      "Если выключено, сообщество отвечает только в личных сообщениях.");
    const general = el("p", "error");
    const save = el("button", "primary", "Подключить ВКонтакте");
    save.type = "submit";
    form.append(
      steps(
        "В сообществе откройте «Управление» → «Сообщения» и включите сообщения сообщества.",
        "Там же, в «Настройках для бота», включите возможности ботов.",
        "В «Управление» → «Работа с API» → «Ключи доступа» создайте ключ с доступом к управлению сообществом и к сообщениям сообщества.",
        "Скопируйте ключ и ID сообщества — число из адреса vk.com/club…; если у сообщества короткий адрес, ID показан в «Работа с API» → «Callback API».",
        "Вставьте их сюда и нажмите «Подключить ВКонтакте» — сервер для уведомлений Отклик добавит и подтвердит сам.",
      ),
      field("Название", name, "name"),
      field("ID сообщества", group, "group_id", "Только цифры, без «club» и «public»"),
      field("Ключ доступа сообщества", token, "access_token", "Ключ не показывается после сохранения"),
      groups, general, save);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const id = group.value.trim().replace(/^(club|public)/, "");
      if (!/^\d{1,19}$/.test(id)) {
        showErrors(form, { fields: [{ field: "group_id", message: "Укажите ID сообщества цифрами" }] }, general);
        return;
      }
      save.disabled = true;
      try {
        await api("POST", "/channels/vk", { name: name.value.trim(), group_id: Number(id), access_token: token.value.trim(), group_chats: groupsBox.checked });
        toast("Сообщество ВКонтакте подключено");
        route();
      } catch (err) { showErrors(form, err, general); } finally { save.disabled = false; }
    });
    return section("Подключить сообщество ВКонтакте", form);
  }

  function whatsappForm() {
    const form = el("form", "form");
    form.noValidate = true;
    const name = input("text", "", { maxlength: "100", placeholder: "WhatsApp магазина" });
    const number = input("text", "", { inputmode: "numeric", autocomplete: "off", placeholder: "Например, 106540352242922" });
    const token = input("password", "", { autocomplete: "off", placeholder: "EAAG…" });
    const secret = input("password", "", { autocomplete: "off", placeholder: "32 символа из настроек приложения" });
    // A random verify token to start with: 32 hex characters.
    const suggested = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
    const verify = input("text", suggested, { autocomplete: "off", maxlength: "512" });
    const general = el("p", "error");
    const result = el("div", "result");
    result.hidden = true;
    const save = el("button", "primary", "Подключить WhatsApp");
    save.type = "submit";
    form.append(
      steps(
        "В Meta for Developers создайте приложение типа «Бизнес» и добавьте в него продукт WhatsApp.",
        "В WhatsApp Manager, в разделе «Настройка API», скопируйте идентификатор номера телефона (Phone number ID).",
        "В Business Manager создайте системного пользователя, дайте ему доступ к аккаунту WhatsApp Business и выпустите постоянный ключ доступа с разрешением whatsapp_business_messaging.",
        "В настройках приложения («Основное») скопируйте секрет приложения.",
        "Нажмите «Подключить WhatsApp», затем в настройках вебхука WhatsApp в приложении укажите показанный адрес и проверочный токен и подпишитесь на поле messages.",
      ),
      field("Название", name, "name"),
      field("Идентификатор номера", number, "phone_number_id", "Только цифры — это не номер телефона"),
      field("Ключ доступа", token, "access_token", "Ключ не показывается после сохранения"),
      field("Секрет приложения", secret, "app_secret", "Им WhatsApp подписывает каждое уведомление"),
      field("Проверочный токен", verify, "verify_token", "Любая строка; её же нужно ввести в настройках вебхука"),
      general, save, result);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const id = number.value.trim();
      if (!/^\d{1,20}$/.test(id)) {
        showErrors(form, { fields: [{ field: "phone_number_id", message: "Укажите идентификатор номера цифрами" }] }, general);
        return;
      }
      save.disabled = true;
      try {
        const channel = await api("POST", "/channels/whatsapp", { name: name.value.trim(), phone_number_id: id,
          access_token: token.value.trim(), app_secret: secret.value.trim(), verify_token: verify.value.trim() });
        showErrors(form, null, general);
        toast("Номер WhatsApp подключён");
        const hook = input("text", channel.webhook_url, { readonly: "", "aria-label": "Адрес вебхука" });
        const verifyCopy = input("text", verify.value.trim(), { readonly: "", "aria-label": "Проверочный токен" });
        result.replaceChildren(
          el("p", "", `Номер ${channel.display_phone_number || id} подключён. Укажите в настройках вебхука WhatsApp в приложении Meta этот адрес:`),
          hook, el("p", "", "и проверочный токен:"), verifyCopy,
          el("p", "", "Затем подпишитесь на поле messages — сообщения покупателей начнут приходить сюда."));
        result.hidden = false;
        // The secrets are not kept on screen, and a second press cannot connect the number twice.
        token.value = "";
        secret.value = "";
        refreshChannelTable();
      } catch (err) { showErrors(form, err, general); } finally { save.disabled = false; }
    });
    return section("Подключить WhatsApp Business", form);
  }

  function webchatForm() {
    const form = el("form", "form");
    form.noValidate = true;
    const name = input("text", "", { maxlength: "100", placeholder: "Чат на сайте" });
    const general = el("p", "error");
    const result = el("div", "result");
    result.hidden = true;
    const save = el("button", "primary", "Создать веб-чат");
    save.type = "submit";
    form.append(field("Название", name, "name"), general, save, result);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const channel = await api("POST", "/channels/webchat", { name: name.value.trim() });
        showErrors(form, null, general);
        const snippet = `<a href="${channel.chat_url}" target="_blank" rel="noopener">Написать нам</a>`;
        const url = input("text", channel.chat_url, { readonly: "", "aria-label": "Ссылка на веб-чат" });
        const code = input("textarea", snippet, { readonly: "", rows: "2", "aria-label": "Код для сайта" });
        result.replaceChildren(el("p", "", "Веб-чат создан. Ссылка на страницу чата:"), url,
          el("p", "", "Код кнопки для вашего сайта:"), code);
        result.hidden = false;
        name.value = "";
        refreshChannelTable();
      } catch (err) { showErrors(form, err, general); }
    });
    return section("Создать веб-чат", form);
  }

  const ACCOUNT_STATUSES = { checking: "Проверяется", connected: "Подключён", rejected: "Данные не подошли", disconnected: "Отключён" };
  const SYNC_STATUSES = { idle: "", running: "синхронизируется", failing: "синхронизация не удаётся" };

  /** The accounts with their check results; admins connect, re-check and disconnect here. */
  function marketplaceSection(accounts) {
    if (!accounts) {
      return section("Кабинеты Wildberries и Ozon",
        el("p", "error", "Не удалось загрузить кабинеты маркетплейсов. Обновите страницу."));
    }
    const rows = (accounts.items || []).map((a) => {
      const state = el("div");
      state.append(el("span", "badge " + (a.status === "connected" ? "ok" : "off"), ACCOUNT_STATUSES[a.status] || a.status));
      const sync = SYNC_STATUSES[a.sync_status];
      if (sync) state.append(el("div", "muted", sync));
      for (const text of a.problems || []) state.append(el("div", "error", text));
      for (const text of a.notes || []) state.append(el("div", "muted", text));
      const actions = el("div", "row-actions");
      if (can("manage_channels") && a.status !== "disconnected") {
        actions.append(button("Отключить", "danger", async () => {
          if (!(await confirmAction(`Отключить кабинет «${a.name}»? Синхронизация и ответы в нём остановятся, загруженные заказы останутся.`, "Отключить"))) return;
          try { await api("DELETE", `/marketplace-accounts/${a.id}`); toast("Кабинет отключён"); route(); } catch (e) { toast(e.message); }
        }));
      }
      return [a.name || "—", MARKETPLACES[a.marketplace] || a.marketplace || "—", state, when(a.last_synced_at), actions];
    });
    const parts = [table(["Название", "Маркетплейс", "Состояние", "Синхронизирован", ""], rows, "Кабинеты маркетплейсов")];
    if (can("manage_channels")) parts.push(marketplaceForm());
    return section("Кабинеты Wildberries и Ozon", ...parts);
  }

  /** Connects a WB or Ozon account: the server checks the credentials in the background, so the
   * page waits for the check's result for a while and then shows it. */
  function marketplaceForm() {
    const form = el("form", "form");
    form.noValidate = true;
    const market = select(MARKETPLACES, "wb");
    const name = input("text", "", { maxlength: "100", placeholder: "Кабинет WB" });
    const wbToken = input("password", "", { autocomplete: "off", placeholder: "eyJhbGciOi…" });
    const clientId = input("text", "", { autocomplete: "off", inputmode: "numeric", placeholder: "123456" });
    const apiKey = input("password", "", { autocomplete: "off", placeholder: "xxxxxxxx-xxxx-…" });
    const wbFields = field("Токен API", wbToken, "credentials.token", "Кабинет продавца WB → Настройки → Доступ к API");
    const ozonFields = el("div");
    ozonFields.append(field("Client ID", clientId, "credentials.client_id"),
      field("API-ключ", apiKey, "credentials.api_key", "Кабинет продавца Ozon → Настройки → Seller API"));
    const general = el("p", "error");
    const save = el("button", "primary", "Подключить кабинет");
    save.type = "submit";
    const choose = () => {
      wbFields.hidden = market.value !== "wb";
      ozonFields.hidden = market.value !== "ozon";
    };
    market.addEventListener("change", choose);
    choose();
    form.append(el("h3", "", "Подключить кабинет"), field("Маркетплейс", market, "marketplace"),
      field("Название", name, "name"), wbFields, ozonFields, general, save);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      save.disabled = true;
      const credentials = market.value === "wb"
        ? { token: wbToken.value.trim() }
        : { client_id: clientId.value.trim(), api_key: apiKey.value.trim() };
      try {
        const account = await api("POST", "/marketplace-accounts", { marketplace: market.value, name: name.value.trim(), credentials });
        toast("Проверяем доступ к кабинету…");
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
      const role = select(ROLES, u.role);
      role.setAttribute("aria-label", "Роль: " + (u.name || u.email));
      role.disabled = u.id === me;
      role.addEventListener("change", async () => {
        try { await api("PATCH", `/users/${u.id}`, { role: role.value }); toast("Роль изменена"); } catch (e) { toast(e.message); role.value = u.role; }
      });
      const actions = el("div", "row-actions");
      if (u.id !== me) {
        actions.append(button(u.disabled ? "Вернуть доступ" : "Отключить", u.disabled ? "" : "danger", async () => {
          if (!u.disabled && !(await confirmAction(`Отключить ${u.name || u.email}? Сотрудник сразу выйдет из системы.`, "Отключить"))) return;
          try { await api("PATCH", `/users/${u.id}`, { disabled: !u.disabled }); route(); } catch (e) { toast(e.message); }
        }));
      }
      return [u.name || "—", u.email, role, u.disabled ? "Отключён" : "Активен", when(u.last_login_at), actions];
    });

    const form = el("form", "form inline-form");
    form.noValidate = true;
    const email = input("email", "", { autocomplete: "off", placeholder: "name@example.ru" });
    const role = select(ROLES, "operator");
    const general = el("p", "error");
    const invite = el("button", "primary", "Пригласить");
    invite.type = "submit";
    const result = el("div", "result");
    result.hidden = true;
    const foot = el("div", "form-foot");
    foot.append(general, el("span", "grow"), invite);
    form.append(field("Эл. почта", email, "email"), field("Роль", role, "role"), foot, result);
    if (invited) {
      const url = input("text", invited.accept_url, { readonly: "", "aria-label": "Ссылка-приглашение" });
      result.replaceChildren(el("p", "", `Ссылка-приглашение для ${invited.email}. Если письмо не придёт, отправьте её сотруднику сами:`), url);
      result.hidden = false;
      invited = null;
    }
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const sent = await api("POST", "/invitations", { email: email.value.trim(), role: role.value });
        toast(sent.email_queued ? `Приглашение отправлено на ${sent.email}` : "Приглашение создано — передайте ссылку сотруднику");
        invited = sent;
        route();
      } catch (err) { showErrors(form, err, general); }
    });

    const pending = (invitations.items || []).map((i) => {
      const actions = el("div", "row-actions");
      actions.append(button("Отозвать", "danger", async () => {
        if (!(await confirmAction(`Отозвать приглашение для ${i.email}?`, "Отозвать"))) return;
        try { await api("DELETE", `/invitations/${i.id}`); toast("Приглашение отозвано"); route(); } catch (e) { toast(e.message); }
      }));
      return [i.email, ROLES[i.role] || i.role, when(i.expires_at), actions];
    });
    render(token, heading("Сотрудники"),
      table(["Имя", "Эл. почта", "Роль", "Доступ", "Последний вход", ""], rows, "Сотрудники"),
      section("Пригласить сотрудника", form),
      section("Ждут ответа", table(["Эл. почта", "Роль", "Действует до", ""], pending, "Приглашения")));
  }

  // ---------- settings ----------
  const TONES = {
    neutral: "Нейтральный — вежливо и по делу",
    warm: "Тёплый — с дружелюбной фразой после ответа",
    concise: "Краткий — только приветствие и ответ",
  };
  const POLICIES = {
    returns: ["Возврат и обмен", "Например: вернуть товар можно в течение 30 дней, если сохранены бирки и упаковка."],
    delivery: ["Доставка", "Например: отправляем заказы в течение 1–2 дней, доставка занимает 2–5 дней."],
    payment: ["Оплата", "Например: оплата картой или при получении, рассрочка через маркетплейс."],
    warranty: ["Гарантия", "Например: гарантия на технику — 12 месяцев с даты получения."],
  };
  // The intent labels of intents.md a shop may keep for people; the rest people get anyway.
  const HANDOFF_INTENTS = {
    order_status: "Статус заказа", order_cancel: "Отмена заказа", return_request: "Возврат товара",
    exchange_request: "Обмен товара", refund_status: "Возврат денег", product_question: "Вопросы о товаре",
    product_availability: "Наличие товара", size_advice: "Подбор размера", discount_promo: "Скидки и промокоды",
  };

  async function settingsPage(token) {
    const settings = await api("GET", "/settings");
    const assistant = settings.assistant || {};
    const editable = can("edit_settings");
    const form = el("form", "form settings");
    form.noValidate = true;
    const persona = input("textarea", assistant.persona || "", { rows: "5", maxlength: "2000",
      placeholder: "Например: вы — Анна, консультант магазина. Общаетесь дружелюбно, на «вы», коротко и по делу." });
    const hours = assistant.working_hours;
    const from = input("number", hours?.from ?? "", { min: "0", max: "23", "aria-label": "С (час)" });
    const to = input("number", hours?.to ?? "", { min: "1", max: "24", "aria-label": "До (час)" });
    const hoursRow = el("div", "hours");
    hoursRow.append(el("span", "", "с"), from, el("span", "", "до"), to, el("span", "muted", `часов (${settings.timezone})`));
    const responders = el("fieldset", "checks");
    responders.append(el("legend", "", "Кто отвечает покупателям"));
    const chosen = assistant.responders || ["local"];
    checkboxes(responders, RESPONDERS, chosen);
    responders.append(el("span", "muted field-hint", "Если первый не ответил, пробуется следующий: в порядке слева направо."));
    const responderErrors = el("span", "error field-error");
    responderErrors.dataset.field = "responders";
    responders.append(responderErrors);
    const tone = select(TONES, assistant.tone || "neutral");
    const policies = el("div", "policies");
    const policyBoxes = {};
    for (const [key, [label, placeholder]] of Object.entries(POLICIES)) {
      policyBoxes[key] = input("textarea", assistant.policies?.[key] || "", { rows: "3", maxlength: "2000", placeholder });
      policies.append(field(label, policyBoxes[key], "policies." + key));
    }
    const policyErrors = el("span", "error field-error");
    policyErrors.dataset.field = "policies";
    const rules = assistant.handoff || {};
    const intents = el("fieldset", "checks");
    intents.append(el("legend", "", "Всегда передавать сотруднику вопросы на темы"));
    checkboxes(intents, HANDOFF_INTENTS, rules.intents || []);
    intents.append(el("span", "muted field-hint", "Брак, проблемы с оплатой, жалобы и просьбы позвать сотрудника передаются всегда."));
    const intentErrors = el("span", "error field-error");
    intentErrors.dataset.field = "handoff.intents";
    intents.append(intentErrors);
    const keywords = input("text", (rules.keywords || []).join(", "), { placeholder: "юрист, суд, Роспотребнадзор" });
    const botReplies = input("number", rules.after_bot_replies ?? "", { min: "1", max: "10" });
    const capRow = el("div", "hours");
    capRow.append(botReplies, el("span", "muted", "ответов подряд"));
    const autoPublish = checkbox("Публиковать ответы на маркетплейсах без проверки",
      !!assistant.marketplace_auto_publish, "marketplace_auto_publish",
      "Если выключено, ответы на вопросы и отзывы WB и Ozon ждут одобрения оператора.");
    const orderNews = checkbox("Сообщать покупателям о движении заказа", assistant.order_news !== false, "order_news",
      "Когда заказ, который покупатель подтвердил в переписке, отправлен, прибыл в пункт выдачи или отменён, ассистент пишет ему сам — в мессенджерах и веб-чате, не ночью. Покупатель может отказаться, написав «не пишите мне».");
    const operatorOnly = checkbox("Только операторы", !!settings.operator_only, "operator_only",
      "Ассистент не отвечает сам: каждое сообщение сразу передаётся сотрудникам.");
    const general = el("p", "error");
    general.setAttribute("role", "alert");
    form.append(
      field("Персона ассистента", persona, "persona", "Как ассистент представляется и в какой манере пишет; до 2000 знаков."),
      field("Тон ответов", tone, "tone", "К покупателю ассистент всегда обращается на «вы»; тон меняет только количество любезностей."),
      field("Рабочие часы операторов", hoursRow, "working_hours", "Вне этих часов ассистент предупреждает, что сотрудник ответит позже. Оставьте пустым, если операторы на связи всегда."),
      responders, autoPublish.node, orderNews.node, operatorOnly.node,
      el("h3", "", "Правила магазина"),
      el("span", "muted field-hint", "Ассистент цитирует эти тексты раньше статей базы знаний. Пустое поле — ассистент отвечает по базе знаний."),
      policies, policyErrors,
      el("h3", "", "Когда передавать разговор сотруднику"),
      intents,
      field("Слова, после которых разговор передаётся сотруднику", keywords, "handoff.keywords",
        "Через запятую, до 50 слов. Регистр не важен: «суд» сработает и на «в суде», но не на «посуда»."),
      field("Ответов ассистента подряд, после которых подключается сотрудник", capRow, "handoff.after_bot_replies",
        "От 1 до 10. Оставьте пустым, чтобы не ограничивать."),
      general);
    if (editable) {
      const save = el("button", "primary", "Сохранить");
      save.type = "submit";
      const foot = el("div", "form-foot");
      foot.append(save);
      form.append(foot);
    } else {
      for (const control of form.querySelectorAll("input, textarea, select")) control.disabled = true;
      form.prepend(el("p", "muted", "Менять настройки могут только администраторы."));
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
      if (!Object.keys(patch).length) { toast("Изменений нет"); return; }
      try {
        await api("PATCH", "/settings", patch);
        Object.assign(saved, patch);
        showErrors(form, null, general);
        toast("Настройки сохранены");
      } catch (err) { showErrors(form, err, general); }
    });
    render(token, heading("Настройки ассистента"), section("", form), await alertsSection(settings));
  }

  // ---------- e-mail alerts (workers/README.md, "Alerts") ----------
  /** The signed-in person's e-mail alerts, switched as they are clicked; admins also set how
   * long a shopper may wait before people are told. Viewers get no alerts. */
  async function alertsSection(settings) {
    const me = O.state.me.user;
    if (me.role === "viewer") return el("span");
    let choices;
    try { choices = await api("GET", "/me/alerts"); } catch (err) {
      return section("Уведомления на почту", el("p", "error", err.message));
    }
    const kinds = [["waiting_conversation", "Покупатель ждёт ответа сотрудника",
      "Когда диалог ждёт сотрудника дольше заданного времени в рабочие часы. Если диалог назначен, письмо получает только назначенный сотрудник."],
      ["wb_question_deadline", "Срок ответа на вопрос WB истекает",
        "Wildberries даёт на ответ на вопрос о товаре 10 дней. Письмо приходит за сутки до конца срока, если ответа ещё нет."]];
    if (me.role === "admin") {
      kinds.push(["sync_failing", "Не удаётся синхронизировать кабинет маркетплейса",
        "Когда данные из кабинета WB или Ozon не загружаются больше часа. Одно письмо на каждый сбой."]);
    }
    const form = el("form", "form settings");
    form.noValidate = true;
    form.addEventListener("submit", (e) => e.preventDefault());
    form.append(el("p", "muted", `Письма приходят на ${me.email}. Отписаться можно и по ссылке в любом письме.`));
    for (const [kind, label, hint] of kinds) {
      const box = checkbox(label, !!choices[kind], kind, hint);
      box.box.addEventListener("change", async () => {
        try {
          await api("PATCH", "/me/alerts", { [kind]: box.box.checked });
          toast(box.box.checked ? "Уведомление включено" : "Уведомление выключено");
        } catch (err) { box.box.checked = !box.box.checked; toast(err.message); }
      });
      form.append(box.node);
    }
    if (can("edit_settings")) {
      const minutes = input("number", settings.assistant?.waiting_alert_minutes ?? 10, { min: "1", max: "1440" });
      const row = el("div", "hours");
      row.append(minutes, el("span", "muted", "минут"));
      const general = el("p", "error");
      minutes.addEventListener("change", async () => {
        try {
          await api("PATCH", "/settings", { waiting_alert_minutes: Number(minutes.value) });
          showErrors(form, null, general);
          toast("Настройки сохранены");
        } catch (err) { showErrors(form, err, general); }
      });
      form.append(field("Сообщать, если покупатель ждёт сотрудника дольше", row, "waiting_alert_minutes",
        "От 1 до 1440 минут, для всех сотрудников магазина."), general);
    }
    return section("Уведомления на почту", form);
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
  const OUTCOMES = {
    bot_resolved: "Решено ботом", bot_pending: "Ждут подтверждения (24 ч)", not_resolved: "Бот не помог",
    handed_off: "Передано сотрудникам", operator: "Ответил сотрудник", unanswered: "Без ответа",
    greeting_only: "Только приветствие",
  };
  const PERIODS = { 7: "7 дней", 30: "30 дней", 90: "90 дней" };
  const percent = (share) => (share === null || share === undefined ? "—" : `${Math.round(share * 1000) / 10}%`);

  /** The form of a noun after a number: `plural(n, "диалог", "диалога", "диалогов")`. */
  function plural(n, one, few, many) {
    const tens = n % 100;
    const last = n % 10;
    if (tens >= 11 && tens <= 14) return many;
    if (last === 1) return one;
    return last >= 2 && last <= 4 ? few : many;
  }
  /** «из N …» takes the genitive: «из 1 диалога», «из 5 диалогов». */
  const outOf = (n, singular, pluralForm) => `из ${n} ${n % 10 === 1 && n % 100 !== 11 ? singular : pluralForm}`;

  /** A duration in seconds as people say it: «45 с», «12 мин», «3 ч 5 мин». */
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    if (seconds < 1) return "< 1 с";
    if (seconds < 60) return `${seconds} с`;
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return `${minutes} мин`;
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return minutes % 60 ? `${hours} ч ${minutes % 60} мин` : `${hours} ч`;
    return `${Math.round(hours / 24)} дн`;
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
    if (!rows.length) return el("p", "muted", "Здесь пока пусто");
    return svg;
  }

  function stat(title, value, hint) {
    const card = el("div", "stat");
    card.append(el("span", "muted", title), el("strong", "", value));
    if (hint) card.append(el("span", "muted field-hint", hint));
    return card;
  }

  async function analyticsPage(token) {
    const days = select(PERIODS, sessionStorage.getItem("analytics-days") || "30");
    days.setAttribute("aria-label", "Период");
    const channelList = await api("GET", "/channels");
    const channelNames = { "": "Все каналы" };
    for (const c of channelList.items || channelList) channelNames[String(c.id)] = channelLabel(c);
    const channel = select(channelNames, "");
    channel.setAttribute("aria-label", "Канал");
    const download = button("Скачать CSV", "ghost");
    const holder = el("div");
    const query = () => {
      const to = new Date();
      const from = new Date(to.getTime() - (Number(days.value) - 1) * 86400000);
      const day = (d) => d.toLocaleDateString("sv-SE");
      const params = new URLSearchParams({ from: day(from), to: day(to) });
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
        stat("Решено ботом", percent(s.automation_rate),
          `${s.bot_resolved} ${outOf(s.decided, "обращения", "обращений")}`
          + (s.bot_pending ? `; ещё ${s.bot_pending} ${plural(s.bot_pending, "ждёт", "ждут", "ждут")} подтверждения` : "")),
        stat("Бот ответил", percent(s.involvement), `в ${s.bot_involved} ${outOf(s.conversations, "диалога", "диалогов")}`),
        stat("Передано сотрудникам", percent(s.handoff_rate),
          `${s.handed_off} ${plural(s.handed_off, "диалог", "диалога", "диалогов")}`),
        stat("Первый ответ", duration(s.first_response_seconds.p50), `у 90% — не дольше ${duration(s.first_response_seconds.p90)}`),
        stat("Время решения", duration(s.resolution_seconds.p50), `у 90% — не дольше ${duration(s.resolution_seconds.p90)}`),
        stat("Довольны (CSAT)", percent(s.csat.score),
          s.csat.rated ? `оценок: ${s.csat.rated}, средняя ${s.csat.average_stars}` : "оценок пока нет"),
      );
      const outcomes = Object.entries(OUTCOMES).map(([code, name]) => [name, s.outcomes[code] || 0]);
      const reasons = s.handoff_reasons.map((r) => [O.reasonText(r.reason), r.conversations]);
      const messages = [["Покупатели", s.messages.shopper], ["Бот", s.messages.bot], ["Сотрудники", s.messages.operator]];
      const gapRows = gaps.items.map((g) => {
        const examples = el("div", "examples");
        for (const e of g.examples) {
          const a = link(`«${e.question}»`, `#c${e.conversation_id}`);
          examples.append(a, el("br"));
        }
        return [O.reasonText(g.reason), g.intent ? O.reasonText(g.intent) : "—", String(g.conversations), examples,
          can("edit_knowledge") ? link("Написать статью", "#/knowledge/new") : ""];
      });
      const channelRows = s.channels.map((c) => [channelLabel(c.channel), String(c.conversations), percent(c.automation_rate),
        percent(c.handoff_rate), duration(c.first_response_seconds.p50), percent(c.csat.score),
        `${c.messages.shopper} / ${c.messages.bot} / ${c.messages.operator}`]);
      render(token, heading("Аналитика", days, channel, download), holder);
      holder.replaceChildren(cards,
        section("Чем закончились диалоги", bars(outcomes, "Чем закончились диалоги")),
        section("Почему передали сотрудникам", bars(reasons, "Причины передачи")),
        section("Вопросы, на которые у бота нет ответа",
          el("p", "muted", "Добавьте статьи в базу знаний — и бот сможет отвечать на такие вопросы сам."),
          table(["Причина", "Тема", "Диалогов", "Примеры", ""], gapRows, "Пробелы в базе знаний")),
        section("По каналам", table(["Канал", "Диалогов", "Решено ботом", "Передано", "Первый ответ", "Довольны",
          "Сообщений: покупатели / бот / сотрудники"], channelRows, "По каналам")),
        section("Сообщения", bars(messages, "Сообщения по авторам")));
    };
    const reload = () => load().catch((e) => toast(e.message));
    days.addEventListener("change", reload);
    channel.addEventListener("change", reload);
    download.addEventListener("click", async () => {
      const res = await fetch("/api/v1/analytics/conversations.csv?" + query(),
        { headers: { authorization: "Bearer " + (O.state.session?.access_token ?? "") } }).catch(() => null);
      if (!res || !res.ok) { toast("Не удалось выгрузить файл, попробуйте ещё раз"); return; }
      const url = URL.createObjectURL(await res.blob());
      const a = el("a");
      a.href = url;
      a.download = `dialogi-${query().get("from")}-${query().get("to")}.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      URL.revokeObjectURL(url);
    });
    await load();
  }

  // ---------- billing: plan, standing, usage, plans on sale, invoices, the reply cap ----------
  const dayFmt = new Intl.DateTimeFormat("ru-RU", { day: "numeric", month: "long" });
  const fullDayFmt = new Intl.DateTimeFormat("ru-RU", { day: "numeric", month: "long", year: "numeric" });
  const DAY_MS = 24 * 60 * 60 * 1000;
  /** Whole days from now until `iso`, rounded up: a trial ending tonight has 1 day left. */
  const daysUntil = (iso) => Math.ceil((new Date(iso) - Date.now()) / DAY_MS);
  const days = (n) => `${n} ${plural(n, "день", "дня", "дней")}`;
  /** Minor units as people write money: «4 990 ₽», «7,50 ₽», «$400». */
  function price(minor, currency) {
    const cents = Number(minor) % 100 !== 0;
    try {
      return new Intl.NumberFormat("ru-RU", { style: "currency", currency: currency || "RUB",
        minimumFractionDigits: cents ? 2 : 0, maximumFractionDigits: 2 }).format(Number(minor) / 100);
    } catch (_) { return `${Number(minor) / 100} ${currency || ""}`; }
  }
  const INVOICE_STATUSES = { draft: "Черновик", open: "Ждёт оплаты", paid: "Оплачен", uncollectible: "Не оплачен", void: "Аннулирован" };
  const STATES = { trialing: "Пробный период", active: "Подписка оплачена", past_due: "Платёж не прошёл", suspended: "Подписка приостановлена" };

  /**
   * What the account's standing means and what to do about it, or null when nothing needs doing
   * (`soon`: only trials that end within 3 days). `admin`: the reader can pay.
   */
  function standingNotice(account, admin, soon) {
    if (!account) return null;
    const ask = admin ? "" : " Попросите администратора магазина оплатить подписку.";
    if (account.state === "trialing" && account.trial_ends_at) {
      const left = daysUntil(account.trial_ends_at);
      if (soon && left > 3) return null;
      if (left <= 0) {
        return { urgent: true, action: "Выбрать тариф",
          text: "Пробный период закончился. Выберите тариф, чтобы ассистент отвечал покупателям." + ask };
      }
      return { urgent: left <= 1, action: "Выбрать тариф",
        text: `Пробный период закончится через ${days(left)}, ${dayFmt.format(new Date(account.trial_ends_at))}. `
          + "Выберите тариф, чтобы ассистент продолжал отвечать покупателям." + ask };
    }
    if (account.state === "past_due") {
      const until = account.suspends_at ? ` до ${dayFmt.format(new Date(account.suspends_at))}` : "";
      return { urgent: true, action: "Оплатить",
        text: `Платёж за подписку не прошёл. Оплатите её${until}, иначе ассистент перестанет отвечать покупателям.` + ask };
    }
    if (account.state === "suspended") {
      return { urgent: true, action: "Оплатить",
        text: "Подписка приостановлена: ассистент не отвечает покупателям, но их сообщения сохраняются. "
          + "Оплатите тариф, чтобы возобновить работу." + ask };
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
    const [overview, invoices] = await Promise.all([api("GET", "/billing"),
      api("GET", "/billing/invoices").catch(() => ({ items: [] }))]);
    const account = { state: overview.state, trial_ends_at: overview.trial_ends_at, suspends_at: overview.suspends_at };
    if (O.state.me) O.state.me.account = overview.payments_enabled ? account : null;
    showAccount(O.state.me?.account);
    const currency = overview.currency;
    const current = overview.plans.find((p) => p.code === overview.plan);

    // Plan and standing.
    const facts = el("dl", "facts");
    const fact = (term, value) => facts.append(el("dt", "", term), el("dd", "", value));
    fact("Тариф", current ? current.name : overview.plan);
    fact("Состояние", STATES[overview.state] || overview.state);
    if (overview.state === "trialing" && overview.trial_ends_at) {
      const left = Math.max(0, daysUntil(overview.trial_ends_at));
      fact("Пробный период", left > 0 ? `осталось ${days(left)}, до ${fullDayFmt.format(new Date(overview.trial_ends_at))}`
        : "закончился");
    } else if (overview.period_end) {
      fact("Оплачено до", fullDayFmt.format(new Date(overview.period_end)));
    }
    const notice = standingNotice(account, true, false);
    const standing = el("p", "standing" + (notice?.urgent ? " urgent" : ""),
      notice ? notice.text : overview.state === "active"
        ? "Всё в порядке: подписка продлится автоматически с сохранённой карты." : "");
    standing.hidden = !standing.textContent;

    // Replies this period.
    const usage = el("div", "usage");
    const included = overview.included_replies;
    const meter = el("meter");
    meter.min = 0;
    meter.max = Math.max(included, 1);
    meter.value = Math.min(overview.replies, meter.max);
    meter.high = meter.max * 0.8;
    meter.setAttribute("aria-label", "Ответы ассистента за период");
    const trial = overview.state === "trialing";
    usage.append(el("p", "", `Ответов ассистента ${trial ? "за пробный период" : "в этом периоде"}: `
      + `${overview.replies} из ${included} ${trial ? "доступных" : "включённых в тариф"}`), meter);
    if (!trial && current && overview.replies > included) {
      usage.append(el("p", "muted", `Сверх тарифа: ${overview.replies - included} — по ${price(current.overage_per_reply, currency)} за ответ`));
    }

    // The merchant's own cap.
    const cap = input("number", overview.reply_cap ?? "", { min: "0", step: "1", placeholder: "Без лимита" });
    const capForm = el("form", "form");
    const capError = el("p", "error");
    const capSave = el("button", "", "Сохранить лимит");
    capSave.type = "submit";
    capForm.append(field("Не больше ответов ассистента за период", cap, "reply_cap",
      "Когда лимит достигнут, диалоги переходят к сотрудникам. Оставьте пустым, чтобы не ограничивать."), capError, capSave);
    capForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      showErrors(capForm, null, capError);
      const value = cap.value.trim();
      try {
        await api("PUT", "/billing/reply-cap", { reply_cap: value === "" ? null : Number(value) });
        toast(value === "" ? "Лимит снят" : "Лимит сохранён");
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
      card.setAttribute("aria-label", "Тариф " + plan.name);
      const perks = el("ul");
      perks.append(el("li", "", `${plan.included_replies.toLocaleString("ru-RU")} ответов ассистента в месяц`),
        el("li", "", `дальше ${price(plan.overage_per_reply, currency)} за ответ`),
        el("li", "", `каналов: до ${plan.channels}`), el("li", "", `сотрудников: до ${plan.operator_seats}`));
      card.append(el("h3", "", plan.name), el("div", "price", price(plan.monthly_price, currency) + " в месяц"), perks);
      const isCurrent = subscribed && plan.code === overview.plan;
      const choose = button(isCurrent ? "Ваш тариф" : switches ? "Перейти на этот тариф" : "Оплатить", isCurrent ? "" : "primary");
      choose.disabled = isCurrent || !overview.payments_enabled;
      choose.addEventListener("click", async () => {
        choose.disabled = true;
        try {
          if (switches) {
            await api("POST", "/billing/plan", { plan: plan.code });
            toast(`Тариф изменён на «${plan.name}»`);
            O.route();
          } else {
            const back = location.origin + location.pathname + "#/billing";
            // The provider's page (ЮKassa's card form) comes back to this page when done.
            const hosted = await api("POST", "/billing/checkout", { plan: plan.code, success_url: back, cancel_url: back });
            location.assign(hosted.url);
          }
        } catch (err) { toast(err.message); choose.disabled = false; }
      });
      card.append(choose);
      plans.append(card);
    }
    const plansSection = section("Тарифы", plans);
    if (!overview.payments_enabled) {
      plansSection.append(el("p", "muted", "Приём оплаты на этой установке не настроен: выбрать тариф пока нельзя."));
    } else if (!subscribed) {
      plansSection.append(el("p", "muted", "Оплата картой через ЮKassa. Карта сохранится для ежемесячного продления, чек придёт на почту."));
    }

    // Invoices.
    const rows = invoices.items.map((inv) => {
      const period = inv.period_start ? `${fullDayFmt.format(new Date(inv.period_start))} — ${inv.period_end ? fullDayFmt.format(new Date(inv.period_end)) : "…"}` : "—";
      const doc = inv.pdf_url || inv.hosted_url;
      const open = doc ? link("Открыть", doc) : "—";
      if (doc) { open.target = "_blank"; open.rel = "noopener"; }
      return [inv.number || "—", period, price(inv.amount_due, inv.currency),
        INVOICE_STATUSES[inv.status] || inv.status || "—", open];
    });
    render(token, heading("Оплата"),
      section("Подписка", facts, standing),
      section("Использование", usage, capForm),
      plansSection,
      section("Счета и платежи", table(["Номер", "Период", "Сумма", "Статус", "Документ"], rows, "Счета")));
  }

  // ---------- the first-run checklist on the start page ----------
  const STEPS = [
    ["marketplace_account", "Подключите кабинет Wildberries или Ozon", "#/channels",
      "Ассистент будет знать заказы, товары и остатки магазина"],
    ["channel", "Подключите канал: Telegram, MAX, ВКонтакте, WhatsApp или веб-чат", "#/channels",
      "Через него покупатели напишут магазину"],
    ["knowledge_article", "Добавьте первую статью в базу знаний", "#/knowledge",
      "Условия возврата, доставки и оплаты — ассистент будет отвечать по ним"],
    ["colleague", "Пригласите коллегу", "#/users", "Оператора, который возьмёт на себя сложные вопросы"],
    ["webchat_tried", "Напишите в веб-чат как покупатель", "#/channels",
      "Создайте веб-чат в разделе «Каналы», откройте его ссылку и задайте вопрос"],
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
    $("checklist-count").textContent = `${done} из ${STEPS.length}`;
    $("checklist-steps").replaceChildren(...STEPS.map(([key, text, hash, hint]) => {
      const li = el("li", progress[key] ? "done" : "");
      li.dataset.step = key;
      const mark = el("span", "mark", progress[key] ? "✓" : "○");
      mark.setAttribute("aria-label", progress[key] ? "Сделано" : "Не сделано");
      li.append(mark, link(text, hash), el("span", "muted field-hint", hint));
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
    const back = button("Вернуться ко входу", "link", () => backToLogin(screen));
    form.append(el("h1", "", "Отклик"), el("p", "muted", intro), ...controls, general, submit, back);
    screen.append(form);
    $("login").hidden = true;
    document.body.prepend(screen);
    form.querySelector("input")?.focus();
    const words = { 429: "Слишком много попыток — подождите минуту", ...refusals };
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
    return field("Пароль", password, "password", "Не короче 10 знаков");
  }

  // Built only when the invitation link is opened, so the sign-in form stays the one password field.
  function acceptScreen(token) {
    const name = input("text", "", { autocomplete: "name" });
    const password = input("password", "", { autocomplete: "new-password", required: "" });
    entryScreen({
      intro: "Вас пригласили в команду магазина. Придумайте пароль, чтобы войти.",
      controls: [field("Ваше имя", name, "name"), newPasswordField(password)],
      submitText: "Присоединиться",
      refusals: {
        404: "Приглашение не найдено или уже недействительно",
        409: "Это приглашение уже принято — войдите со своим паролем",
      },
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
      intro: "Придумайте новый пароль для входа.",
      controls: [newPasswordField(password), field("Пароль ещё раз", again, "again")],
      submitText: "Сменить пароль",
      refusals: { 404: "Ссылка устарела или уже использована — запросите новую" },
      send: async ({ form, screen }) => {
        if (password.value !== again.value) {
          form.querySelector('.field-error[data-field="again"]').textContent = "Пароли не совпадают";
          again.focus();
          return;
        }
        await api("POST", "/auth/password-reset/confirm", { token, password: password.value });
        O.saveSession(null);
        backToLogin(screen, "Пароль изменён. Войдите с новым паролем.");
      },
    });
  }

  /** Asks for the address; the answer is the same whether or not it has an account. */
  function forgotScreen() {
    const email = input("email", $("login-email").value.trim(), { autocomplete: "username", required: "" });
    entryScreen({
      intro: "Укажите почту, с которой вы входите, — мы пришлём ссылку для смены пароля.",
      controls: [field("Эл. почта", email, "email")],
      submitText: "Прислать ссылку",
      send: async ({ form }) => {
        if (!email.value.trim()) {
          form.querySelector('.field-error[data-field="email"]').textContent = "Введите почту";
          return;
        }
        await api("POST", "/auth/password-reset", { email: email.value.trim() });
        const sent = el("p", "notice", "Если такой адрес зарегистрирован, мы отправили на него ссылку для смены пароля.");
        sent.setAttribute("role", "status");
        form.replaceChildren(el("h1", "", "Отклик"), sent, form.querySelector("button.link"));
      },
    });
  }
  $("forgot").addEventListener("click", forgotScreen);

  // Shop addresses are Latin; a Russian name is spelled out in it (ГОСТ 7.79-2000 system B, simplified).
  const LATIN = { а: "a", б: "b", в: "v", г: "g", д: "d", е: "e", ё: "yo", ж: "zh", з: "z", и: "i", й: "j",
    к: "k", л: "l", м: "m", н: "n", о: "o", п: "p", р: "r", с: "s", т: "t", у: "u", ф: "f", х: "x", ц: "c",
    ч: "ch", ш: "sh", щ: "shh", ъ: "", ы: "y", ь: "", э: "e", ю: "yu", я: "ya" };
  /** The shop's address in Otklik, made from its name; the random tail keeps two «Ромашки» apart. */
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
    const terms = checkbox("Принимаю условия использования сервиса «Отклик»", false, "accept_terms",
      "Это договор между магазином и сервисом");
    const personal = checkbox("Даю согласие на обработку моих персональных данных", false, "accept_personal_data",
      "По Федеральному закону № 152-ФЗ «О персональных данных»: имя, почта, данные входа");
    const { form } = entryScreen({
      intro: "Создайте кабинет магазина. Пробный период бесплатный, карта не нужна.",
      controls: [field("Название магазина", shopName, "shop_name", "Так его увидят сотрудники"),
        field("Эл. почта", email, "email", "На неё придут счета и ссылка для смены пароля"),
        newPasswordField(password), terms.node, personal.node],
      submitText: "Создать аккаунт",
      refusals: {},
      send: async ({ form: card, screen }) => {
        const say = (name, text) => { card.querySelector(`.field-error[data-field="${name}"]`).textContent = text; };
        const missing = [];
        if (!shopName.value.trim()) missing.push(["shop_name", PROBLEMS.required()]);
        if (!email.value.trim()) missing.push(["email", "Введите почту"]);
        if (password.value.length < 10) missing.push(["password", PROBLEMS.too_short({ min: 10 })]);
        if (!terms.box.checked) missing.push(["accept_terms", PROBLEMS.consent_required()]);
        if (!personal.box.checked) missing.push(["accept_personal_data", PROBLEMS.consent_required()]);
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
              say("email", "С этой почтой уже есть аккаунт — войдите или восстановите пароль");
              return;
            }
          }
        }
        if (!session) throw new Error("Не удалось создать аккаунт, попробуйте ещё раз");
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
