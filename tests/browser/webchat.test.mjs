// The shopper web chat in a real browser (Debian's Chromium, driven by playwright-core):
// type a message, see the reply arrive live, reload and find the conversation again, rate it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const chatUrl = process.env.OTKLIK_CHAT_URL;
const artifacts = new URL("../artifacts/", import.meta.url).pathname;

test("a shopper writes in the web chat and gets the reply live", async () => {
  assert.ok(chatUrl, "OTKLIK_CHAT_URL is set by tests/browser/run");
  mkdirSync(artifacts, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const external = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(new URL(chatUrl).origin)) external.push(request.url());
    });
    const violations = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(chatUrl);
    const rating = page.getByRole("group", { name: "Оцените ответ" });
    assert.equal(await rating.isVisible(), false, "nothing to rate before an answer");
    await page.getByRole("textbox", { name: "Сообщение" }).fill("Добрый день! Где мой заказ?");
    await page.keyboard.press("Enter");

    const reply = page.locator(".msg.reply");
    await reply.first().waitFor({ timeout: 15000 });
    // The demo shop's assistant asks for the order number, then answers from the synced order.
    assert.match(await reply.first().innerText(), /номер заказа/);
    assert.equal(await page.locator(".msg.shopper").count(), 1);
    assert.equal(await page.locator(".msg.pending").count(), 0, "the sent message is no longer shown as sending");
    await page.getByRole("textbox", { name: "Сообщение" }).fill("1456789012");
    await page.keyboard.press("Enter");
    await reply.nth(1).waitFor({ timeout: 15000 });
    assert.match(await reply.nth(1).innerText(), /Заказ 1456789012 уже ждёт вас в пункте выдачи/);
    await page.screenshot({ path: `${artifacts}webchat-reply.png` });

    await page.reload();
    await page.locator(".msg.reply").nth(1).waitFor({ timeout: 5000 });
    assert.equal(await page.locator(".msg.shopper").count(), 2, "history after reload");
    assert.equal(await page.locator(".msg.reply").count(), 2);

    // Rated from the keyboard, once: the thanks replaces the stars, and a reload does not ask again.
    await rating.waitFor({ timeout: 5000 });
    await page.getByRole("button", { name: "4 звезды из 5" }).focus();
    const [rated] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith("/rating")),
      page.keyboard.press("Enter"),
    ]);
    assert.equal(rated.status(), 201, "the rating is kept");
    await page.getByText("Спасибо за оценку!").waitFor({ timeout: 5000 });
    assert.equal(await page.getByRole("button", { name: /из 5/ }).count(), 0);
    await page.screenshot({ path: `${artifacts}webchat-rated.png` });
    await page.reload();
    await page.locator(".msg.reply").nth(1).waitFor({ timeout: 5000 });
    assert.equal(await rating.isVisible(), false, "a rated conversation is not asked again");

    assert.deepEqual(external, [], "the page makes no requests to other hosts");
    assert.deepEqual(violations, [], "the page breaks none of its own security policy");
  } finally {
    await browser.close();
  }
});
