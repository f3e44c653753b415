// Connecting a WhatsApp Business number from the dashboard, as a seller does: a token Meta
// refuses is explained on its field in Russian, the right one connects and the page shows the
// webhook address to enter in the Meta app. The test then plays Meta: the verification request
// gets its challenge back, a signed shopper's message is answered through the Graph API, a
// forged one is refused, and the operator's inbox shows the conversation. A small fake of the
// Graph API stands in (tests/src/whatsapp.rs is its Rust twin).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { chromium } from "playwright-core";

const origin = new URL(process.env.OTKLIK_CHAT_URL ?? "http://127.0.0.1:18181").origin;
const graphUrl = process.env.OTKLIK_WHATSAPP_API_URL;
const email = process.env.OTKLIK_ADMIN_EMAIL;
const password = process.env.OTKLIK_ADMIN_PASSWORD;
const artifacts = new URL("../artifacts/", import.meta.url).pathname;

const NUMBER_ID = "106540352242922";
const DISPLAY = "+7 900 123-45-67";
const TOKEN = "EAAGbrowserSystemUserToken0123456789";
const APP_SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const VERIFY_TOKEN = "otklik-browser-verify-token";
const WA_ID = "79161234567";

function readBody(req) {
  return new Promise((resolve) => {
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", () => resolve(body));
  });
}

/** `GET /{phone_number_id}` and `POST /{phone_number_id}/messages` of the Graph API, with its error envelope. */
async function fakeGraph() {
  const base = new URL(graphUrl);
  const prefix = base.pathname.replace(/\/$/, "");
  const state = { lookups: [], sent: [] };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://graph").pathname;
    const body = await readBody(req);
    const token = (req.headers.authorization || "").replace(/^Bearer /, "");
    const answer = (status, json) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    const refuse = (status, code, message, subcode) => answer(status, { error: { message, type: "OAuthException", code,
      ...(subcode ? { error_subcode: subcode } : {}), fbtrace_id: "Az8or2yhqkZfEZ-_4Qn_Bam" } });
    if (!path.startsWith(`${prefix}/`)) return refuse(400, 100, "Unknown path components");
    const [id, edge, extra] = path.slice(prefix.length + 1).split("/");
    if (req.method === "GET" && !edge) state.lookups.push({ id, token });
    if (token !== TOKEN) return refuse(401, 190, "Invalid OAuth access token", 463);
    if (id !== NUMBER_ID) return refuse(404, 803, "Phone number not found");
    if (req.method === "GET" && !edge) {
      return answer(200, { id, display_phone_number: DISPLAY, verified_name: "Куртки и пуховики", quality_rating: "GREEN" });
    }
    if (req.method === "POST" && edge === "messages" && !extra) {
      let message;
      try { message = JSON.parse(body); } catch { return refuse(400, 100, "(#100) Invalid parameter"); }
      if (message.messaging_product !== "whatsapp" || message.type !== "text" || !message.to || !message.text?.body) {
        return refuse(400, 100, "(#100) Invalid parameter");
      }
      state.sent.push(message);
      const wamid = `wamid.HBgLBROWSER${String(state.sent.length).padStart(6, "0")}`;
      return answer(200, { messaging_product: "whatsapp", contacts: [{ input: message.to, wa_id: message.to }],
        messages: [{ id: wamid, message_status: "accepted" }] });
    }
    return refuse(400, 100, "Unsupported request");
  });
  await new Promise((resolve) => server.listen(Number(base.port), base.hostname, resolve));
  return { server, state };
}

/** What Meta signs: the body with every non-ASCII UTF-16 unit as `\uXXXX` (lowercase hex). */
function signature(body, secret = APP_SECRET) {
  const escaped = body.replace(/[^\x00-\x7f]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `sha256=${createHmac("sha256", secret).update(escaped).digest("hex")}`;
}

/** A shopper's text message as the Cloud API's webhook carries it. */
function textMessage(wamid, text) {
  return {
    object: "whatsapp_business_account",
    entry: [{ id: "102290129340398", changes: [{ field: "messages", value: {
      messaging_product: "whatsapp",
      metadata: { display_phone_number: DISPLAY.replace(/\D/g, ""), phone_number_id: NUMBER_ID },
      contacts: [{ profile: { name: "Ольга Петрова" }, wa_id: WA_ID }],
      messages: [{ from: WA_ID, id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: text } }],
    } }] }],
  };
}

async function until(check, what, timeout = 20000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Both themes of the page as it is now: `whatsapp-<name>.png` and `-dark.png`. */
async function shoot(page, name) {
  await page.locator("#toast").evaluate((toast) => { toast.hidden = true; });
  await page.screenshot({ path: `${artifacts}whatsapp-${name}.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: `${artifacts}whatsapp-${name}-dark.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: "light" });
}

test("an admin connects WhatsApp from the dashboard and its shopper is answered", async () => {
  assert.ok(graphUrl && email && password, "tests/browser/run sets the fake's URL and the admin");
  mkdirSync(artifacts, { recursive: true });
  const graph = await fakeGraph();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "ru-RU" });
    const problems = [];
    const external = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith(origin.replace("http", "ws"))) {
        external.push(request.url());
      }
    });
    // The refused token's 422 is logged by the browser too; anything else counts.
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

    // The steps in Meta's dashboards are on the page; a verify token is suggested.
    const form = page.locator("section", { hasText: "Подключить WhatsApp Business" });
    await form.getByText("Phone number ID", { exact: false }).waitFor();
    assert.match(await form.getByLabel("Проверочный токен").inputValue(), /^[0-9a-f]{32}$/);

    // A token Meta refuses is explained on its field; the right one connects.
    await form.getByLabel("Название").fill("WhatsApp магазина");
    await form.getByLabel("Идентификатор номера").fill(NUMBER_ID);
    await form.getByLabel("Ключ доступа").fill("EAAGwrong");
    await form.getByLabel("Секрет приложения").fill(APP_SECRET);
    await form.getByLabel("Проверочный токен").fill(VERIFY_TOKEN);
    await form.getByRole("button", { name: "Подключить WhatsApp" }).click();
    await form.locator('.field-error[data-field="access_token"]', { hasText: "Meta не принимает этот ключ доступа" })
      .waitFor({ timeout: 10000 });
    assert.ok(graph.state.lookups.some((l) => l.id === NUMBER_ID && l.token === "EAAGwrong"), "the wrong token was checked");
    await shoot(page, "refused");
    await form.getByLabel("Ключ доступа").fill(TOKEN);
    await form.getByRole("button", { name: "Подключить WhatsApp" }).click();
    const row = page.getByRole("row", { name: /WhatsApp магазина/ });
    await row.getByText("Работает").waitFor({ timeout: 10000 });
    await row.getByRole("img", { name: "WhatsApp" }).waitFor();
    await row.getByRole("link", { name: "wa.me/79001234567" }).waitFor();
    await form.getByText(`Номер ${DISPLAY} подключён`).waitFor();
    assert.equal(await form.locator('.field-error[data-field="access_token"]').textContent(), "", "the field's error is gone");
    assert.equal(await form.getByLabel("Ключ доступа").inputValue(), "", "the token is not kept on screen");
    assert.equal(await form.getByLabel("Секрет приложения").inputValue(), "", "nor the app secret");
    const hook = await form.getByLabel("Адрес вебхука").inputValue();
    assert.match(hook, new RegExp(`^${origin}/hooks/whatsapp/\\d+$`));
    assert.equal(await form.getByRole("textbox", { name: "Проверочный токен для настроек вебхука" }).inputValue(), VERIFY_TOKEN);
    await shoot(page, "connected");

    // Meta verifies the address: the challenge comes back as plain text, only for the right token.
    const challenge = "1158201444";
    const verified = await fetch(`${hook}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=${challenge}`);
    assert.equal(verified.status, 200);
    assert.equal(await verified.text(), challenge);
    const wrongVerify = await fetch(`${hook}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=${challenge}`);
    assert.equal(wrongVerify.status, 403);

    // A forged notification is refused and changes nothing.
    const forgedBody = JSON.stringify(textMessage("wamid.HBgLBROWSERFORGED", "Переведите деньги сюда"));
    const forged = await fetch(hook, { method: "POST", body: forgedBody,
      headers: { "content-type": "application/json", "X-Hub-Signature-256": signature(forgedBody, "not-the-app-secret") } });
    assert.equal(forged.status, 401);

    // A shopper writes; the assistant answers through the Graph API.
    const question = "Здравствуйте! Где мой заказ 1456789012?";
    const body = JSON.stringify(textMessage("wamid.HBgLBROWSER000001", question));
    const delivered = await fetch(hook, { method: "POST", body,
      headers: { "content-type": "application/json", "X-Hub-Signature-256": signature(body) } });
    assert.equal(delivered.status, 200);
    await until(() => graph.state.sent.length > 0, "a reply at the Graph API");
    const reply = graph.state.sent[0];
    assert.equal(reply.to, WA_ID);
    assert.equal(reply.recipient_type, "individual");
    assert.match(reply.text.body, /1456789012/);
    assert.equal(graph.state.sent.length, 1, "the forged message got no reply");

    // The operator's inbox shows the conversation with WhatsApp's mark, the question and the reply.
    await page.getByRole("navigation", { name: "Разделы" }).getByRole("link", { name: "Диалоги" }).click();
    await page.getByRole("tab", { name: /Бот/ }).click();
    const item = page.getByRole("button", { name: /Ольга Петрова/ });
    await item.getByRole("img", { name: "WhatsApp" }).waitFor({ timeout: 10000 });
    await item.click();
    await page.locator("#side-channel", { hasText: "WhatsApp" }).waitFor();
    await page.locator("#timeline .msg.inbound", { hasText: question }).waitFor({ timeout: 10000 });
    await page.locator("#timeline .msg.outbound", { hasText: "1456789012" }).waitFor({ timeout: 10000 });
    await shoot(page, "inbox");
    assert.deepEqual(problems, [], "no errors in the browser console");
    assert.deepEqual(external, [], "the dashboard makes no requests to other hosts");
  } finally {
    await browser.close();
    graph.server.close();
  }
});
