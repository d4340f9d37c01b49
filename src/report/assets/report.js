"use strict";
// galley report html: draws the run from the JSON block. Every fleet value
// goes into the page as text (textContent, text nodes) or as an SVG or
// data attribute, never as markup.
(function () {
  const data = JSON.parse(document.getElementById("galley-data").textContent);
  const hosts = data.hosts;
  const app = document.getElementById("app");
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = {
    ok: "#2e7d32", failed: "#c62828", unverified: "#ef6c00", timeout: "#6a1b9a",
    unreachable: "#6d4c41", auth_failed: "#ad1457", hostkey_unknown: "#283593",
    hostkey_mismatch: "#1a237e", sudo_password_required: "#00838f", error: "#8e0000",
    cancelled: "#546e7a", skipped: "#9e9e9e",
  };
  const color = (outcome) => COLORS[outcome] || "#000000";

  // Control characters shown as the terminal shows them (\e, \r, \x07,
  // \u{202e}), so that no escape sequence or bidirectional control can
  // reorder or hide what a host sent; line feeds and tabs stay in output.
  const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
  function visible(text, oneLine) {
    return String(text).replace(CONTROLS, (c) => {
      const code = c.codePointAt(0);
      if (c === "\n" || c === "\t") return oneLine ? (c === "\n" ? "\\n" : "\\t") : c;
      if (c === "\u001b") return "\\e";
      if (c === "\r") return "\\r";
      if (code >= 0x80) return "\\u{" + code.toString(16) + "}";
      return "\\x" + code.toString(16).padStart(2, "0");
    });
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "object" ? child : visible(child, tag !== "pre"));
    }
    return node;
  }
  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    return node;
  }
  const seconds = (ms) => (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
  const end = (h) => (h.start === null ? null : h.start + h.total_ms);
  function counts(list, key) {
    const out = new Map();
    for (const item of list) out.set(key(item), (out.get(key(item)) || 0) + 1);
    return [...out.entries()].sort((a, b) => b[1] - a[1]);
  }
  function chip(outcome, text) {
    return el("span", { class: "chip" }, swatch(outcome), text);
  }
  function swatch(outcome) {
    const s = el("span", { class: "swatch" });
    s.style.background = color(outcome);
    return s;
  }
  function facts(pairs) {
    const dl = el("dl", { class: "facts" });
    for (const [name, value] of pairs) {
      if (value === null || value === undefined || value === "") continue;
      dl.append(el("dt", {}, name), el("dd", {}, value));
    }
    return dl;
  }

  // The run.
  const byOutcome = counts(hosts, (h) => h.outcome);
  app.append(el("h1", {}, "galley: " + hosts.length + (hosts.length === 1 ? " host" : " hosts")));
  const summary = el("div", { class: "chips", id: "counts" });
  for (const [outcome, n] of byOutcome) summary.append(chip(outcome, n + " " + outcome));
  app.append(summary);
  data.runs.forEach((run, i) => {
    app.append(el("h3", {}, data.runs.length > 1 ? "Run " + (i + 1) : "Run"));
    const rollout = run.rollout.map(([k, v]) => k + " " + v).join(", ");
    app.append(facts([
      ["command", run.command], ["query", run.query], ["selected", run.selected + " nodes"],
      ["by", run.operator], ["started", run.started.replace("T", " ").replace("Z", " UTC")],
      ["wall time", run.elapsed_ms === null ? "not finished (no summary line)" : seconds(run.elapsed_ms)],
      ["exit code", run.exit_code], ["rollout", rollout],
      ["stopped", run.stopped ? run.stopped[1] + " (after " + seconds(run.stopped[0] - run.offset_ms) + ")" : null],
      ["galley", run.galley], ["report", run.file],
    ]));
  });
  const stepNames = [...new Set(hosts.flatMap((h) => h.steps.map((s) => s.name)))];
  if (stepNames.length) {
    const table = el("table", { class: "hosts", id: "step-counts" });
    const outcomes = [...new Set(hosts.flatMap((h) => h.steps.map((s) => s.outcome)))];
    table.append(el("thead", {}, el("tr", {}, el("th", {}, "step"), ...outcomes.map((o) => el("th", {}, o)))));
    const body = el("tbody");
    for (const name of stepNames) {
      const row = el("tr", {}, el("td", {}, name));
      for (const o of outcomes) {
        row.append(el("td", {}, hosts.filter((h) => h.steps.some((s) => s.name === name && s.outcome === o)).length));
      }
      body.append(row);
    }
    table.append(body);
    app.append(el("h3", {}, "Steps"), table);
  }

  // The timeline: a bar per host, grouped by wave, its phases drawn in
  // turn; the slowest outlined; where the rollout stopped, a line.
  app.append(el("h2", {}, "Timeline"));
  const order = hosts.map((h, i) => i);
  const waveOf = (h) => h.wave || "";
  const waveStart = new Map();
  for (const h of hosts) {
    const w = waveOf(h);
    const s = h.start === null ? Infinity : h.start;
    waveStart.set(w, Math.min(waveStart.has(w) ? waveStart.get(w) : Infinity, s));
  }
  const waveRank = (w) => (w === "canary" ? -1 : waveStart.get(w));
  order.sort((a, b) => {
    const ha = hosts[a], hb = hosts[b];
    const wa = waveRank(waveOf(ha)), wb = waveRank(waveOf(hb));
    if (wa !== wb) return wa - wb || (waveOf(ha) < waveOf(hb) ? -1 : 1);
    const sa = ha.start === null ? Infinity : ha.start, sb = hb.start === null ? Infinity : hb.start;
    return sa - sb || (ha.name < hb.name ? -1 : 1);
  });
  const stops = data.runs.filter((r) => r.stopped).map((r) => r.stopped);
  const span = Math.max(1, ...hosts.map((h) => end(h) || 0), ...stops.map((s) => s[0]));
  const rowH = hosts.length <= 300 ? 12 : 3;
  const large = hosts.length > 1000;
  const labelW = 90, plotW = 1000, top = 22;
  const waves = [...new Set(order.map((i) => waveOf(hosts[i])))];
  const height = top + hosts.length * rowH + (waves.length > 1 ? waves.length * 14 : 0) + 10;
  const chart = svg("svg", { class: "timeline", id: "timeline", width: labelW + plotW + 20, height, viewBox: "0 0 " + (labelW + plotW + 20) + " " + height, "shape-rendering": "crispEdges" });
  const x = (ms) => labelW + (ms / span) * plotW;
  for (let k = 0; k <= 5; k++) {
    const ms = (span * k) / 5;
    chart.append(svg("line", { x1: x(ms), x2: x(ms), y1: top - 4, y2: height, stroke: "#e3e6ea" }));
    const t = svg("text", { x: x(ms), y: 12, "text-anchor": k === 0 ? "start" : "middle" });
    t.textContent = seconds(ms);
    chart.append(t);
  }
  const slowest = hosts.map((h, i) => i).filter((i) => hosts[i].start !== null)
    .sort((a, b) => hosts[b].total_ms - hosts[a].total_ms).slice(0, 5);
  const bars = new Map();
  let y = top, lastWave = null;
  for (const i of order) {
    const h = hosts[i];
    if (waves.length > 1 && waveOf(h) !== lastWave) {
      lastWave = waveOf(h);
      const label = svg("text", { x: 4, y: y + 10 });
      label.textContent = visible((lastWave === "canary" ? "\u25B2 " : "") + (lastWave || "(no wave)"), true);
      chart.append(label);
      y += 14;
    }
    const g = svg("g", { class: "bar", "data-host": i, "data-outcome": h.outcome });
    if (!large) {
      const title = svg("title");
      title.textContent = visible(h.name + ": " + h.outcome + (h.reason ? " (" + h.reason + ")" : "") + ", " + seconds(h.total_ms), true);
      g.append(title);
    }
    const c = color(h.outcome);
    if (h.start === null) {
      // Never started: a mark where the rollout stopped.
      const at = stops.length ? stops[0][0] : 0;
      g.append(svg("rect", { x: x(at) + 2, y: y + 1, width: 6, height: Math.max(1, rowH - 2), fill: c }));
    } else {
      const [connect, handshake, auth, command] = h.phases;
      let at = h.start;
      const pieces = [];
      // At three pixels a row the phases would not show: one piece.
      for (const [ms, opacity] of large ? [] : [[connect, 0.3], [handshake, 0.45], [auth, 0.6]]) {
        if (ms) { pieces.push([at, ms, opacity]); at += ms; }
      }
      if (large) {
        // The rest below is the whole bar.
      } else if (h.steps.length) {
        h.steps.forEach((s, k) => { pieces.push([at, s.ms, k % 2 ? 0.85 : 1]); at += s.ms; });
      } else if (command) {
        pieces.push([at, command, 1]);
        at += command;
      }
      const rest = end(h) - at;
      if (rest > 0 || !pieces.length) pieces.push([at, Math.max(rest, 0), 1]);
      // The piece the host ended in is drawn in its outcome's full colour,
      // and a bar too short to see is drawn 4 pixels wide.
      pieces[pieces.length - 1][2] = 1;
      if ((h.total_ms / span) * plotW < 4) pieces.splice(0, pieces.length, [h.start, (4 * span) / plotW, 1]);
      for (const [from, ms, opacity] of pieces) {
        g.append(svg("rect", {
          x: x(from), y: y + 1, width: Math.max(1, (ms / span) * plotW), height: Math.max(1, rowH - 2),
          fill: c, "fill-opacity": opacity,
        }));
      }
      if (slowest.includes(i)) {
        // A mark just past the bar's end, pointing at it.
        const tip = x(end(h)) + 2, mid = y + rowH / 2, size = Math.max(2, rowH / 2);
        g.append(svg("path", { class: "slow", d: "M" + tip + " " + mid + " l" + size + " " + -size + " v" + 2 * size + " z", fill: "#000" }));
      }
    }
    if (rowH >= 10) {
      const name = svg("text", { x: labelW - 4, y: y + rowH - 2, "text-anchor": "end" });
      name.textContent = visible(h.name.length > 14 ? h.name.slice(0, 13) + "\u2026" : h.name, true);
      chart.append(name);
    }
    chart.append(g);
    bars.set(i, g);
    y += rowH;
  }
  for (const [at, reason] of stops) {
    chart.append(svg("line", { x1: x(at), x2: x(at), y1: top - 4, y2: height, stroke: "#c62828", "stroke-width": 2, "stroke-dasharray": "5 3", class: "stop" }));
    const t = svg("title");
    t.textContent = visible("stopped: " + reason, true);
    chart.lastChild.append(t);
  }
  chart.addEventListener("click", (event) => {
    const bar = event.target.closest("g.bar");
    if (bar) show(Number(bar.dataset.host));
  });
  app.append(el("div", { class: "timeline-box" }, chart));
  app.append(el("p", { class: "legend" },
    "Each bar: connect, handshake and login (lighter), then the command or each step in turn, the part it ended in drawn in full colour; a grey mark: never started; \u25C0 marks the five slowest; "
    + (stops.length ? "dashed red line: where the rollout stopped starting hosts (" + stops.map((s) => s[1]).join("; ") + ")." : "the rollout never stopped.")));
  if (slowest.length) {
    const list = el("ol", { id: "slowest" });
    for (const i of slowest) {
      const item = el("li", {}, el("span", { class: "mono" }, hosts[i].name), " " + seconds(hosts[i].total_ms) + " " + hosts[i].outcome);
      item.addEventListener("click", () => show(i));
      list.append(item);
    }
    app.append(el("h3", {}, "Slowest"), list);
  }

  // The host table, sorted and filtered.
  app.append(el("h2", {}, "Hosts"));
  const option = (value, text) => el("option", { value }, text);
  const outcomeSel = el("select", { id: "filter-outcome" }, option("", "every outcome"));
  for (const [o, n] of byOutcome) outcomeSel.append(option(o, o + " (" + n + ")"));
  const stepSel = el("select", { id: "filter-step" }, option("", "the host's outcome"));
  for (const s of stepNames) stepSel.append(option(s, "step " + s));
  const phaseSel = el("select", { id: "filter-phase" }, option("", "any phase"));
  for (const [p] of counts(hosts.filter((h) => h.phase), (h) => h.phase)) phaseSel.append(option(p, p));
  const nameBox = el("input", { id: "filter-name", type: "search", placeholder: "part of a name" });
  const shown = el("span", { class: "muted", id: "shown" });
  app.append(el("div", { class: "controls" },
    el("label", {}, "outcome", outcomeSel), el("label", {}, "of", stepSel),
    el("label", {}, "stopped in", phaseSel), el("label", {}, "name", nameBox), shown));
  const columns = [
    ["name", (h) => h.name], ["outcome", (h) => h.outcome], ["phase", (h) => h.phase || ""],
    ["wave", (h) => h.wave || ""], ["steps", (h) => h.steps.map((s) => s.name + " " + s.outcome).join(", ")],
    ["exit", (h) => (h.exit === null ? (h.signal ? "signal " + h.signal : "") : h.exit)],
    ["start", (h) => (h.start === null ? "" : seconds(h.start)), (h) => (h.start === null ? Infinity : h.start)],
    ["duration", (h) => seconds(h.total_ms), (h) => h.total_ms],
    ["reason", (h) => h.reason || ""],
  ];
  // Only the matching rows are in the table, a page at a time: a table
  // of ten thousand rows would take the browser seconds to lay out.
  const PAGE = 500;
  const head = el("tr");
  const body = el("tbody");
  const more = el("button", { id: "more", type: "button", hidden: "" });
  const made = new Map();
  let listed = hosts.map((h, i) => i);
  let limit = PAGE;
  function rowOf(i) {
    if (made.has(i)) return made.get(i);
    const h = hosts[i];
    const row = el("tr", { class: "host-row", "data-host": i, "data-outcome": h.outcome });
    for (const [name, text] of columns) {
      const cell = el("td", { class: name }, text(h));
      if (name === "outcome") { cell.classList.add("outcome"); cell.style.color = color(h.outcome); }
      row.append(cell);
    }
    made.set(i, row);
    return row;
  }
  function matches(h) {
    const step = stepSel.value ? h.steps.find((s) => s.name === stepSel.value) : null;
    if (stepSel.value && !step) return false;
    const outcome = step ? step.outcome : h.outcome;
    if (outcomeSel.value && outcome !== outcomeSel.value) return false;
    if (phaseSel.value && h.phase !== phaseSel.value) return false;
    const part = nameBox.value.trim().toLowerCase();
    return !part || h.name.toLowerCase().includes(part);
  }
  const filtering = () => outcomeSel.value || stepSel.value || phaseSel.value || nameBox.value.trim();
  function render() {
    const matching = listed.filter((i) => matches(hosts[i]));
    const fragment = document.createDocumentFragment();
    for (const i of matching.slice(0, limit)) fragment.append(rowOf(i));
    body.replaceChildren(fragment);
    shown.textContent = matching.length + " of " + hosts.length + " hosts"
      + (matching.length > limit ? ", the first " + limit + " listed" : "");
    more.hidden = matching.length <= limit;
    more.textContent = "list " + Math.min(PAGE, matching.length - limit) + " more";
  }
  function filter() {
    limit = PAGE;
    const active = filtering();
    for (const [i, bar] of bars) bar.classList.toggle("dim", Boolean(active) && !matches(hosts[i]));
    render();
  }
  let sortedBy = 0, ascending = true;
  columns.forEach(([name, text, key], k) => {
    const th = el("th", { "data-column": name }, name);
    th.addEventListener("click", () => {
      ascending = sortedBy === k ? !ascending : true;
      sortedBy = k;
      const value = key || text;
      listed.sort((a, b) => {
        const va = value(hosts[a]), vb = value(hosts[b]);
        const cmp = typeof va === "number" && typeof vb === "number" ? va - vb : String(va).localeCompare(String(vb));
        return ascending ? cmp : -cmp;
      });
      render();
    });
    head.append(th);
  });
  body.addEventListener("click", (event) => {
    const row = event.target.closest("tr.host-row");
    if (row) show(Number(row.dataset.host));
  });
  more.addEventListener("click", () => { limit += PAGE; render(); });
  app.append(el("div", { class: "table-box" }, el("table", { class: "hosts", id: "hosts" }, el("thead", {}, head), body)), more);
  for (const control of [outcomeSel, stepSel, phaseSel]) control.addEventListener("change", filter);
  nameBox.addEventListener("input", filter);
  render();

  // One host's details.
  const detail = el("section", { id: "detail", hidden: "" });
  app.append(detail);
  function show(i) {
    const h = hosts[i];
    const run = h.run === null ? null : data.runs[h.run];
    detail.replaceChildren();
    detail.hidden = false;
    detail.setAttribute("data-host", i);
    detail.append(el("h2", { id: "detail-name" }, h.name));
    detail.append(facts([
      ["outcome", h.outcome], ["phase", h.phase], ["reason", h.reason],
      ["exit", h.exit === null ? (h.signal ? "signal " + h.signal : null) : String(h.exit)],
      ["address", h.address], ["user", h.user], ["logged in with", h.auth], ["wave", h.wave],
      ["started", h.start === null ? "never" : seconds(h.start) + " into the run"],
      ["timings", ["connect", "handshake", "login", "command"].map((p, k) => h.phases[k] === null ? null : p + " " + seconds(h.phases[k])).filter(Boolean).concat("total " + seconds(h.total_ms)).join(", ")],
      ["run", run ? run.command + " (" + run.file + ")" : null],
    ]));
    if (h.notes.length) {
      const notes = el("ul");
      for (const note of h.notes) notes.append(el("li", {}, note));
      detail.append(el("h3", {}, "Notes"), notes);
    }
    for (const s of h.steps) {
      detail.append(el("h3", {}, "Step " + s.name + ": " + s.outcome + (s.changed ? " (changed)" : "")));
      detail.append(facts([["reason", s.reason], ["took", seconds(s.ms)]]));
      detail.append(el("pre", { class: "step-details" }, JSON.stringify(s.details, null, 2)));
    }
    detail.append(el("h3", {}, "Output"));
    detail.append(el("pre", { id: "detail-output" }, h.output === null ? "(none)" : data.outputs[h.output]));
    detail.scrollIntoView({ block: "nearest" });
  }

  // Identical outputs gathered; the groups that differ from the majority.
  const groups = counts(hosts.filter((h) => h.output !== null), (h) => h.output);
  if (groups.length) {
    app.append(el("h2", {}, "Outputs"));
    const box = el("div", { id: "outputs" });
    groups.forEach(([index, n], k) => {
      const names = hosts.filter((h) => h.output === index).map((h) => h.name);
      const group = el("div", { class: "group " + (k === 0 ? "majority" : "differs") });
      const listed = names.slice(0, 30).join(", ") + (names.length > 30 ? " and " + (names.length - 30) + " more" : "");
      group.append(el("div", {}, el("strong", {}, n + (n === 1 ? " host" : " hosts")),
        k === 0 && groups.length > 1 ? " (the majority)" : k > 0 ? " (differs from the majority)" : "", ": ", el("span", { class: "mono" }, listed)));
      group.append(el("pre", {}, data.outputs[index]));
      box.append(group);
    });
    app.append(box);
  }
})();
