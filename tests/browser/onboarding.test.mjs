// A Russian seller signs up in the dashboard and pays: the sign-up form refuses without both
// consents, the new shop's start page shows the first-run checklist and asks to confirm the
// address, the link in the e-mail (read from the fake SMTP's mailbox) confirms it, the billing page shows the
// trial and the plans in roubles, a reply cap is saved, and «Оплатить» leads to ЮKassa's page
// (the fake's), which pays and returns to the billing page with the subscription paid.
// The demo shop is shared by every browser test, so this one signs up a shop of its own with a
// fresh address.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const chatUrl = process.env.OTKLIK_CHAT_URL;
const artifacts = new URL("../artifacts/", import.meta.url).pathname;
/** Intl writes «39 900 ₽» with no-break spaces; the test reads it with plain ones. */
const plain = (text) => text.replace(/[\u00a0\u202f]/g, " ");

/** The mail to `to` the fake SMTP relay took so far (tests/browser/run starts it). */
async function mailTo(to) {
  const res = await fetch(`${process.env.OTKLIK_MAILBOX_URL}/mail?to=${encodeURIComponent(to)}`);
  assert.ok(res.ok, `the mailbox answers ${res.status}`);
  return res.json();
}

async function shot(page, name) {
  await page.screenshot({ path: `${artifacts}onboarding-${name}.png` });
}

test("a seller signs up, sees the checklist, and pays for a plan on ЮKassa's page", async () => {
  assert.ok(chatUrl && process.env.OTKLIK_YOOKASSA_API_BASE && process.env.OTKLIK_MAILBOX_URL,
    "tests/browser/run sets the chat URL, the fake ЮKassa and the mailbox");
  mkdirSync(artifacts, { recursive: true });
  const origin = new URL(chatUrl).origin;
  const yookassa = new URL(process.env.OTKLIK_YOOKASSA_API_BASE).origin;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const problems = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ru-RU" });
    const page = await context.newPage();
    page.on("request", (request) => {
      const url = request.url();
      const ours = url.startsWith(origin) || url.startsWith(origin.replace("http", "ws")) || url.startsWith(yookassa);
      if (!ours) problems.push(`request to ${url}`);
    });
    page.on("console", (message) => {
      if (message.type() === "error" && !/status of (422|409)/.test(message.text())) problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(String(error)));

    await page.goto(`${origin}/app/`);
    await page.getByRole("button", { name: "Создать аккаунт" }).click();
    const form = page.locator(".login:visible");
    const email = `owner-${Date.now()}-${process.pid}@onboarding.example`;
    await form.getByLabel("Название магазина").fill("Пуховики «Северный ветер»");
    await form.getByLabel("Эл. почта").fill(email);
    await form.getByLabel("Пароль").fill("надёжный пароль 2026");

    // Without the consents the form refuses, by each checkbox, before anything is sent.
    let signups = 0;
    page.on("request", (request) => { if (request.url().endsWith("/api/v1/auth/signup")) signups += 1; });
    await form.getByRole("button", { name: "Создать аккаунт" }).click();
    const refusal = form.locator(".field-error", { hasText: "Без этого согласия зарегистрироваться нельзя" });
    await refusal.first().waitFor();
    assert.equal(await refusal.count(), 2, "both consents are asked for");
    assert.equal(signups, 0, "nothing is sent without the consents");
    await shot(page, "signup-consents");

    await form.getByLabel("Принимаю условия использования сервиса «Отклик»").check();
    await form.getByLabel("Даю согласие на обработку моих персональных данных").check();
    await form.getByRole("button", { name: "Создать аккаунт" }).click();
    await page.locator("#live.on").waitFor({ timeout: 10000 });
    assert.equal(signups, 1);
    assert.equal(await page.locator("#tenant-name").textContent(), "Пуховики «Северный ветер»");

    // A new shop's start page: the checklist, nothing done yet.
    const checklist = page.getByRole("region", { name: "С чего начать" });
    await checklist.waitFor();
    assert.equal(await page.locator("#checklist-count").textContent(), "0 из 5");
    for (const step of ["Подключите кабинет Wildberries или Ozon", "Пригласите коллегу",
      "Добавьте первую статью в базу знаний", "Напишите в веб-чат как покупатель"]) {
      assert.ok(await checklist.getByRole("link", { name: step }).isVisible(), step);
    }
    await shot(page, "checklist");

    // Until the address is confirmed, a banner asks for it; the e-mail's link confirms it once.
    const verify = page.locator("#verify-banner");
    await verify.getByText(`Подтвердите адрес ${email}`).waitFor();
    assert.ok(await verify.getByRole("button", { name: "Отправить письмо ещё раз" }).isVisible());
    let mail = [];
    for (const deadline = Date.now() + 15000; mail.length === 0 && Date.now() < deadline;) {
      mail = await mailTo(email);
      if (mail.length === 0) await page.waitForTimeout(250);
    }
    assert.equal(mail.length, 1, "one confirmation e-mail after sign-up");
    assert.match(mail[0].text, /Пуховики «Северный ветер»/);
    const verifyLink = mail[0].text.split(/\s+/).find((word) => word.includes("/verify-email?token="));
    assert.ok(verifyLink?.startsWith(origin), `a link to this ingress: ${mail[0].text}`);
    await page.goto(verifyLink);
    await page.getByRole("button", { name: "Подтвердить адрес" }).click();
    await page.getByRole("heading", { name: "Адрес подтверждён" }).waitFor();
    await shot(page, "verified");
    await page.getByRole("link", { name: "Перейти в панель" }).click();
    await page.locator("#live.on").waitFor({ timeout: 10000 });
    assert.ok(await page.locator("#verify-banner").isHidden(), "no banner once the address is confirmed");
    const reused = await page.request.get(verifyLink);
    assert.equal(reused.status(), 409, "the link works once");

    // The billing page: the trial, usage, the plans in roubles.
    await page.getByRole("navigation", { name: "Разделы" }).getByRole("link", { name: "Оплата", exact: true }).click();
    const main = page.locator("#page");
    await main.locator("h2", { hasText: "Оплата" }).waitFor();
    const facts = plain(await main.locator(".facts").innerText());
    assert.match(facts, /Пробный период/);
    assert.match(facts, /осталось 14 дней/);
    assert.match(plain(await main.locator(".usage").innerText()), /Ответов ассистента за пробный период: 0 из 300/);
    const business = main.getByRole("article", { name: "Тариф Business" });
    assert.match(plain(await business.innerText()), /39 900 ₽ в месяц/);
    assert.match(plain(await main.getByRole("article", { name: "Тариф Start" }).innerText()), /19 900 ₽ в месяц/);
    assert.ok(await page.locator("#account-banner").isHidden(), "no banner while the trial has 14 days");

    await main.getByLabel("Не больше ответов ассистента за период").fill("250");
    await main.getByRole("button", { name: "Сохранить лимит" }).click();
    await page.locator("#toast", { hasText: "Лимит сохранён" }).waitFor();
    await main.locator(".usage", { hasText: "0 из 300" }).waitFor();
    assert.equal(await main.getByLabel("Не больше ответов ассистента за период").inputValue(), "250");
    await shot(page, "billing");

    // «Оплатить» goes to ЮKassa's confirmation page for Business, in roubles.
    await business.getByRole("button", { name: "Оплатить" }).click();
    await page.waitForURL(`${yookassa}/checkout/**`);
    await page.getByText("К оплате").waitFor();
    assert.match(plain(await page.locator(".amount").innerText()), /39 900,00 ₽/);
    await shot(page, "yookassa");

    // The payer pays; ЮKassa notifies, the worker reads the payment back, the plan is paid.
    await page.getByRole("button", { name: "Оплатить" }).click();
    await page.waitForURL(/\/app\/#\/billing$/);
    await main.locator("h2", { hasText: "Оплата" }).waitFor({ timeout: 10000 });
    const deadline = Date.now() + 20000;
    while (!/Подписка оплачена/.test(await main.locator(".facts").innerText()) && Date.now() < deadline) {
      await page.waitForTimeout(500);
      await page.reload();
      await main.locator("h2", { hasText: "Оплата" }).waitFor({ timeout: 10000 });
    }
    const paid = plain(await main.locator(".facts").innerText());
    assert.match(paid, /Business/);
    assert.match(paid, /Подписка оплачена/);
    assert.ok(await main.getByRole("article", { name: "Тариф Business" }).getByRole("button", { name: "Ваш тариф" }).isDisabled());
    const invoices = main.getByRole("table", { name: "Счета" });
    const row = plain(await invoices.locator("tbody tr").first().innerText());
    assert.match(row, /39 900 ₽/);
    assert.match(row, /Оплачен/);
    await shot(page, "paid");

    // The act for the paid month names the shop by its requisites: without them it says what to
    // do; a mistyped ИНН is caught by its check digits; then «Скачать акт» saves the document.
    const actButton = invoices.locator("tbody tr").first().getByRole("button", { name: "Скачать акт" });
    await actButton.click();
    await page.locator("#toast", { hasText: "Чтобы скачать акт, заполните реквизиты ниже" }).waitFor();
    const legal = main.locator("section", { has: page.getByRole("heading", { name: "Реквизиты для закрывающих документов" }) });
    await legal.getByLabel("Полное наименование").fill("ООО «Северный ветер»");
    await legal.getByLabel("ИНН", { exact: true }).fill("7707083894");
    await legal.getByLabel("КПП", { exact: true }).fill("773601001");
    await legal.getByLabel("ОГРН или ОГРНИП").fill("1027700132195");
    await legal.getByLabel("Юридический адрес").fill("117312, г. Москва, ул. Вавилова, д. 19");
    await legal.getByRole("button", { name: "Сохранить реквизиты" }).click();
    await legal.locator(".field-error", { hasText: "проверьте, нет ли опечатки" }).waitFor();
    await legal.getByLabel("ИНН", { exact: true }).fill("7707083893");
    await legal.getByRole("button", { name: "Сохранить реквизиты" }).click();
    await page.locator("#toast", { hasText: "Реквизиты сохранены" }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      main.getByRole("table", { name: "Счета" }).locator("tbody tr").first().getByRole("button", { name: "Скачать акт" }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^akt-\d+\.html$/);
    const act = readFileSync(await download.path(), "utf8");
    assert.match(act, /Акт № \d+ от/);
    assert.match(act, /ООО «Северный ветер», ИНН 7707083893, КПП 773601001, ОГРН 1027700132195/);
    assert.match(plain(act), /Итого: 39 900,00 руб\./);
    await shot(page, "requisites");

    // Signing up again with the same address is told in Russian, at the address.
    const again = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ru-RU" })).newPage();
    again.on("pageerror", (error) => problems.push(String(error)));
    await again.goto(`${origin}/app/`);
    await again.getByRole("button", { name: "Создать аккаунт" }).click();
    const retry = again.locator(".login:visible");
    await retry.getByLabel("Название магазина").fill("Другой магазин");
    await retry.getByLabel("Эл. почта").fill(email);
    await retry.getByLabel("Пароль").fill("надёжный пароль 2026");
    await retry.getByLabel("Принимаю условия использования сервиса «Отклик»").check();
    await retry.getByLabel("Даю согласие на обработку моих персональных данных").check();
    await retry.getByRole("button", { name: "Создать аккаунт" }).click();
    await retry.locator(".field-error", { hasText: "С этой почтой уже есть аккаунт" }).waitFor();

    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
