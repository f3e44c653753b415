// The dashboard's other pages in a real browser, as the demo shop's admin: a knowledge article
// is written and approved and another imported from Markdown, a setting survives a reload, a
// quick reply is added (after the server refuses a bad shortcut), a web chat is created, shows
// its link and is switched off (after Telegram refuses a bad token), a customer's page opens
// their conversation, and an operator is invited.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const chatUrl = process.env.OTKLIK_CHAT_URL;
const email = process.env.OTKLIK_ADMIN_EMAIL;
const password = process.env.OTKLIK_ADMIN_PASSWORD;
const artifacts = new URL("../artifacts/", import.meta.url).pathname;

/** Both themes of the page as it is now: `dashboard-<name>.png` and `-dark.png`. */
async function shoot(page, name) {
  // A notice from the step before would cover the page.
  await page.locator("#toast").evaluate((toast) => { toast.hidden = true; });
  await page.screenshot({ path: `${artifacts}dashboard-${name}.png` });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: `${artifacts}dashboard-${name}-dark.png` });
  await page.emulateMedia({ colorScheme: "light" });
}

async function openPage(page, name, heading) {
  await page.getByRole("navigation", { name: "Разделы" }).getByRole("link", { name, exact: true }).click();
  await page.locator("#page h2", { hasText: heading ?? name }).waitFor();
}

test("an admin runs the shop from the dashboard's pages", async () => {
  assert.ok(chatUrl && email && password, "tests/browser/run sets the chat URL and the admin");
  mkdirSync(artifacts, { recursive: true });
  const origin = new URL(chatUrl).origin;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    // A shopper of the demo shop, so the customers page has someone to show.
    const shopper = await browser.newPage({ viewport: { width: 800, height: 800 } });
    await shopper.goto(chatUrl);
    await shopper.getByRole("textbox", { name: "Сообщение" }).fill("Добрый день! Есть ли размер M?");
    await shopper.keyboard.press("Enter");
    await shopper.locator(".msg.reply").first().waitFor({ timeout: 20000 });

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ru-RU" });
    const page = await context.newPage();
    const external = [];
    const problems = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith(origin.replace("http", "ws"))) {
        external.push(request.url());
      }
    });
    // The 422s this test provokes on purpose are logged by the browser too; anything else counts.
    page.on("console", (message) => {
      if (message.type() === "error" && !/status of 422/.test(message.text())) problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(String(error)));

    await page.goto(`${origin}/app`);
    await page.getByLabel("Эл. почта").fill(email);
    await page.getByLabel("Пароль").fill(password);
    await page.keyboard.press("Enter");
    await page.locator("#live.on").waitFor({ timeout: 10000 });
    const main = page.locator("#page");

    // Knowledge: a new article is a draft until approved.
    await openPage(page, "База знаний");
    await page.getByRole("button", { name: "Новая статья" }).click();
    await main.getByLabel("Заголовок").fill("Сроки возврата");
    await main.getByLabel("Категория").fill("Возвраты");
    await main.getByLabel("Теги").fill("возврат, сроки");
    await main.getByLabel("Текст", { exact: true }).fill("Вернуть товар можно в течение 14 дней после получения.");
    await page.getByRole("button", { name: "Создать статью" }).click();
    await page.getByRole("heading", { name: "Сроки возврата" }).waitFor();
    await page.locator(".versions li", { hasText: "Версия 1" }).getByText("Черновик").waitFor();
    await page.getByRole("button", { name: "Одобрить" }).click();
    await page.locator(".versions li", { hasText: "Версия 1" }).getByText("Действующая").waitFor({ timeout: 10000 });
    await openPage(page, "База знаний");
    const row = page.getByRole("row", { name: /Сроки возврата/ }).first();
    await row.getByText("Опубликована").waitFor();
    assert.match(await row.textContent(), /Возвраты.*возврат, сроки/);
    // A Markdown file: each heading becomes a draft article.
    await main.locator('input[type="file"]').setInputFiles({ name: "faq.md", mimeType: "text/markdown",
      buffer: Buffer.from("# Способы оплаты\n\nОплатить заказ можно картой или через СБП.\n") });
    await page.locator("#toast", { hasText: "Импортировано статей: 1" }).waitFor({ timeout: 10000 });
    await page.getByRole("row", { name: /Способы оплаты/ }).first().getByText("Черновик").waitFor();
    await shoot(page, "knowledge");

    // Settings: saved, and still there after a reload.
    await openPage(page, "Настройки", "Настройки ассистента");
    const persona = "Вы — Анна из магазина «Демо». Пишите тепло и коротко, на «вы».";
    const policy = "Вернуть товар можно в течение 30 дней, если сохранены бирки и упаковка.";
    await main.getByLabel("Персона ассистента").fill(persona);
    await main.getByLabel("Тон ответов").selectOption("warm");
    await main.getByLabel("Возврат и обмен").fill(policy);
    await main.getByRole("checkbox", { name: "Отмена заказа" }).check();
    await main.getByLabel("Слова, после которых").fill("юрист, суд");
    // The server's word on a cap out of range shows by the field.
    const cap = main.getByLabel("Ответов ассистента подряд");
    await cap.fill("11");
    await page.getByRole("button", { name: "Сохранить" }).click();
    await page.locator('.field-error[data-field="handoff.after_bot_replies"]', { hasText: "от 1 до 10" }).waitFor();
    await cap.fill("5");
    await page.getByRole("button", { name: "Сохранить" }).click();
    await page.locator("#toast", { hasText: "Настройки сохранены" }).waitFor();
    await page.reload();
    await main.getByLabel("Персона ассистента").waitFor({ timeout: 10000 });
    assert.equal(await main.getByLabel("Персона ассистента").inputValue(), persona);
    assert.equal(await main.getByLabel("Тон ответов").inputValue(), "warm");
    assert.equal(await main.getByLabel("Возврат и обмен").inputValue(), policy);
    assert.ok(await main.getByRole("checkbox", { name: "Отмена заказа" }).isChecked());
    assert.equal(await main.getByLabel("Слова, после которых").inputValue(), "юрист, суд");
    assert.equal(await cap.inputValue(), "5");
    // E-mail alerts: on by default, switched off with a click, still off after a reload.
    const alerts = page.locator("section", { hasText: "Уведомления на почту" });
    const waiting = alerts.getByRole("checkbox", { name: "Покупатель ждёт ответа сотрудника" });
    assert.ok(await waiting.isChecked());
    await waiting.uncheck();
    await page.locator("#toast", { hasText: "Уведомление выключено" }).waitFor();
    await page.reload();
    await waiting.waitFor({ timeout: 10000 });
    assert.ok(!(await waiting.isChecked()));
    assert.ok(await alerts.getByRole("checkbox", { name: "Не удаётся синхронизировать кабинет маркетплейса" }).isChecked());
    await shoot(page, "settings");

    // Quick replies: the server's word on a bad shortcut shows by the field.
    await openPage(page, "Быстрые ответы");
    await main.getByLabel("Название").fill("Возврат");
    await main.getByLabel("Сокращение").fill("Плохое сокращение");
    await main.getByLabel("Текст ответа").fill("Вернуть товар можно в течение 14 дней — оформите возврат в приложении.");
    await page.getByRole("button", { name: "Добавить" }).click();
    await page.locator('.field-error[data-field="shortcut"]', { hasText: /./ }).waitFor();
    await main.getByLabel("Сокращение").fill("vozvrat");
    await page.getByRole("button", { name: "Добавить" }).click();
    await page.getByRole("row", { name: /\/vozvrat/ }).first().waitFor({ timeout: 10000 });
    await shoot(page, "quick-replies");

    // Channels: Telegram refuses a made-up token; a web chat gets its page.
    await openPage(page, "Каналы");
    const telegram = page.locator("section", { hasText: "Подключить Telegram-бота" });
    await telegram.getByLabel("Название").fill("Бот магазина");
    await telegram.getByLabel("Токен бота").fill("не-токен");
    await telegram.getByRole("button", { name: "Подключить бота" }).click();
    await telegram.locator('.field-error[data-field="bot_token"]', { hasText: /./ }).waitFor();
    const webchat = page.locator("section", { hasText: "Создать веб-чат" });
    await webchat.getByLabel("Название").fill("Виджет на сайте");
    await webchat.getByRole("button", { name: "Создать веб-чат" }).click();
    const link = webchat.getByRole("textbox", { name: "Ссылка на веб-чат" });
    await link.waitFor({ timeout: 10000 });
    assert.match(await link.inputValue(), new RegExp(`^${origin}/chat/\\d+$`));
    const widget = page.getByRole("row", { name: /Виджет на сайте/ });
    await widget.getByText("Работает").waitFor();
    await shoot(page, "channels");
    // Switching off asks first.
    await widget.getByRole("button", { name: "Отключить" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Отключить" }).click();
    await page.getByRole("row", { name: /Виджет на сайте/ }).getByText("Отключён").waitFor({ timeout: 10000 });
    // A WB token that is not one: the sync pool's check says so in the seller's own terms.
    const accounts = page.locator("section", { hasText: "Кабинеты Wildberries и Ozon" });
    await accounts.getByLabel("Название").fill("Кабинет WB · Север");
    await accounts.getByLabel("Токен API").fill("не-токен");
    await accounts.getByRole("button", { name: "Подключить кабинет" }).click();
    const account = page.getByRole("row", { name: /Кабинет WB · Север/ });
    await account.getByText("Данные не подошли").waitFor({ timeout: 30000 });
    await account.getByText(/не похоже на токен WB API/).waitFor();
    await account.scrollIntoViewIfNeeded();
    await shoot(page, "marketplace-accounts");

    // Customers: the shopper above, their page, and their conversation in the chat view.
    await openPage(page, "Покупатели");
    await page.locator("table.grid tbody a").first().click();
    await page.getByRole("heading", { name: "Диалоги" }).waitFor();
    await shoot(page, "customers");
    await page.getByRole("button", { name: /^Диалог №/ }).first().click();
    await page.locator("#chat-view").waitFor({ state: "visible" });
    await page.locator("#timeline .msg.inbound").first().waitFor({ timeout: 10000 });

    // People: an operator is invited and waits in the list.
    await openPage(page, "Сотрудники");
    await main.getByLabel("Эл. почта").fill("operator2@demo.example");
    await main.getByLabel("Роль", { exact: true }).selectOption("operator");
    await page.getByRole("button", { name: "Пригласить" }).click();
    await page.getByRole("row", { name: /operator2@demo\.example/ }).first().waitFor({ timeout: 10000 });
    await shoot(page, "users");

    assert.deepEqual(external, [], "the dashboard makes no requests to other hosts");
    assert.deepEqual(problems, [], "no script errors or CSP violations");
  } finally {
    await browser.close();
  }
});
