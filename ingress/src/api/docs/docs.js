"use strict";
// Renders /api/openapi.json: tags, then each operation with its parameters, body and answers.
(function () {
  const METHODS = ["get", "post", "put", "patch", "delete"];
  let spec = null;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  // Descriptions use `code` spans; everything else stays plain text.
  function prose(text) {
    const node = el("span");
    String(text || "").split(/(`[^`]*`)/).forEach((part) => {
      if (part.startsWith("`") && part.endsWith("`") && part.length > 1) {
        node.append(el("code", {}, part.slice(1, -1)));
      } else {
        node.append(part);
      }
    });
    return node;
  }

  function resolve(schema) {
    if (schema && schema.$ref) {
      const name = schema.$ref.split("/").pop();
      return { name, schema: (spec.components.schemas || {})[name] || {} };
    }
    return { name: null, schema: schema || {} };
  }

  // A schema as indented pseudo-code: `field: type  // description`.
  function describe(schema, depth, seen) {
    const pad = "  ".repeat(depth);
    const { name, schema: s } = resolve(schema);
    if (name && seen.includes(name)) return name;
    const inner = name ? seen.concat(name) : seen;
    const variants = s.oneOf || s.anyOf;
    if (variants) {
      return variants.map((v) => describe(v, depth, inner)).join(" | ");
    }
    if (s.allOf) return s.allOf.map((v) => describe(v, depth, inner)).join(" & ");
    let type = Array.isArray(s.type) ? s.type.filter((t) => t !== "null") : [s.type];
    const nullable = Array.isArray(s.type) && s.type.includes("null") ? " | null" : "";
    if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ") + nullable;
    if (type.includes("array")) return describe(s.items, depth, inner) + "[]" + nullable;
    if (type.includes("object") || s.properties) {
      const props = s.properties || {};
      const keys = Object.keys(props);
      if (keys.length === 0) {
        return (s.description ? "object" : "object (any)") + nullable;
      }
      const required = s.required || [];
      const lines = keys.map((key) => {
        const prop = props[key];
        const opt = required.includes(key) ? "" : "?";
        const note = resolve(prop).schema.description || prop.description;
        const comment = note ? "  // " + note.replace(/\s+/g, " ") : "";
        return pad + "  " + key + opt + ": " + describe(prop, depth + 1, inner) + comment;
      });
      return "{\n" + lines.join("\n") + "\n" + pad + "}" + nullable;
    }
    const format = s.format ? " (" + s.format + ")" : "";
    return (type.filter(Boolean).join(" | ") || "any") + format + nullable;
  }

  function schemaBlock(schema) {
    const { name, schema: s } = resolve(schema);
    const block = el("div");
    if (name) block.append(el("div", { class: "note" }, name));
    if (s.description) block.append(el("div", { class: "note" }, prose(s.description)));
    block.append(el("pre", { class: "schema" }, describe(schema, 0, [])));
    return block;
  }

  // Error answers all share one envelope, shown once at the top; they name it instead.
  function contentBlocks(content, isError) {
    const out = [];
    for (const [type, media] of Object.entries(content || {})) {
      const name = media.schema && resolve(media.schema).name;
      if (isError && name) {
        out.push(el("div", { class: "note" }, el("code", {}, type), " ", el("a", { href: "#schema-" + name }, name)));
        continue;
      }
      out.push(el("div", { class: "note" }, el("code", {}, type)));
      if (media.schema) out.push(schemaBlock(media.schema));
    }
    return out;
  }

  function operationView(path, method, op) {
    const secured = (op.security || spec.security || []).length > 0;
    const head = el("summary", {},
      el("span", { class: "method " + method }, method),
      el("span", { class: "path" }, path),
      el("span", { class: "summary" }, op.summary || ""),
      secured ? el("span", { class: "lock" }, "bearer") : el("span", { class: "lock" }, "no token"));
    const body = el("div", { class: "body" });
    if (op.description) body.append(el("p", {}, prose(op.description)));
    const params = op.parameters || [];
    if (params.length) {
      const rows = params.map((p) => el("tr", {},
        el("td", {}, el("code", {}, p.name)),
        el("td", {}, p.in),
        el("td", {}, p.required ? "yes" : "no"),
        el("td", {}, describe(p.schema, 0, [])),
        el("td", {}, prose(p.description))));
      body.append(el("h4", {}, "Parameters"),
        el("table", {}, el("tr", {}, ...["name", "in", "required", "type", "about"].map((h) => el("th", {}, h))), ...rows));
    }
    if (op.requestBody) {
      body.append(el("h4", {}, "Request body" + (op.requestBody.required ? "" : " (optional)")));
      if (op.requestBody.description) body.append(el("p", {}, prose(op.requestBody.description)));
      body.append(...contentBlocks(op.requestBody.content));
    }
    body.append(el("h4", {}, "Responses"));
    const responses = el("table", {});
    for (const [status, answer] of Object.entries(op.responses || {})) {
      const resolved = answer.$ref ? (spec.components.responses || {})[answer.$ref.split("/").pop()] || {} : answer;
      responses.append(el("tr", {},
        el("td", { class: "status" }, status),
        el("td", {}, prose(resolved.description), ...contentBlocks(resolved.content, Number(status) >= 400))));
    }
    body.append(responses);
    const details = el("details", { class: "op", "data-search": (method + " " + path + " " + (op.summary || "")).toLowerCase() }, head, body);
    return details;
  }

  function render() {
    document.getElementById("title").textContent = spec.info.title + " " + spec.info.version;
    const intro = document.getElementById("intro");
    intro.replaceChildren(prose(spec.info.description || ""), " OpenAPI " + spec.openapi + ": ",
      el("a", { href: "/api/openapi.json" }, "/api/openapi.json"));
    const byTag = new Map((spec.tags || []).map((t) => [t.name, []]));
    for (const [path, item] of Object.entries(spec.paths || {})) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const tag = (op.tags && op.tags[0]) || "other";
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag).push(operationView(path, method, op));
      }
    }
    const toc = document.getElementById("toc");
    const content = document.getElementById("content");
    const descriptions = new Map((spec.tags || []).map((t) => [t.name, t.description]));
    if ((spec.components.schemas || {}).ErrorEnvelope) {
      toc.append(el("a", { href: "#schema-ErrorEnvelope" }, "errors"));
      content.append(el("section", { id: "schema-ErrorEnvelope" }, el("h2", {}, "Errors"),
        schemaBlock({ $ref: "#/components/schemas/ErrorEnvelope" })));
    }
    for (const [tag, ops] of byTag) {
      if (!ops.length) continue;
      toc.append(el("a", { href: "#tag-" + tag }, tag + " (" + ops.length + ")"));
      const section = el("section", { id: "tag-" + tag, class: "tag" }, el("h2", {}, tag));
      if (descriptions.get(tag)) section.append(el("p", { class: "tag-desc" }, descriptions.get(tag)));
      section.append(...ops);
      content.append(section);
    }
  }

  document.getElementById("filter").addEventListener("input", (event) => {
    const words = event.target.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
    for (const op of document.querySelectorAll("details.op")) {
      const hay = op.getAttribute("data-search");
      op.classList.toggle("hidden", !words.every((w) => hay.includes(w)));
    }
    for (const section of document.querySelectorAll("section.tag")) {
      section.classList.toggle("hidden", !section.querySelector("details.op:not(.hidden)"));
    }
  });

  fetch("/api/openapi.json", { credentials: "omit" })
    .then((response) => {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then((document_) => { spec = document_; render(); })
    .catch((err) => {
      document.getElementById("intro").textContent = "Could not load /api/openapi.json: " + err.message;
    });
})();
