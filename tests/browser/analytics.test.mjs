// «Аналитика» in a real browser, from the demo shop's own traffic: two shoppers write in the web
// chat — one question the assistant answers, one asking for a person — and the admin sees the
// conversations, the handoff reason in Russian (never its code), the figures and the channel,
// and downloads the CSV. Nothing is fetched from outside the installation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const chatUrl = process.env.OTKLIK_CHAT_URL;
const email = process.env.OTKLIK_ADMIN_EMAIL;
const password = process.env.OTKLIK_ADMIN_PASSWORD;
const artifacts = new URL("../artifacts/", import.meta.url).pathname;

async function shopperWrites(browser, text) {
  const shopper = await browser.newPage({ viewport: { width: 800, height: 800 } });
  await shopper.goto(chatUrl);
  await shopper.getByRole("textbox", { name: "Сообщение" }).fill(text);
  await shopper.keyboard.press("Enter");
  await shopper.locator(".msg.reply").first().waitFor({ timeout: 20000 });
  await shopper.close();
}

test("the seller sees the automation rate and the handoff reasons of the shop's own traffic", async () => {
  assert.ok(chatUrl && email && password, "tests/browser/run sets the chat URL and the admin");
  mkdirSync(artifacts, { recursive: true });
  const origin = new URL(chatUrl).origin;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    await shopperWrites(browser, "Добрый день! Есть ли размер M?");
    await shopperWrites(browser, "Позовите, пожалуйста, оператора");

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, locale: "ru-RU" });
    const page = await context.newPage();
    const external = [];
    const problems = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith(origin.replace("http", "ws"))
        && !request.url().startsWith("blob:")) {
        external.push(request.url());
      }
    });
    page.on("console", (message) => { if (message.type() === "error") problems.push(message.text()); });
    page.on("pageerror", (error) => problems.push(String(error)));

    await page.goto(`${origin}/app`);
    await page.getByLabel("Эл. почта").fill(email);
    await page.getByLabel("Пароль").fill(password);
    await page.keyboard.press("Enter");
    await page.locator("#live.on").waitFor({ timeout: 10000 });
    await page.getByRole("navigation", { name: "Разделы" }).getByRole("link", { name: "Аналитика", exact: true }).click();
    const main = page.locator("#page");
    await main.locator("h2", { hasText: "Аналитика" }).waitFor();

    const involvement = main.locator(".stat", { hasText: "Бот ответил" });
    await involvement.waitFor();
    // Other browser tests write in the same demo shop: at least these two conversations count.
    const decided = /из (\d+) диалог/.exec(await involvement.textContent());
    assert.ok(decided && Number(decided[1]) >= 2, await involvement.textContent());
    assert.doesNotMatch(await main.textContent(), /\b1 (диалогов|обращений)|из 1 (диалогов|обращений)/);
    const handedOff = main.locator(".stat", { hasText: "Передано сотрудникам" });
    assert.match(await handedOff.textContent(), /[1-9]\d* диалог(а|ов)?$/);
    await main.locator("svg[aria-label='Причины передачи'] text", { hasText: "Покупатель просит сотрудника" }).waitFor();
    await main.getByRole("table", { name: "По каналам" }).getByText(/Веб-чат/).first().waitFor();
    const text = await main.textContent();
    for (const code of ["human_request", "bot_resolved", "bot_pending", "handed_off", "greeting_only", "webchat"]) {
      assert.ok(!text.includes(code), `an internal code is shown: ${code}`);
    }

    await page.locator("#toast").evaluate((toast) => { toast.hidden = true; });
    await page.screenshot({ path: `${artifacts}dashboard-analytics.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: `${artifacts}dashboard-analytics-dark.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: "light" });

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Скачать CSV" }).click(),
    ]);
    const csv = readFileSync(await download.path(), "utf8");
    const lines = csv.replace(/^\uFEFF/, "").trim().split(/\r\n/);
    assert.match(lines[0], /^conversation_id,channel_id,channel,started_at,outcome/);
    assert.ok(lines.length >= 3, csv);
    assert.ok(lines.some((l) => l.includes(",handed_off,")), csv);

    assert.deepEqual(external, [], "nothing is fetched from outside");
    assert.deepEqual(problems, [], "no errors in the browser console");
  } finally {
    await browser.close();
  }
});
