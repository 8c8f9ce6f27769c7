"use strict";
// tradecore desk. Every figure arrives as a decimal string and is formatted exactly (BigInt),
// never through a binary float; Number is used only to place points on the chart.
const $ = (id) => document.getElementById(id);
const S = {
  account: "", session: null, instruments: {}, fills: [], equity: [], decisions: [],
  ws: null, timers: {}, scopes: [], lastOrder: null,
};
const esc = (v) => String(v ?? "").replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));

// ------------------------------------------------------------------ exact decimals
function fmtDec(v, digits, group = true) {
  if (v === null || v === undefined || v === "") return "-";
  const m = String(v).trim().match(/^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/);
  if (!m) return esc(v);
  let [, sign, int, frac = ""] = m;
  let exp = Number(m[4] || 0);
  let digitsAll = (int || "0") + frac, point = (int || "0").length + exp;
  if (point < 0) { digitsAll = "0".repeat(-point) + digitsAll; point = 0; }
  if (point > digitsAll.length) { digitsAll += "0".repeat(point - digitsAll.length); }
  let n = BigInt(digitsAll.slice(0, point) + (digitsAll.slice(point) + "0".repeat(digits + 1)).slice(0, digits + 1));

  const last = n % 10n; n /= 10n;  // half away from zero
  if (last >= 5n) n += 1n;
  let s = n.toString().padStart(digits + 1, "0");
  let ip = s.slice(0, s.length - digits), fp = s.slice(s.length - digits);
  if (group) ip = ip.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const zero = /^[0,]*$/.test(ip) && /^0*$/.test(fp);
  return (sign === "-" && !zero ? "-" : "") + ip + (digits ? "." + fp : "");
}
const sym = (iid) => String(iid).split("@")[0];
const ven = (iid) => String(iid).split("@")[1] || "";
const inst = (s) => S.instruments[sym(s)] || {price_decimals: 2, quantity_decimals: 4};
const qty = (s, v) => fmtDec(v, inst(s).quantity_decimals, false);
const px = (s, v) => fmtDec(v, inst(s).price_decimals);
const money = (v) => fmtDec(v, 2);
const sgn = (v) => (String(v).trim().startsWith("-") ? "neg" : "pos");
const hms = (ns) => new Date(Number(ns) / 1e6).toISOString().slice(11, 23);

// ------------------------------------------------------------------ REST through the session cookie
async function api(path, opts = {}) {
  const r = await fetch(path, {
    credentials: "same-origin", ...opts,
    headers: {"X-Requested-With": "tradecore", "Content-Type": "application/json", ...(opts.headers || {})},
  });
  if (r.status === 401) { showLogin("session ended: sign in again"); throw new Error("unauthorized"); }
  const body = r.headers.get("content-type")?.includes("json") ? await r.json() : null;
  return {status: r.status, body};
}
const q = (o) => new URLSearchParams(o).toString();
function rows(id, items, cells, cls = () => "") {
  $(id).querySelector("tbody").innerHTML = items.map((x) =>
    `<tr class="${cls(x)}">` + cells(x).map((c) => `<td>${c}</td>`).join("") + "</tr>").join("");
}
function later(name, fn, ms) {
  if (S.timers[name]) return;
  S.timers[name] = setTimeout(() => { S.timers[name] = null; fn().catch(() => {}); }, ms);
}

// ------------------------------------------------------------------ login
function showLogin(msg = "") {
  $("login").hidden = false; $("login-error").textContent = msg; $("status").textContent = "signed out";
  if (S.ws) { S.ws.onclose = null; S.ws.close(); S.ws = null; }
  $("login-key").focus();
}
$("login-form").onsubmit = async (ev) => {
  ev.preventDefault();
  const r = await fetch("/v1/session", {method: "POST", credentials: "same-origin",
    headers: {"X-API-Key": $("login-key").value.trim()}});
  const body = await r.json().catch(() => null);
  if (!r.ok) {
    const e = body && body.error;
    $("login-error").innerHTML = e ? `<code>${esc(e.code)}</code> ${esc(e.message)}` : `HTTP ${r.status}`;
    return;
  }
  $("login-key").value = "";
  await start(body);
};
$("logout").onclick = async () => { await api("/v1/session", {method: "DELETE"}).catch(() => {}); showLogin(); };

async function start(session) {
  S.session = session; S.scopes = session.scopes;
  $("login").hidden = true;
  $("who").textContent = `${session.key_id} (${session.scopes.join(", ")})`;
  const accts = session.accounts.filter((a) => a !== "*");
  if (!S.account) S.account = accts[0] || "";
  const list = [...new Set([S.account, ...accts].filter(Boolean))];
  $("account").innerHTML = list.map((a) => `<option>${esc(a)}</option>`).join("");
  $("account").value = S.account;
  $("t-submit").disabled = !S.scopes.includes("trade");
  $("killbox").hidden = !S.scopes.includes("risk-admin");
  const ins = (await api("/v1/instruments")).body || [];
  S.instruments = Object.fromEntries(ins.map((i) => [i.symbol, i]));
  const opts = ins.map((i) => `<option>${esc(i.symbol)}</option>`).join("");
  $("t-symbol").innerHTML = opts; $("d-symbol").innerHTML = opts;
  ticketVenues();
  connect();
  if (S.account) pollAll();  // a key for all accounts: the stream's snapshot names the account
}
$("account").onchange = () => { S.account = $("account").value; S.fills = []; connect(); pollAll(); };

// ------------------------------------------------------------------ the stream
function connect() {
  if (S.ws) { S.ws.onclose = null; S.ws.close(); }
  const acct = S.account ? `?account=${encodeURIComponent(S.account)}` : "";
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/v1/stream${acct}`);
  S.ws = ws;
  ws.onopen = () => { S.connects = (S.connects || 0) + 1; $("status").textContent = "live"; };
  ws.onclose = (e) => {
    $("status").textContent = "disconnected - retrying";
    if (e.code === 4401) { api("/v1/session").catch(() => {}); }
    setTimeout(() => { if (S.ws === ws) connect(); }, 1000);
  };
  ws.onmessage = (m) => { const msg = JSON.parse(m.data); (HANDLERS[msg.type] || onOrderEvent)(msg.data, msg.type); };
}
const HANDLERS = {
  snapshot: (d) => {
    if (!S.account) { S.account = d.account; $("account").innerHTML = `<option>${esc(d.account)}</option>`; pollAll(); }
    renderPositions(d.positions); renderPortfolio(d.portfolio);
    S.fills = mergeFills(S.fills, d.fills); S.equity = d.equity_curve || []; renderFills(); renderChart(); renderVenues(d.venues);
  },
  quote: () => later("marks", refreshMarks, 300),  // re-mark positions at the server's exact marks
  positions: (d) => { S.positions = d; later("positions", async () => renderPositions(S.positions), 150); },
  equity: (d) => { S.equity.push(d); if (S.equity.length > 3600) S.equity.shift(); later("chart", async () => renderChart(), 250); $("equity").textContent = money(d.equity); },
  OrderFilled: (d) => {
    S.fills.push(d); if (S.fills.length > 500) S.fills.shift(); later("fills", async () => renderFills(), 200);
    later("count", refreshCount, 200); onOrderEvent(d);
  },
  RoutingDecision: (d) => { S.decisions.unshift(d); S.decisions = S.decisions.slice(0, 8); later("routing", async () => renderRouting(), 250); },
  OrderDenied: (d) => { later("denials", refreshDenials, 200); onOrderEvent(d); },
  RiskAlert: () => later("alerts", refreshRisk, 200),
  BreachActionTaken: () => later("alerts", refreshRisk, 200),
  TradingStateChanged: () => later("alerts", refreshRisk, 100),
  KillSwitchChanged: () => later("alerts", refreshRisk, 100),
  StrategyAlert: () => later("alerts", refreshRisk, 200),
};
function mergeFills(have, snap) {  // a reconnect's snapshot: keep what came before it
  const seen = new Set(have.map((f) => f.trade_id));
  return [...have, ...snap.filter((f) => !seen.has(f.trade_id))].sort((a, b) => a.seq - b.seq).slice(-500);
}
function onOrderEvent(d) {
  later("orders", refreshOrders, 250);
  const id = d && String(d.client_order_id || "");
  if (S.lastOrder && (id === S.lastOrder || id.startsWith(S.lastOrder + "."))) later("ticket", refreshTicket, 150);
}

// ------------------------------------------------------------------ panels
function renderPortfolio(pf) {
  $("equity").textContent = money(pf.equity); $("realized").textContent = money(pf.realized_pnl);
  $("unrealized").textContent = money(pf.unrealized_pnl); $("gross").textContent = fmtDec(pf.gross_exposure, 0);
}
function renderPositions(ps) {
  rows("positions", ps, (p) => [esc(p.instrument), qty(p.instrument, p.quantity), px(p.instrument, p.avg_price),
    px(p.instrument, p.mark), `<span class="${sgn(p.unrealized_pnl)}">${money(p.unrealized_pnl)}</span>`,
    `<span class="${sgn(p.realized_pnl)}">${money(p.realized_pnl)}</span>`]);
}
function renderFills() {
  rows("fills", S.fills.slice(-40).reverse(), (f) => [hms(f.ts), esc(f.client_order_id), esc(sym(f.instrument_id)),
    esc(ven(f.instrument_id)), esc(f.side), qty(f.instrument_id, f.quantity), px(f.instrument_id, f.price)]);
}
function renderVenues(vs) {
  rows("venues", vs, (v) => [esc(v.venue), esc(v.health), esc(v.breaker), fmtDec(v.latency_us, 0),
    esc(v.latency_source || ""), fmtDec(v.fill_rate, 3)]);
}
function renderOrders(items) {
  const byId = Object.fromEntries(items.map((o) => [o.client_order_id, o]));
  const kids = {};
  for (const o of items) if (o.parent_id && byId[o.parent_id]) (kids[o.parent_id] ||= []).push(o);
  const out = [];
  for (const o of items.slice().sort((a, b) => b.created_ns - a.created_ns)) {
    if (o.parent_id && byId[o.parent_id]) continue;
    out.push(o); for (const c of kids[o.client_order_id] || []) out.push(c);
  }
  rows("orders", out.slice(0, 60), (o) => [esc(o.client_order_id), esc(o.instrument_id), esc(o.side),
    qty(o.instrument_id, o.quantity), qty(o.instrument_id, o.filled_qty),
    o.price == null ? "MKT" : px(o.instrument_id, o.price), esc(o.status)],
  (o) => (o.parent_id && byId[o.parent_id] ? "child" : "parent"));
}
function renderRouting() {
  $("routing").innerHTML = S.decisions.map((d) => `<div class="decision">
    <b>${esc(d.parent_id)}</b> ${esc(d.side)} ${qty(d.symbol, d.quantity)} ${esc(d.symbol)}
    ${d.limit == null ? "MKT" : "@ " + px(d.symbol, d.limit)} · ${esc(d.strategy)} · attempt ${esc(d.attempt)}
    <div class="why">${esc(d.reason)}</div>
    <table><thead><tr><th>venue</th><th>score</th><th>avail</th><th>fee</th><th>lat µs</th><th>fill rate</th><th>routed</th></tr></thead><tbody>
    ${d.scores.map((s) => { const ch = d.children.filter((c) => c.venue === s.venue);
      const routed = ch.length ? ch.map((c) => qty(d.symbol, c.quantity)).join("+") : "";
      return `<tr><td>${esc(s.venue)}</td><td>${fmtDec(s.score, 4)}</td><td>${qty(d.symbol, s.available)}</td>
        <td>${fmtDec(String(s.fee_rate) + "e4", 1)} bp</td><td>${fmtDec(s.latency_us, 0)}</td><td>${fmtDec(s.fill_rate, 3)}</td>
        <td class="${s.excluded ? "excluded" : ""}">${s.excluded ? esc(s.excluded) : routed}</td></tr>`; }).join("")}
    </tbody></table></div>`).join("");
}
function ladder(title, book, s, cls = "") {
  const n = book.venue === "*" ? 8 : 6, asks = book.asks.slice(0, n).reverse(), bids = book.bids.slice(0, n);
  const cons = book.venue === "*";
  const row = (l, side) => `<tr><td class="${side}">${px(s, l.price)}</td><td>${qty(s, l.size)}</td>${cons ? `<td>${esc(l.venue)}</td>` : ""}</tr>`;
  return `<div class="ladder ${cls}"><h3>${esc(title)}</h3><table><thead><tr><th>price</th><th>size</th>${cons ? "<th>venue</th>" : ""}</tr></thead>
    ${asks.map((l) => row(l, "ask")).join("")}
    ${bids.map((l) => row(l, "bid")).join("")}</table></div>`;
}
function renderDepth(b) {
  if (!b) return;
  $("depth").innerHTML = b.venues.map((v) => ladder(v.venue, v, b.symbol)).join("") +
    ladder("consolidated", b.consolidated, b.symbol, "cons");
}
function renderChart() {
  const c = $("chart"), g = c.getContext("2d"), pts = S.equity;
  g.clearRect(0, 0, c.width, c.height);
  const L = 78, R = 8, T = 8, B = 24, w = c.width - L - R, h = c.height - T - B;
  g.strokeStyle = "#30363d"; g.strokeRect(L, T, w, h);
  if (pts.length < 2) { g.fillStyle = "#8b949e"; g.fillText("waiting for equity points", L + 8, T + 16); return; }
  const ys = pts.map((e) => Number(e.equity)), xs = pts.map((e) => Number(e.ts));
  let lo = Math.min(...ys), hi = Math.max(...ys); if (hi === lo) { hi += 1; lo -= 1; }
  const x0 = xs[0], x1 = xs[xs.length - 1], X = (t) => L + (t - x0) / ((x1 - x0) || 1) * w, Y = (v) => T + h - (v - lo) / (hi - lo) * h;
  g.fillStyle = "#8b949e"; g.font = "11px system-ui"; g.textAlign = "right";
  for (let i = 0; i <= 4; i++) { const v = lo + (hi - lo) * i / 4, y = Y(v);
    g.fillText(fmtDec(v.toFixed(2), 0), L - 4, y + 4); g.strokeStyle = "#21262d"; g.beginPath(); g.moveTo(L, y); g.lineTo(L + w, y); g.stroke(); }
  g.textAlign = "center";
  for (let i = 0; i <= 4; i++) { const t = x0 + (x1 - x0) * i / 4, x = X(t);
    g.fillText(new Date(t / 1e6).toISOString().slice(11, 19), x, T + h + 16); g.strokeStyle = "#21262d"; g.beginPath(); g.moveTo(x, T); g.lineTo(x, T + h); g.stroke(); }
  g.strokeStyle = "#58a6ff"; g.lineWidth = 2; g.beginPath();
  pts.forEach((e, i) => { const x = X(xs[i]), y = Y(ys[i]); i ? g.lineTo(x, y) : g.moveTo(x, y); });
  g.stroke(); g.lineWidth = 1;
}
function renderStates(ts, risk) {
  const line = (s) => `<div>${s.scope === "*" ? "all accounts" : esc(s.scope)}: <b class="state ${esc(s.state)}">${esc(s.state)}</b>
    ${s.who ? `by ${esc(s.who)}: ${esc(s.why)} (${esc(s.source)})` : ""}</div>`;
  $("states").innerHTML = `<div>${esc(ts.account)} effective: <b class="state ${esc(ts.state)}" id="state-effective">${esc(ts.state)}</b></div>` + ts.scopes.map(line).join("");
  $("trading").textContent = ts.state; $("trading").className = "state " + ts.state;
  const own = ts.scopes.find((s) => s.scope === ts.account);
  const engaged = own && own.state === "HALTED" && own.source === "kill_switch";
  $("kill").textContent = engaged ? "Release kill switch" : "Engage kill switch";
  $("kill").className = engaged ? "release" : "kill"; $("kill").dataset.engaged = engaged ? "1" : "";
  if (risk && risk.utilisation) rows("risk", Object.entries(risk.utilisation), ([k, u]) => [esc(k),
    `<span class="bar"><i class="${esc(u.level)}" style="width:${Math.min(Number(u.utilisation_pct), 100)}%"></i></span>`,
    `${fmtDec(u.utilisation_pct, 1)}%`, esc(u.level)]);
}
const ALERT_TEXT = {
  RiskAlert: (a) => `${a.limit} ${a.level}: ${fmtDec(a.value, 2)} of ${fmtDec(a.threshold, 2)} (${fmtDec(a.utilisation_pct, 1)}%)`,
  BreachActionTaken: (a) => `${a.action} on ${a.limit}: ${a.detail}`,
  TradingStateChanged: (a) => `${a.account === "*" ? "all accounts" : a.account} ${a.previous} → ${a.state} by ${a.who}: ${a.why}`,
  KillSwitchChanged: (a) => `kill switch ${a.engaged ? "engaged" : "released"} on ${a.scope} by ${a.who}: ${a.why}`,
  StrategyAlert: (a) => `strategy ${a.strategy} ${a.kind}: ${a.reason}`,
};
$("kill").onclick = async () => {
  const engaged = !$("kill").dataset.engaged, why = $("kill-why").value.trim() || (engaged ? "dashboard" : "dashboard release");
  const r = await api("/v1/risk/kill-switch", {method: "POST", body: JSON.stringify({scope: S.account, engaged, why})});
  if (r.status !== 200) $("states").insertAdjacentHTML("beforeend", `<div class="error"><code>${esc(r.body?.error?.code)}</code> ${esc(r.body?.error?.message)}</div>`);
  await refreshRisk();
};

// ------------------------------------------------------------------ order entry
function ticketVenues() {
  const i = S.instruments[$("t-symbol").value];
  $("t-venue").innerHTML = ["SMART", ...(i ? i.venues : [])].map((v) => `<option>${esc(v)}</option>`).join("");
  if (i) { $("t-qty").placeholder = `lot ${i.lot}`; $("t-price").placeholder = `tick ${i.tick}`; }
}
$("t-symbol").onchange = ticketVenues;
$("d-symbol").onchange = () => refreshBook();
$("t-type").onchange = () => { $("t-price").disabled = $("t-type").value !== "LIMIT"; };
$("ticket").onsubmit = async (ev) => {
  ev.preventDefault();
  const id = "W" + Date.now().toString(36) + Math.floor(Math.random() * 1e4).toString(36);
  const body = {client_order_id: id, account: S.account, symbol: $("t-symbol").value, venue: $("t-venue").value,
    side: $("t-side").value, type: $("t-type").value, quantity: $("t-qty").value.trim()};
  if (body.type === "LIMIT") body.price = $("t-price").value.trim();
  if ($("t-tif").value) body.time_in_force = $("t-tif").value;
  const r = await api("/v1/orders", {method: "POST", body: JSON.stringify(body)});
  const out = $("ticket-result");
  if (r.body && r.body.denial) {
    const d = r.body.denial; S.lastOrder = null;
    out.innerHTML = `<div class="denial" id="ticket-denial">denied <code id="denial-reason">${esc(d.reason)}</code> ${esc(d.message)}
      ${d.check ? `<div>check ${esc(d.check)}: limit ${esc(d.limit)}, value ${esc(d.value)}</div>` : ""}</div>`;
    later("denials", refreshDenials, 100);
  } else if (r.status === 201 || (r.body && r.body.order)) {
    S.lastOrder = id; showTicket(r.body.order); later("ticket", refreshTicket, 300);
  } else {
    const e = r.body && r.body.error;
    out.innerHTML = `<div class="error" id="ticket-error"><code>${esc(e?.code || r.status)}</code> ${esc(e?.field || "")} ${esc(e?.message || "")}</div>`;
  }
};
function showTicket(o) {
  $("ticket-result").innerHTML = `<div class="ok">order <b id="ticket-order">${esc(o.client_order_id)}</b>
    ${esc(o.side)} ${qty(o.instrument_id, o.quantity)} ${esc(o.instrument_id)}: <b id="ticket-status">${esc(o.status)}</b>
    filled ${qty(o.instrument_id, o.filled_qty)}${o.avg_px ? " @ " + px(o.instrument_id, o.avg_px) : ""}</div>`;
}
async function refreshTicket() {
  if (!S.lastOrder) return;
  const r = await api(`/v1/orders/${encodeURIComponent(S.lastOrder)}`);
  if (r.status !== 200) return;
  showTicket(r.body);
  if (!TERMINAL.has(r.body.status)) later("ticket", refreshTicket, 500);  // until it is done
}
const TERMINAL = new Set(["FILLED", "CANCELED", "REJECTED", "DENIED", "EXPIRED"]);

// ------------------------------------------------------------------ polling (the rest comes by the stream)
async function refreshMarks() {
  const a = {account: S.account};
  const [ps, pf] = await Promise.all([api(`/v1/positions?${q(a)}`), api(`/v1/portfolio?${q(a)}`)]);
  if (ps.status === 200) renderPositions(ps.body);
  if (pf.status === 200) { renderPortfolio(pf.body); if (pf.body.equity_curve?.length) { S.equity = pf.body.equity_curve; renderChart(); } }
}
async function refreshCount() {
  const r = await api(`/v1/fills/count?${q({account: S.account})}`);
  if (r.status === 200) $("nfills").textContent = fmtDec(r.body.fills, 0);
}
async function refreshOrders() {
  const r = await api(`/v1/orders?${q({account: S.account, open_only: true, limit: 500})}`);
  if (r.status === 200) renderOrders(r.body.items);
}
async function refreshDenials() {
  const r = await api(`/v1/denials?${q({account: S.account, limit: 30})}`);
  if (r.status === 200) rows("denials", r.body, (d) => [hms(d.ts), esc(d.client_order_id), `<code>${esc(d.reason)}</code>`, esc(d.message)]);
}
async function refreshRisk() {
  const a = {account: S.account};
  const [ts, risk, al] = await Promise.all([api(`/v1/risk/trading-state?${q(a)}`), api(`/v1/risk?${q(a)}`), api(`/v1/alerts?${q({...a, limit: 40})}`)]);
  if (ts.status === 200) renderStates(ts.body, risk.body);
  if (al.status === 200) rows("alerts", al.body, (x) => [hms(x.ts), esc(x.type), esc((ALERT_TEXT[x.type] || JSON.stringify)(x))]);
}
async function refreshBook() {
  const s = $("d-symbol").value; if (!s) return;
  const r = await api(`/v1/book?${q({symbol: s, levels: 10})}`);
  if (r.status === 200) renderDepth(r.body);
}
async function refreshRouting() {
  const r = await api(`/v1/routing/decisions?${q({account: S.account, limit: 8})}`);
  if (r.status === 200) { S.decisions = r.body; renderRouting(); }
}
async function refreshVenues() { const r = await api("/v1/venues"); if (r.status === 200) renderVenues(r.body); }
async function pollAll() {
  await Promise.all([refreshMarks(), refreshCount(), refreshOrders(), refreshDenials(), refreshRisk(),
    refreshBook(), refreshRouting(), refreshVenues()]).catch(() => {});
}
setInterval(() => { if (S.session) { refreshBook().catch(() => {}); refreshVenues().catch(() => {}); refreshRisk().catch(() => {}); refreshOrders().catch(() => {}); } }, 1000);
setInterval(() => { if (S.session) refreshCount().catch(() => {}); }, 3000);

// ------------------------------------------------------------------ boot: an existing session, else the login
fetch("/v1/session", {credentials: "same-origin", headers: {"X-Requested-With": "tradecore"}})
  .then(async (r) => (r.ok ? start(await r.json()) : showLogin()))
  .catch(() => showLogin());
