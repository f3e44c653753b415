// The "Done when" in one go: a merchant signs up through the API, gets a new password
// through the reset screens, connects a web chat and a Telegram bot (a small fake Bot API
// stands in for Telegram), which wait until the e-mailed link confirms the address, writes and approves an article and invites an operator; the
// operator joins through the invitation screen and handles a conversation the assistant
// handed off from the new web chat, live, while the shopper sees the reply.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { chromium } from "playwright-core";

const origin = new URL(process.env.OTKLIK_CHAT_URL ?? "http://127.0.0.1:18181").origin;
const telegramUrl = process.env.OTKLIK_TELEGRAM_API_URL;
const artifacts = new URL("../artifacts/", import.meta.url).pathname;

const shot = (page, name) => page.screenshot({ path: `${artifacts}journey-${name}.png` });

/**
 * The two Bot API methods connecting a bot needs, answered as Telegram does
 * (../shared/reference/protocols.md; tests/src/telegram.rs is the Rust twin). Records each call.
 */
function fakeTelegram(url) {
  const calls = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", () => {
      const [, bot, method] = req.url.split("/");
      const token = bot.replace(/^bot/, "");
      calls.push({ token, method: method.toLowerCase(), body });
      const id = Number(token.split(":")[0]);
      const answer = method.toLowerCase() === "getme"
        ? { ok: true, result: { id, is_bot: true, first_name: "Магазин", username: `shop_${id}_bot`,
          can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false,
          can_connect_to_business: false, has_main_web_app: false } }
        : method.toLowerCase() === "setwebhook" ? { ok: true, result: true }
          : { ok: false, error_code: 404, description: "Not Found: method not found" };
      res.writeHead(answer.ok ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    });
  });
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => server.listen(Number(port), hostname, () => resolve({ server, calls })));
}

/** The card shown before sign-in: the sign-in form, or a screen for an e-mailed link. */
const card = (page) => page.locator(".login:visible");

async function signIn(page, email, password) {
  await card(page).getByLabel("Эл. почта").fill(email);
  await card(page).getByLabel("Пароль").fill(password);
  await page.getByRole("button", { name: "Войти" }).click();
  await page.locator("#live.on").waitFor({ timeout: 10000 });
}

async function openPage(page, name, heading) {
  await page.getByRole("navigation", { name: "Разделы" }).getByRole("link", { name, exact: true }).click();
  await page.locator("#page h2", { hasText: heading ?? name }).waitFor();
}

/** Watches a page for script errors and requests to other hosts. */
function watch(page, problems) {
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith(origin.replace("http", "ws"))) problems.push(`request to ${url}`);
  });
  // The refusals this test provokes on purpose are logged by the browser too.
  page.on("console", (message) => {
    if (message.type() === "error" && !/status of (404|422)/.test(message.text())) problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(String(error)));
}

test("a merchant sets up a shop and an invited operator handles a handed-off conversation", async () => {
  assert.ok(telegramUrl && process.env.DATABASE_URL, "tests/browser/run sets the Telegram API URL and the database");
  mkdirSync(artifacts, { recursive: true });
  const telegram = await fakeTelegram(telegramUrl);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const problems = [];
  try {
    // Sign-up is API-only: the documented endpoint, as a merchant's script or the landing page calls it.
    const email = "owner@journey.example";
    const signup = await fetch(`${origin}/api/v1/auth/signup`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ shop_name: "Куртки и пуховики", slug: "journey", email, password: "first password 2026",
        accept_terms: true, accept_personal_data: true }),
    });
    assert.equal(signup.status, 201, await signup.text());

    const merchantContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ru-RU" });
    const merchant = await merchantContext.newPage();
    watch(merchant, problems);
    await merchant.goto(`${origin}/app`);

    // Forgot password: the answer is the same whether or not the address exists.
    await card(merchant).getByLabel("Эл. почта").fill(email);
    await merchant.getByRole("button", { name: "Забыли пароль?" }).click();
    await merchant.getByRole("button", { name: "Прислать ссылку" }).waitFor();
    assert.equal(await card(merchant).getByLabel("Эл. почта").inputValue(), email, "the address carries over");
    await merchant.getByRole("button", { name: "Прислать ссылку" }).click();
    await merchant.getByRole("status")
      .filter({ hasText: "Если такой адрес зарегистрирован, мы отправили на него ссылку для смены пароля." })
      .waitFor({ timeout: 10000 });
    await shot(merchant, "forgot");

    // The e-mailed link (the e-mail itself is tested in Rust; there is no SMTP here): a token
    // stored the way the notify pool stores it.
    const token = randomBytes(32).toString("base64url");
    const hash = createHash("sha256").update(token).digest("hex");
    execFileSync("psql", [process.env.DATABASE_URL, "-qc", `INSERT INTO password_resets (tenant_id, user_id, token_hash, expires_at)
      SELECT tenant_id, id, '${hash}', now() + interval '1 hour' FROM users WHERE email = '${email}'`]);
    await merchant.goto(`${origin}/app/#/reset/not-a-real-token`);
    await merchant.reload();
    const newPassword = card(merchant).getByLabel("Пароль", { exact: true });
    const again = card(merchant).getByLabel("Пароль ещё раз");
    await newPassword.fill("новый пароль для журнала");
    await again.fill("новый пароль для журнала");
    await merchant.getByRole("button", { name: "Сменить пароль" }).click();
    await merchant.getByRole("alert").filter({ hasText: "Ссылка устарела или уже использована" }).waitFor();

    await merchant.goto(`${origin}/app/#/reset/${token}`);
    await merchant.reload();
    // The server's word on a short password shows by its field; a mismatch is caught at once.
    await newPassword.fill("короткий");
    await again.fill("короткий");
    await merchant.getByRole("button", { name: "Сменить пароль" }).click();
    await merchant.locator('.field-error[data-field="password"]', { hasText: "Не короче 10 знаков" }).waitFor();
    await newPassword.fill("новый пароль для журнала");
    await again.fill("новый пароль для журнла");
    await merchant.getByRole("button", { name: "Сменить пароль" }).click();
    await merchant.locator('.field-error[data-field="again"]', { hasText: "Пароли не совпадают" }).waitFor();
    await shot(merchant, "reset");
    await again.fill("новый пароль для журнала");
    await merchant.getByRole("button", { name: "Сменить пароль" }).click();
    await merchant.getByRole("status").filter({ hasText: "Пароль изменён. Войдите с новым паролем." }).waitFor();
    assert.equal(new URL(merchant.url()).hash, "", "the used link leaves the address bar");
    await shot(merchant, "reset-done");
    await signIn(merchant, email, "новый пароль для журнала");
    assert.equal(await merchant.locator("#tenant-name").textContent(), "Куртки и пуховики");

    // Channels: a web chat, and a Telegram bot checked with getMe and given its webhook.
    await openPage(merchant, "Каналы");
    const webchat = merchant.locator("section", { hasText: "Создать веб-чат" });
    await webchat.getByLabel("Название").fill("Чат на сайте");
    await webchat.getByRole("button", { name: "Создать веб-чат" }).click();
    const link = webchat.getByRole("textbox", { name: "Ссылка на веб-чат" });
    await link.waitFor({ timeout: 10000 });
    const chatUrl = await link.inputValue();
    assert.match(chatUrl, new RegExp(`^${origin}/chat/\\d+$`));
    const bot = merchant.locator("section", { hasText: "Подключить Telegram-бота" });
    await bot.getByLabel("Название").fill("Бот магазина");
    await bot.getByLabel("Токен бота").fill("7012345678:AAHjourneyJourneyJourney_0123456789");
    await bot.getByRole("button", { name: "Подключить бота" }).click();
    // Connected before the owner confirmed the address: held off until then.
    const waiting = "Включится после подтверждения почты";
    await merchant.getByRole("row", { name: /Бот магазина/ }).getByText(waiting).waitFor({ timeout: 10000 });
    await merchant.getByRole("row", { name: /Чат на сайте/ }).getByText(waiting).waitFor();
    assert.equal((await fetch(chatUrl)).status, 404, "the web chat does not serve shoppers yet");

    // The link e-mailed at sign-up (read from the fake SMTP's mailbox) confirms the address;
    // the shop goes live and its channels switch on.
    const mailbox = await (await fetch(`${process.env.OTKLIK_MAILBOX_URL}/mail?to=${encodeURIComponent(email)}`)).json();
    const confirmation = mailbox.map((mail) => mail.text.split(/\s+/).find((word) => word.includes("/verify-email?token=")))
      .find(Boolean);
    assert.ok(confirmation, `a confirmation link among ${mailbox.length} mails`);
    await merchant.goto(confirmation);
    await merchant.getByRole("button", { name: "Подтвердить адрес" }).click();
    await merchant.getByRole("link", { name: "Перейти в панель" }).click();
    await merchant.locator("#live.on").waitFor({ timeout: 10000 });
    await openPage(merchant, "Каналы");
    await merchant.getByRole("row", { name: /Бот магазина/ }).getByText("Работает").waitFor({ timeout: 10000 });
    await merchant.getByRole("row", { name: /Чат на сайте/ }).getByText("Работает").waitFor();
    const hook = telegram.calls.find((call) => call.method === "setwebhook");
    assert.ok(telegram.calls.some((call) => call.method === "getme"), "the token was checked with getMe");
    assert.ok(hook, "the webhook was registered");
    assert.match(hook.body, new RegExp(`${origin}/hooks/telegram/\\d+`));
    await merchant.locator("#toast").evaluate((toast) => { toast.hidden = true; });
    await shot(merchant, "channels");

    // Knowledge: an article, approved.
    await openPage(merchant, "База знаний");
    const main = merchant.locator("#page");
    await merchant.getByRole("button", { name: "Новая статья" }).click();
    await main.getByLabel("Заголовок").fill("Гарантия на куртки");
    await main.getByLabel("Категория").fill("Гарантия");
    await main.getByLabel("Текст", { exact: true })
      .fill("На все куртки действует гарантия 30 дней: брак заменим или вернём деньги.");
    await merchant.getByRole("button", { name: "Создать статью" }).click();
    await merchant.getByRole("heading", { name: "Гарантия на куртки" }).waitFor();
    await merchant.getByRole("button", { name: "Одобрить" }).click();
    await merchant.locator(".versions li", { hasText: "Версия 1" }).getByText("Действующая").waitFor({ timeout: 10000 });
    await openPage(merchant, "База знаний");
    await merchant.getByRole("row", { name: /Гарантия на куртки/ }).getByText("Опубликована").waitFor();
    await shot(merchant, "knowledge");

    // People: the invitation's link is shown to the admin.
    await openPage(merchant, "Сотрудники");
    await main.getByLabel("Эл. почта").fill("operator@journey.example");
    await main.getByLabel("Роль", { exact: true }).selectOption("operator");
    await merchant.getByRole("button", { name: "Пригласить" }).click();
    const acceptLink = main.getByRole("textbox", { name: "Ссылка-приглашение" });
    await acceptLink.waitFor({ timeout: 10000 });
    const acceptUrl = await acceptLink.inputValue();
    assert.match(acceptUrl, new RegExp(`^${origin}/app/#/invitation/[A-Za-z0-9_-]+$`));
    await merchant.getByRole("row", { name: /operator@journey\.example/ }).waitFor();
    await merchant.locator("#toast").evaluate((toast) => { toast.hidden = true; });
    await shot(merchant, "invite");

    // The operator, in a browser of their own, joins through the link.
    const operatorContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ru-RU" });
    const operator = await operatorContext.newPage();
    watch(operator, problems);
    await operator.goto(acceptUrl);
    await card(operator).getByLabel("Ваше имя").fill("Марина");
    await card(operator).getByLabel("Пароль").fill("пароль оператора 2026");
    await shot(operator, "accept");
    await operator.getByRole("button", { name: "Присоединиться" }).click();
    await operator.locator("#live.on").waitFor({ timeout: 10000 });
    assert.equal(await operator.locator("#user-name").textContent(), "Марина");
    assert.equal(await operator.getByRole("tab", { name: /Ждут/ }).getAttribute("aria-selected"), "true");
    assert.ok(await operator.locator('#pages-nav [data-page="users"]').isHidden(), "an operator does not manage people");
    assert.ok(await operator.locator('#pages-nav [data-page="knowledge"]').isVisible());

    // A shopper in the new web chat asks for a person; the assistant hands the conversation over.
    const shopperContext = await browser.newContext({ viewport: { width: 800, height: 800 } });
    const shopper = await shopperContext.newPage();
    watch(shopper, problems);
    await shopper.goto(chatUrl);
    await shopper.getByRole("textbox", { name: "Сообщение" }).fill("Пришла куртка с дыркой, позовите, пожалуйста, оператора");
    await shopper.keyboard.press("Enter");

    const conversation = operator.locator(".conv", { hasText: /./ }).first();
    await conversation.waitFor({ timeout: 20000 });
    await operator.locator('[data-counter="waiting"]', { hasText: "1" }).waitFor({ timeout: 10000 });
    await conversation.click();
    await operator.locator("#timeline .msg.inbound", { hasText: "куртка с дыркой" }).waitFor({ timeout: 10000 });
    await shot(operator, "waiting");
    await operator.getByRole("button", { name: "Взять в работу" }).click();
    await operator.locator("#chat-mode", { hasText: "У оператора" }).waitFor({ timeout: 10000 });
    const answer = "Здравствуйте! Я Марина. Очень жаль — заменим куртку, пришлите, пожалуйста, фото дырки.";
    await operator.getByRole("textbox", { name: "Ответ покупателю" }).fill(answer);
    await operator.keyboard.press("Control+Enter");
    await operator.locator("#timeline .msg.outbound", { hasText: answer }).locator(".tick.sent")
      .waitFor({ timeout: 20000 });
    await shopper.locator(".msg.reply", { hasText: answer }).waitFor({ timeout: 20000 });
    await shot(shopper, "shopper");
    await shot(operator, "reply");

    // The operator hands the conversation to the owner from the side panel (the owner gave no
    // name, so their address stands for it), and the owner sees it as theirs.
    const assignee = operator.getByLabel("Ответственный");
    assert.equal(await assignee.locator("option:checked").textContent(), "Марина (вы)");
    await assignee.selectOption({ label: email });
    await operator.locator("#toast", { hasText: `Разговор передан: ${email}` }).waitFor({ timeout: 10000 });
    await operator.locator('[data-counter="mine"]', { hasText: "0" }).waitFor({ timeout: 10000 });
    await merchant.getByRole("navigation", { name: "Разделы" }).getByRole("link", { name: "Диалоги", exact: true }).click();
    await merchant.locator('[data-counter="mine"]', { hasText: "1" }).waitFor({ timeout: 10000 });

    await operator.getByRole("button", { name: "Вернуть боту" }).click();
    await operator.locator("#chat-mode", { hasText: "Бот" }).waitFor({ timeout: 10000 });
    await operator.locator('[data-counter="waiting"]', { hasText: "0" }).waitFor({ timeout: 10000 });
    await operator.locator('[data-counter="mine"]', { hasText: "0" }).waitFor({ timeout: 10000 });

    // Closing asks once more on the button; a closed conversation has no reply box.
    await operator.getByRole("button", { name: "Закрыть" }).click();
    await operator.getByRole("button", { name: "Точно закрыть?" }).click();
    await operator.locator("#chat-mode", { hasText: "Закрыт" }).waitFor({ timeout: 10000 });
    await operator.locator("#closed-note").waitFor();
    assert.ok(await operator.locator("#reply-form").isHidden(), "no reply box on a closed conversation");
    await shot(operator, "closed");

    assert.deepEqual(problems, [], "no script errors, CSP violations or requests to other hosts");
  } finally {
    await browser.close();
    telegram.server.close();
  }
});
