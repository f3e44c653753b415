// Connecting MAX and VK from the dashboard, as a seller does: the channels page shows the steps
// to follow on business.max.ru and in the VK community's settings; a MAX bot is checked and
// subscribed, a VK community refuses a wrong key in Russian and then gets its callback server
// confirmed; a shopper writes through each, and the operator's inbox shows both conversations
// with their channels' marks. Small fakes of the MAX Bot API and the VK API stand in
// (tests/src/max.rs and tests/src/vk.rs are their Rust twins).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { chromium } from "playwright-core";

const origin = new URL(process.env.OTKLIK_CHAT_URL ?? "http://127.0.0.1:18181").origin;
const maxUrl = process.env.OTKLIK_MAX_API_URL;
const vkUrl = process.env.OTKLIK_VK_API_URL;
const email = process.env.OTKLIK_ADMIN_EMAIL;
const password = process.env.OTKLIK_ADMIN_PASSWORD;
const artifacts = new URL("../artifacts/", import.meta.url).pathname;

const MAX_TOKEN = "max-browser-bot-token-0123456789";
const VK_GROUP = 218000333;
const VK_TOKEN = "vk1.a.browser-community-0123456789";
const VK_CODE = "b7e1c0de";

function listen(server, url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => server.listen(Number(port), hostname, resolve));
}

function readBody(req) {
  return new Promise((resolve) => {
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", () => resolve(body));
  });
}

/** `GET /me`, `POST`/`DELETE /subscriptions` and `POST /messages` of the MAX Bot API. */
async function fakeMax() {
  const state = { calls: [], subscription: null, sent: [] };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://max");
    const body = await readBody(req);
    const token = req.headers.authorization;
    state.calls.push({ method: req.method, path: url.pathname, token, body });
    const answer = (status, json) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    if (token !== MAX_TOKEN) return answer(401, { code: "verify.token", message: "Invalid access_token" });
    if (req.method === "GET" && url.pathname === "/me") {
      return answer(200, { user_id: 229229229, first_name: "Куртки", username: "kurtki_bot", is_bot: true,
        last_activity_time: Date.now(), name: "Куртки и пуховики" });
    }
    if (req.method === "POST" && url.pathname === "/subscriptions") {
      state.subscription = JSON.parse(body);
      return answer(200, { success: true });
    }
    if (req.method === "POST" && url.pathname === "/messages") {
      state.sent.push({ chat_id: url.searchParams.get("chat_id"), ...JSON.parse(body) });
      return answer(200, { message: { recipient: { chat_id: Number(url.searchParams.get("chat_id")), chat_type: "dialog" },
        timestamp: Date.now(), body: { mid: `mid.${state.sent.length}`, seq: 1, text: "" } } });
    }
    return answer(404, { code: "not.found", message: "Method not found" });
  });
  await listen(server, maxUrl);
  return { server, state };
}

/** The `groups.*` methods that set up a callback server (with its confirmation) and `messages.send`. */
async function fakeVk() {
  const state = { calls: [], server: null, confirmed: false, sent: [] };
  const server = createServer(async (req, res) => {
    const method = req.url.replace(/^\/method\//, "");
    const params = Object.fromEntries(new URLSearchParams(await readBody(req)));
    const token = (req.headers.authorization || "").replace(/^Bearer /, "");
    state.calls.push({ method, params, token });
    const answer = (json) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    if (token !== VK_TOKEN) {
      return answer({ error: { error_code: 5, error_msg: "User authorization failed: invalid access_token (4).", request_params: [] } });
    }
    if (method === "groups.getCallbackConfirmationCode") return answer({ response: { code: VK_CODE } });
    if (method === "groups.addCallbackServer") {
      state.server = { id: 1, url: params.url, secret: params.secret_key };
      answer({ response: { server_id: 1 } });
      // VK confirms the address at once: the answer must be the code, as plain text.
      const confirm = await fetch(params.url, { method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "confirmation", group_id: VK_GROUP }) });
      state.confirmed = confirm.status === 200 && (await confirm.text()) === VK_CODE;
      return;
    }
    if (method === "groups.setCallbackSettings") return answer({ response: 1 });
    if (method === "messages.send") {
      state.sent.push(params);
      return answer({ response: 1000 + state.sent.length });
    }
    return answer({ error: { error_code: 3, error_msg: "Unknown method passed", request_params: [] } });
  });
  await listen(server, vkUrl);
  return { server, state };
}

async function until(check, what, timeout = 20000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Both themes of the page as it is now: `channels-<name>.png` and `-dark.png`. */
async function shoot(page, name) {
  await page.locator("#toast").evaluate((toast) => { toast.hidden = true; });
  await page.screenshot({ path: `${artifacts}channels-${name}.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: `${artifacts}channels-${name}-dark.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });
}

test("an admin connects MAX and VK from the dashboard and their shoppers are answered", async () => {
  assert.ok(maxUrl && vkUrl && email && password, "tests/browser/run sets the fakes' URLs and the admin");
  mkdirSync(artifacts, { recursive: true });
  const max = await fakeMax();
  const vk = await fakeVk();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "ru-RU" });
    const problems = [];
    page.on("console", (message) => {
      if (message.type() === "error" && !/status of 422/.test(message.text())) problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(String(error)));
    await page.goto(`${origin}/app`);
    await page.getByLabel("Эл. почта").fill(email);
    await page.getByLabel("Пароль").fill(password);
    await page.keyboard.press("Enter");
    await page.locator("#live.on").waitFor({ timeout: 10000 });
    await page.getByRole("navigation", { name: "Разделы" }).getByRole("link", { name: "Каналы", exact: true }).click();
    await page.locator("#page h2", { hasText: "Каналы" }).waitFor();

    // The steps a seller follows outside Отклик are on the page.
    const maxForm = page.locator("section", { hasText: "Подключить бота MAX" });
    await maxForm.getByText("business.max.ru", { exact: false }).first().waitFor();
    const vkForm = page.locator("section", { hasText: "Подключить сообщество ВКонтакте" });
    await vkForm.getByText("«Работа с API» → «Ключи доступа»", { exact: false }).waitFor();
    await shoot(page, "connect");

    // MAX: the token is checked and the webhook subscribed with the channel's secret.
    await maxForm.getByLabel("Название").fill("Бот в MAX");
    await maxForm.getByLabel("Токен бота").fill(MAX_TOKEN);
    await maxForm.getByRole("button", { name: "Подключить MAX" }).click();
    const maxRow = page.getByRole("row", { name: /Бот в MAX/ });
    await maxRow.getByText("Работает").waitFor({ timeout: 10000 });
    await maxRow.getByRole("img", { name: "MAX" }).waitFor();
    await maxRow.getByRole("link", { name: "max.ru/kurtki_bot" }).waitFor();
    assert.ok(max.state.calls.some((c) => c.path === "/me" && c.token === MAX_TOKEN), "checked with GET /me");
    const subscription = max.state.subscription;
    assert.ok(subscription, "subscribed");
    assert.match(subscription.url, new RegExp(`^${origin}/hooks/max/\\d+$`));
    assert.match(subscription.secret, /^[A-Za-z0-9_-]{5,256}$/);
    assert.ok(subscription.update_types.includes("message_callback"));

    // VK: a key VK refuses is explained on the field, in Russian; the right one connects.
    await vkForm.getByLabel("Название").fill("Сообщество магазина");
    await vkForm.getByLabel("ID сообщества").fill(`club${VK_GROUP}`);
    await vkForm.getByLabel("Ключ доступа сообщества").fill("vk1.a.wrong");
    await vkForm.getByRole("button", { name: "Подключить ВКонтакте" }).click();
    await vkForm.locator('.field-error[data-field="access_token"]', { hasText: "ВКонтакте не принял этот ключ" }).waitFor({ timeout: 10000 });
    await shoot(page, "vk-refused");
    await vkForm.getByLabel("Ключ доступа сообщества").fill(VK_TOKEN);
    await vkForm.getByRole("button", { name: "Подключить ВКонтакте" }).click();
    const vkRow = page.getByRole("row", { name: /Сообщество магазина/ });
    await vkRow.getByText("Работает").waitFor({ timeout: 10000 });
    await vkRow.getByRole("img", { name: "ВКонтакте" }).waitFor();
    await vkRow.getByRole("link", { name: `vk.com/club${VK_GROUP}` }).waitFor();
    await until(() => vk.state.confirmed, "VK's confirmation handshake");
    assert.match(vk.state.server.url, new RegExp(`^${origin}/hooks/vk/\\d+$`));
    const settings = vk.state.calls.find((c) => c.method === "groups.setCallbackSettings");
    assert.equal(settings.params.message_new, "1");
    assert.equal(settings.params.message_event, "1");
    await shoot(page, "connected");

    // A shopper writes through each; the assistant answers at the fakes.
    const update = { update_type: "message_created", timestamp: Date.now(), user_locale: "ru",
      message: { recipient: { chat_id: 182182182, chat_type: "dialog", user_id: 229229229 }, timestamp: Date.now(),
        body: { mid: "mid.browser.1", seq: 1, text: "Здравствуйте! Где мой заказ 1456789012?" },
        sender: { user_id: 123456789, first_name: "Мария", last_name: "Соколова", is_bot: false, name: "Мария Соколова" } } };
    const maxHook = await fetch(subscription.url, { method: "POST", body: JSON.stringify(update),
      headers: { "content-type": "application/json", "X-Max-Bot-Api-Secret": subscription.secret } });
    assert.equal(maxHook.status, 200);
    const event = { group_id: VK_GROUP, type: "message_new", event_id: "browser-event-1", v: "5.199", secret: vk.state.server.secret,
      object: { message: { date: Math.floor(Date.now() / 1000), from_id: 555111, id: 77, out: 0, peer_id: 555111,
        conversation_message_id: 1, text: "Добрый день! Как вернуть куртку?", attachments: [], fwd_messages: [] },
        client_info: { button_actions: ["text", "callback"], keyboard: true, inline_keyboard: true, lang_id: 0 } } };
    const vkHook = await fetch(vk.state.server.url, { method: "POST", body: JSON.stringify(event),
      headers: { "content-type": "application/json" } });
    assert.equal(vkHook.status, 200);
    assert.equal(await vkHook.text(), "ok");
    await until(() => max.state.sent.length > 0 && vk.state.sent.length > 0, "replies at MAX and VK");
    assert.equal(max.state.sent[0].chat_id, "182182182");
    assert.equal(max.state.sent[0].format, "markdown");
    assert.match(max.state.sent[0].text, /1456789012/);
    assert.equal(vk.state.sent[0].peer_id, "555111");
    assert.ok(/^\d+$/.test(vk.state.sent[0].random_id), "a random_id");

    // The operator's inbox shows both, each with its channel's mark.
    await page.getByRole("navigation", { name: "Разделы" }).getByRole("link", { name: "Диалоги" }).click();
    // The assistant answered both, so they are the bot's.
    await page.getByRole("tab", { name: /Бот/ }).click();
    await page.getByRole("button", { name: /Мария Соколова/ }).getByRole("img", { name: "MAX" }).waitFor({ timeout: 10000 });
    await page.getByRole("button", { name: /@id555111/ }).getByRole("img", { name: "ВКонтакте" }).waitFor({ timeout: 10000 });
    await page.getByRole("button", { name: /Мария Соколова/ }).click();
    await page.locator("#side-channel", { hasText: "MAX" }).waitFor();
    await shoot(page, "inbox");
    assert.deepEqual(problems, [], "no errors in the browser console");
  } finally {
    await browser.close();
    max.server.close();
    vk.server.close();
  }
});
