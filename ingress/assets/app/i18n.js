// The dashboard's language: Russian or English, one catalogue each (strings.ru.js,
// strings.en.js). Signed in, the person's choice comes from the server (`user.locale`); before
// sign-in, from this browser's last choice, else from the browser's own language.
"use strict";
(() => {
  const STRINGS = window.OtklikStrings;
  const LOCALES = Object.keys(STRINGS);
  const CHOICE = "otklik-dashboard-locale";
  // Dates in English keep the 24-hour clock the shops' Russian colleagues read.
  const TAGS = { ru: "ru-RU", en: "en-GB" };
  let locale = "ru";
  let rules = new Intl.PluralRules(TAGS.ru);

  const lookup = (lang, key) => key.split(".").reduce((node, part) => node?.[part], STRINGS[lang]);
  const isPlural = (value) => value && typeof value === "object" && typeof value.other === "string";

  /** `minChars` is the number `min` with its counted word (`chars`), `maxValues` `max` with `values`. */
  function derived(name, params) {
    const match = /^(\w+?)(Chars|Values)$/.exec(name);
    if (!match || params[match[1]] === undefined) return undefined;
    return t(match[2].toLowerCase(), { count: params[match[1]] });
  }

  /** The text under `key` in the chosen language (Russian where English lacks it), filled in. */
  function t(key, params = {}) {
    let value = lookup(locale, key) ?? lookup("ru", key);
    if (value === undefined) return key;
    if (typeof value === "function") return value(params);
    if (isPlural(value)) value = value[rules.select(Number(params.count))] ?? value.other;
    if (typeof value !== "string") return key;
    return value.replace(/\{(\w+)\}/g, (whole, name) => {
      const param = params[name];
      if (param === undefined) return derived(name, params) ?? whole;
      return Array.isArray(param) ? param.join(", ") : String(param);
    });
  }

  /** Whether `key` names a text (not a section) in either language. */
  function has(key) {
    const value = lookup(locale, key) ?? lookup("ru", key);
    return typeof value === "string" || typeof value === "function" || isPlural(value);
  }

  /** A vocabulary word by the API's code (`label("mode", "bot")`); an unknown code as it is. */
  function label(group, code) {
    if (code === undefined || code === null || code === "") return "";
    return has(`${group}.${code}`) ? t(`${group}.${code}`) : String(code);
  }

  /** Every code of a vocabulary with its word, in the catalogue's order, for lists and checkboxes. */
  function labels(group) {
    return Object.fromEntries(Object.keys(lookup("ru", group) || {}).map((code) => [code, label(group, code)]));
  }

  /** The page's fixed text: `data-t` is the content, `data-t-<attribute>` an attribute. */
  function apply(root = document) {
    for (const node of root.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    for (const attribute of ["title", "placeholder", "aria-label"]) {
      const data = "data-t-" + attribute;
      for (const node of root.querySelectorAll(`[${data}]`)) node.setAttribute(attribute, t(node.getAttribute(data)));
    }
    document.title = t("app.title");
    document.documentElement.lang = locale;
    for (const picker of root.querySelectorAll("select.locale")) picker.value = locale;
  }

  /** Switches the language of everything shown from now on, and remembers it in this browser. */
  function setLocale(next) {
    if (!LOCALES.includes(next)) return;
    const changed = next !== locale;
    locale = next;
    rules = new Intl.PluralRules(TAGS[locale]);
    try { localStorage.setItem(CHOICE, locale); } catch (_) { /* private mode: this visit only */ }
    apply();
    if (changed) document.dispatchEvent(new CustomEvent("otklik:locale", { detail: locale }));
  }

  /** Fills a language picker: each language named in itself, so anyone can find their own. */
  function fillPicker(picker) {
    picker.replaceChildren(...LOCALES.map((lang) => {
      const option = document.createElement("option");
      option.value = lang;
      option.lang = lang;
      option.textContent = lookup(lang, "app.endonym");
      return option;
    }));
    picker.value = locale;
  }

  let stored = null;
  try { stored = localStorage.getItem(CHOICE); } catch (_) { stored = null; }
  locale = LOCALES.includes(stored) ? stored : /^en\b/i.test(navigator.language || "") ? "en" : "ru";
  rules = new Intl.PluralRules(TAGS[locale]);

  window.OtklikI18n = {
    t, has, label, labels, apply, setLocale, fillPicker,
    locale: () => locale,
    /** The BCP 47 tag Intl formats dates and numbers with. */
    tag: () => TAGS[locale],
  };
})();
