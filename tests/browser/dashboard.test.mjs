// The operator dashboard (/app) in a real browser: an admin signs in, a shopper asks for a
// person in the web chat, the conversation shows up live under «Ждут», the admin takes it over
// and replies, then sends a quick reply picked with `/`, the shopper's page shows the replies,
// and the conversation goes back to the bot.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const chatUrl = process.env.OTKLIK_CHAT_URL;
const email = process.env.OTKLIK_ADMIN_EMAIL;
const password = process.env.OTKLIK_ADMIN_PASSWORD;
const artifacts = new URL("../artifacts/", import.meta.url).pathname;

test("an operator takes over a handed-off web chat and answers it live", async () => {
  assert.ok(chatUrl && email && password, "tests/browser/run sets the chat URL and the admin");
  mkdirSync(artifacts, { recursive: true });
  const origin = new URL(chatUrl).origin;
  // A quick reply of the shop, added through the API before the dashboard loads them.
  const quickText = "Доставка занимает от 2 до 5 дней — статус виден в приложении маркетплейса.";
  const login = await fetch(`${origin}/api/v1/auth/login`, { method: "POST",
    headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });
  assert.equal(login.status, 200);
  const { access_token: token } = await login.json();
  const created = await fetch(`${origin}/api/v1/quick-replies`, { method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ title: "Сроки доставки", text: quickText, shortcut: "dostavka" }) });
  assert.equal(created.status, 201);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const operatorContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ru-RU" });
    const dashboard = await operatorContext.newPage();
    const external = [];
    const problems = [];
    dashboard.on("request", (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith(origin.replace("http", "ws"))) {
        external.push(request.url());
      }
    });
    dashboard.on("console", (message) => { if (message.type() === "error") problems.push(message.text()); });
    dashboard.on("pageerror", (error) => problems.push(String(error)));

    await dashboard.goto(`${origin}/app`);
    await dashboard.getByLabel("Эл. почта").waitFor();
    await dashboard.screenshot({ path: `${artifacts}dashboard-login.png` });
    await dashboard.getByLabel("Эл. почта").fill(email);
    await dashboard.getByLabel("Пароль").fill(password);
    await dashboard.keyboard.press("Enter");
    await dashboard.locator("#live.on").waitFor({ timeout: 10000 });
    assert.equal(await dashboard.getByRole("tab", { name: /Ждут/ }).getAttribute("aria-selected"), "true");

    const waitingBefore = await dashboard.locator(".conv").evaluateAll((convs) => convs.map((c) => c.dataset.id));

    // The shopper, in a browser of their own.
    const shopperContext = await browser.newContext({ viewport: { width: 800, height: 800 } });
    const shopper = await shopperContext.newPage();
    await shopper.goto(chatUrl);
    await shopper.getByRole("textbox", { name: "Сообщение" }).fill("позовите оператора");
    await shopper.keyboard.press("Enter");

    // Live: no reload of the dashboard.
    // Other browser tests' shoppers may be waiting too: this shopper's conversation is the new one.
    const newId = await dashboard.waitForFunction((known) => {
      const fresh = [...document.querySelectorAll(".conv")].find((c) => !known.includes(c.dataset.id));
      return fresh ? fresh.dataset.id : null;
    }, waitingBefore, { timeout: 20000 });
    const conversation = dashboard.locator(`.conv[data-id="${await newId.jsonValue()}"]`);
    await conversation.waitFor({ timeout: 20000 });
    await dashboard.locator('[data-counter="waiting"]', { hasText: /^[1-9]/ }).waitFor({ timeout: 10000 });
    await dashboard.screenshot({ path: `${artifacts}dashboard-list.png` });

    await conversation.click();
    await dashboard.locator("#timeline .msg.inbound", { hasText: "позовите оператора" }).waitFor({ timeout: 10000 });
    await dashboard.getByRole("button", { name: "Взять в работу" }).click();
    await dashboard.locator("#chat-mode", { hasText: "У оператора" }).waitFor({ timeout: 10000 });
    await dashboard.keyboard.press("Alt+2"); // «Мои»

    const answer = "Здравствуйте! Я оператор Анна, чем могу помочь?";
    await dashboard.getByRole("textbox", { name: "Ответ покупателю" }).fill(answer);
    await dashboard.keyboard.press("Control+Enter");
    await dashboard.locator("#timeline .msg.outbound", { hasText: answer }).waitFor({ timeout: 10000 });

    // The shopper's page hears it over its own live stream.
    await shopper.locator(".msg.reply", { hasText: answer }).waitFor({ timeout: 20000 });
    // Delivered: the tick turns to sent once the worker reports it (polled or pushed).
    await dashboard.locator("#timeline .msg.outbound", { hasText: answer }).locator(".tick.sent")
      .waitFor({ timeout: 20000 });
    await dashboard.locator('[data-counter="mine"]', { hasText: "1" }).waitFor({ timeout: 10000 });
    await dashboard.locator(".conv", { hasText: answer }).waitFor({ timeout: 10000 });
    await dashboard.screenshot({ path: `${artifacts}dashboard-chat.png` });
    await dashboard.emulateMedia({ colorScheme: "dark" });
    await dashboard.screenshot({ path: `${artifacts}dashboard-chat-dark.png` });
    await dashboard.emulateMedia({ colorScheme: "light" });

    // A quick reply: `/` and the shortcut's start filter the picker; the pick fills the box.
    const box = dashboard.getByRole("textbox", { name: "Ответ покупателю" });
    await box.fill("/dost");
    await dashboard.getByRole("option", { name: /Сроки доставки/ }).click();
    assert.equal(await box.inputValue(), quickText);
    await dashboard.keyboard.press("Control+Enter");
    await dashboard.locator("#timeline .msg.outbound", { hasText: quickText }).waitFor({ timeout: 10000 });
    await shopper.locator(".msg.reply", { hasText: quickText }).waitFor({ timeout: 20000 });

    await dashboard.getByRole("button", { name: "Вернуть боту" }).click();
    await dashboard.locator("#chat-mode", { hasText: "Бот" }).waitFor({ timeout: 10000 });
    await dashboard.getByRole("tab", { name: /Бот/ }).click();
    await dashboard.locator(".conv[aria-current=true]").waitFor({ timeout: 10000 });

    assert.deepEqual(external, [], "the dashboard makes no requests to other hosts");
    assert.deepEqual(problems, [], "no script errors or CSP violations");
  } finally {
    await browser.close();
  }
});
