// The dashboard in Russian and English: before sign-in the browser's language decides; signed
// in, a person switches to English in the header, every main page speaks English (Cyrillic left
// only in the shop's and shoppers' own data), the choice survives a reload because the server
// keeps it, and switching back brings Russian. A colleague of the demo shop's is invited for this,
// so the other tests' admin keeps Russian.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const chatUrl = process.env.OTKLIK_CHAT_URL;
const email = process.env.OTKLIK_ADMIN_EMAIL;
const password = process.env.OTKLIK_ADMIN_PASSWORD;
const artifacts = new URL("../artifacts/", import.meta.url).pathname;

async function call(origin, token, method, path, body) {
  const res = await fetch(`${origin}/api/v1${path}`, { method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Every string in the API's answers for the shop: what the shop and its shoppers wrote. */
async function shopData(origin, token, conversationId) {
  const paths = ["/me", "/channels", "/knowledge/articles?limit=100", "/quick-replies?limit=100", "/settings",
    "/users?limit=100", "/customers?limit=100", "/marketplace-accounts?limit=100", "/billing",
    "/conversations/assignees"];
  for (const view of ["waiting", "mine", "bot", "closed"]) paths.push(`/conversations?view=${view}&limit=100`);
  const day = (d) => d.toLocaleDateString("sv-SE");
  const to = new Date();
  for (const days of [7, 30, 90]) {
    const from = new Date(to.getTime() - (days - 1) * 86400000);
    paths.push(`/analytics/gaps?from=${day(from)}&to=${day(to)}`);
  }
  if (conversationId) {
    paths.push(`/conversations/${conversationId}`, `/conversations/${conversationId}/messages?order=oldest&limit=100`);
  }
  const strings = [];
  const collect = (value) => {
    if (typeof value === "string") strings.push(value);
    else if (value && typeof value === "object") Object.values(value).forEach(collect);
  };
  for (const path of paths) collect(await call(origin, token, "GET", path).catch(() => null));
  const conversation = conversationId ? await call(origin, token, "GET", `/conversations/${conversationId}`) : null;
  if (conversation?.customer?.id) collect(await call(origin, token, "GET", `/customers/${conversation.customer.id}`));
  return strings.join("\n");
}

/**
 * Runs of Cyrillic in what the page shows (text and the placeholders, labels and titles people
 * read), outside the language pickers that name Russian in Russian on purpose.
 */
function cyrillicRuns(page) {
  return page.evaluate(() => {
    const runs = [];
    const take = (text) => {
      for (const run of text.match(/[\u0400-\u04ff](?:[^A-Za-z\n·|]*[\u0400-\u04ff])?/g) || []) runs.push(run);
    };
    const visible = (node) => node && !node.closest("[hidden], select.locale, #toast")
      && node.getClientRects().length > 0;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (visible(node.parentElement)) take(node.textContent);
    }
    for (const node of document.querySelectorAll("[placeholder], [aria-label], [title]")) {
      if (!visible(node)) continue;
      for (const attribute of ["placeholder", "aria-label", "title"]) take(node.getAttribute(attribute) || "");
    }
    return runs;
  });
}

/** `shop`: whose data, as `{origin, token, conversationId}`; `extra`: more of it, e.g. an article's versions. */
async function assertEnglish(page, shop, where, extra = "") {
  // Read now: the other tests add to the shop meanwhile.
  const data = (await shopData(shop.origin, shop.token, shop.conversationId)) + extra;
  await page.locator("#toast").evaluate((toast) => { toast.hidden = true; });
  // Lists of the data (tags) are shown joined with commas.
  const foreign = (await cyrillicRuns(page))
    .filter((run) => !data.includes(run) && !run.split(", ").every((part) => data.includes(part)));
  assert.deepEqual([...new Set(foreign)], [], `Russian UI text left on ${where}`);
  assert.equal(await page.locator("html").getAttribute("lang"), "en");
}

async function openPage(page, name, heading) {
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name, exact: true }).click();
  await page.locator("#page h2", { hasText: heading ?? name }).waitFor();
  await page.locator("#page .loading").waitFor({ state: "detached" });
}

test("a person switches the dashboard to English and back", async () => {
  assert.ok(chatUrl && email && password, "tests/browser/run sets the chat URL and the admin");
  mkdirSync(artifacts, { recursive: true });
  const origin = new URL(chatUrl).origin;

  // A colleague of the demo shop, invited by its admin.
  const admin = await call(origin, null, "POST", "/auth/login", { email, password });
  const mine = `i18n-${Date.now()}@demo.example`;
  const invitation = await call(origin, admin.access_token, "POST", "/invitations", { email: mine, role: "admin" });
  const inviteToken = /#\/invitation\/([A-Za-z0-9_-]+)$/.exec(invitation.accept_url)?.[1];
  assert.ok(inviteToken, invitation.accept_url);
  const session = await call(origin, null, "POST", "/invitations/accept",
    { token: inviteToken, name: "Ivy", password });
  const token = session.access_token;
  assert.equal((await call(origin, token, "GET", "/me")).user.locale, "ru");

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    // A shopper asks for a person, so the inbox has a handed-off conversation to show.
    const shopper = await browser.newPage({ viewport: { width: 800, height: 800 }, locale: "ru-RU" });
    await shopper.goto(chatUrl);
    await shopper.getByRole("textbox", { name: "Сообщение" }).fill("Здравствуйте, позовите оператора");
    await shopper.keyboard.press("Enter");
    await shopper.locator(".msg.reply").first().waitFor({ timeout: 20000 });

    // Before sign-in, the browser's language: English for an English browser…
    const visitor = await (await browser.newContext({ locale: "en-US" })).newPage();
    await visitor.goto(`${origin}/app/`);
    await visitor.getByRole("button", { name: "Sign in" }).waitFor();
    assert.equal(await visitor.locator("html").getAttribute("lang"), "en");
    // …and the catalogues know the same keys.
    const keys = await visitor.evaluate(() => {
      const flat = (o, p = "") => Object.entries(o).flatMap(([k, v]) =>
        v && typeof v === "object" && typeof v.other !== "string" ? flat(v, `${p}${k}.`) : [p + k]);
      return { ru: flat(window.OtklikStrings.ru).sort(), en: flat(window.OtklikStrings.en).sort() };
    });
    assert.deepEqual(keys.en, keys.ru);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ru-RU" });
    const page = await context.newPage();
    const problems = [];
    page.on("console", (message) => { if (message.type() === "error") problems.push(message.text()); });
    page.on("pageerror", (error) => problems.push(String(error)));
    await page.goto(`${origin}/app/`);
    await page.getByRole("button", { name: "Войти" }).waitFor();
    await page.getByLabel("Эл. почта").fill(mine);
    await page.getByLabel("Пароль").fill(password);
    await page.keyboard.press("Enter");
    await page.locator("#live.on").waitFor({ timeout: 10000 });
    assert.equal(await page.locator("html").getAttribute("lang"), "ru");
    await page.getByRole("tab", { name: /Ждут/ }).waitFor();

    // The switch in the header; the server keeps the choice.
    await page.getByRole("combobox", { name: "Язык / Language" }).selectOption("en");
    await page.getByRole("tab", { name: /Waiting/ }).waitFor();
    assert.equal((await call(origin, token, "GET", "/me")).user.locale, "en");
    assert.equal((await call(origin, admin.access_token, "GET", "/me")).user.locale, "ru", "the admin's own is theirs");
    assert.equal(await page.locator("#live").textContent(), "online");

    // A conversation of the shop, opened: its list, timeline and side panel.
    const first = page.locator(".conv").first();
    await first.waitFor({ timeout: 10000 });
    const conversationId = Number(await first.getAttribute("data-id"));
    await first.click();
    await page.locator("#timeline .msg").first().waitFor();
    await page.locator("#side-body").waitFor();
    const shop = { origin, token, conversationId };
    assert.match(await page.locator("#side-body").innerText(), /Customer[\s\S]*Channel[\s\S]*Status/);
    await assertEnglish(page, shop, "the inbox with a conversation open");
    await page.screenshot({ path: `${artifacts}i18n-inbox-en.png` });

    for (const [name, heading] of [["Customers"], ["Knowledge", "Knowledge base"], ["Saved replies"], ["Channels"],
      ["Team"], ["Settings", "Assistant settings"], ["Analytics"], ["Billing"]]) {
      await openPage(page, name, heading);
      await assertEnglish(page, shop, name);
      await page.screenshot({ path: `${artifacts}i18n-${name.toLowerCase().replace(/ /g, "-")}-en.png`, fullPage: true });
    }
    // An article's page, with its versions.
    await openPage(page, "Knowledge", "Knowledge base");
    const article = page.locator("#page table a").first();
    if (await article.count()) {
      await article.click();
      await page.locator("#page h3", { hasText: "Versions" }).waitFor();
      const id = /#\/knowledge\/(\d+)$/.exec(page.url())[1];
      const versions = JSON.stringify(await call(origin, token, "GET", `/knowledge/articles/${id}`));
      await assertEnglish(page, shop, "an article", versions);
    }
    await openPage(page, "Analytics");
    assert.match(await page.locator("#page").innerText(), /Resolved by bot[\s\S]*How conversations ended/);
    await page.screenshot({ path: `${artifacts}i18n-analytics-en.png` });

    // A field error from the server, in English.
    await openPage(page, "Saved replies");
    await page.getByLabel("Name", { exact: true }).fill("Greeting");
    await page.getByLabel("Shortcut").fill("Bad Shortcut");
    await page.getByLabel("Reply text").fill("Hello!");
    await page.getByRole("button", { name: "Add" }).click();
    await page.locator(".field-error", { hasText: /lowercase Latin letters/ }).waitFor();

    // A reload keeps English: it is the person's, not the page's.
    await page.reload();
    await page.locator("#page h2", { hasText: "Saved replies" }).waitFor({ timeout: 10000 });
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Conversations" }).waitFor();
    assert.equal(await page.locator("html").getAttribute("lang"), "en");
    assert.equal(await page.title(), "Otklik — Inbox");

    // And back to Russian.
    await page.getByRole("combobox", { name: "Language / Язык" }).selectOption("ru");
    await page.locator("#page h2", { hasText: "Быстрые ответы" }).waitFor();
    await page.getByRole("navigation", { name: "Разделы" }).getByRole("link", { name: "Диалоги" }).waitFor();
    assert.equal(await page.locator("html").getAttribute("lang"), "ru");
    assert.equal((await call(origin, token, "GET", "/me")).user.locale, "ru");
    assert.deepEqual(problems.filter((p) => !/status of 422/.test(p)), []);
  } finally {
    await browser.close();
  }
});
