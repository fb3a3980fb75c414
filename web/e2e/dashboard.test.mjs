// End-to-end: the real binary (go build), the built app it embeds, Debian's Chromium driven by
// playwright-core (no browser download). Run with `npm run e2e` (it builds the app first).
// Screenshots go to e2e/artifacts/ (ignored by git).

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const artifacts = join(here, 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ADMIN = { email: 'admin@localhost', password: 'e2e-admin-password' };
const BOB = { email: 'bob@example.test', password: 'e2e-bob-password', display_name: 'Bob' };
const API_KEY = 'e2e-api-key-0123456789abcdef';

let tmp;
let bin;
let port;
let base;
let server;
let browser;
let alice; // the admin's page
let bob; // an editor's page, in another browser context

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port: p } = s.address();
      s.close(() => ok(p));
    });
  });
}

async function startServer() {
  const proc = spawn(bin, [], {
    env: {
      ...process.env,
      LIVEDASH_DATA_DIR: tmp,
      LIVEDASH_ADDR: `127.0.0.1:${port}`,
      LIVEDASH_ADMIN_EMAIL: ADMIN.email,
      LIVEDASH_ADMIN_PASSWORD: ADMIN.password,
      LIVEDASH_API_KEY: API_KEY,
      LIVEDASH_ALLOWED_ORIGINS: base,
      LIVEDASH_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout.on('data', (d) => {
    log += d;
  });
  proc.stderr.on('data', (d) => {
    log += d;
  });
  proc.log = () => log;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`livedash exited (${proc.exitCode}):\n${log}`);
    try {
      const r = await fetch(`${base}/websocket/health`);
      if (r.ok) return proc;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`livedash did not become healthy:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopServer(proc) {
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(t);
}

/** Logs in through the API (for setup calls), returning the session cookie. */
async function apiLogin({ email, password }) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(r.status, 200, await r.text());
  return r.headers.get('set-cookie').split(';')[0];
}

async function apiPost(cookie, path, body) {
  const r = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-Livedash-CSRF': '1' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.ok, `${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

async function logIn(page, who) {
  await page.goto(`${base}/`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#dashboard-title', { hasText: 'Host metrics' }).waitFor({ timeout: 10_000 });
}

const chart = (page, title) => page.locator(`article[data-title="${title}"] [data-testid=chart]`);
const points = (loc) => loc.evaluate((el) => Number(el.dataset.points ?? 0));
const shot = (page, name) => page.screenshot({ path: join(artifacts, name) });

before(async () => {
  assert.ok(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH)`,
  );
  mkdirSync(artifacts, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'livedash-e2e-'));
  bin = join(tmp, 'livedash');
  execFileSync('go', ['build', '-o', bin, './cmd/livedash'], { cwd: repo, stdio: 'inherit' });
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await startServer();
  const admin = await apiLogin(ADMIN);
  await apiPost(admin, '/api/v1/users', { ...BOB, roles: ['editor'] });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
});

after(async () => {
  await browser?.close();
  await stopServer(server);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('log in: Host metrics is the first screen and the CPU chart gains points within 3 s', {
  timeout: 60_000,
}, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 950 } });
  alice = await ctx.newPage();
  const errors = [];
  alice.on('pageerror', (e) => errors.push(e.message));
  await logIn(alice, ADMIN);
  assert.match(new URL(alice.url()).pathname, /^\/dashboards\/.+/);
  await alice.getByText('LIVE', { exact: true }).waitFor({ timeout: 10_000 });
  await alice.getByText('WEBSOCKET', { exact: true }).waitFor();
  // No token in any URL: the WebSocket authenticated with the session cookie.
  const cpu = chart(alice, 'CPU');
  await cpu.waitFor();
  const start = await points(cpu);
  const t0 = Date.now();
  await alice.waitForFunction(
    ([el, n]) => Number(el.dataset.points ?? 0) > n,
    [await cpu.elementHandle(), start],
    { timeout: 3_000 },
  );
  const gained = (await points(cpu)) - start;
  console.log(`CPU chart: ${start} → ${start + gained} points in ${Date.now() - t0} ms`);
  await shot(alice, 'login-live.png');
  // A little history for a readable screenshot of the dashboard.
  await alice.waitForTimeout(20_000);
  await shot(alice, 'host-metrics.png');
  assert.deepEqual(errors, []);
});

test('a widget moved in another browser moves here, with a toast naming who', {
  timeout: 60_000,
}, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 950 } });
  bob = await ctx.newPage();
  await logIn(bob, BOB);
  await bob.getByText('LIVE', { exact: true }).waitFor({ timeout: 10_000 });

  const item = (page) => page.locator('.grid-item', { has: page.locator('article[data-title="Disk"]') });
  const before = Number(await item(alice).getAttribute('data-y'));
  const grip = bob.getByRole('button', { name: 'Move Disk' });
  const box = await grip.boundingBox();
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await bob.mouse.move(x, y);
  await bob.mouse.down();
  await bob.mouse.move(x, y + 80, { steps: 5 });
  await bob.mouse.move(x, y + 2 * 76, { steps: 5 });
  await bob.mouse.up();
  const moved = Number(await item(bob).getAttribute('data-y'));
  assert.equal(moved, before + 2, 'Bob dragged Disk two rows down');

  await alice.waitForFunction(
    ([el, want]) => Number(el.dataset.y) === want,
    [await item(alice).elementHandle(), moved],
    { timeout: 5_000 },
  );
  await alice.getByText('Dashboard changed by Bob').waitFor({ timeout: 5_000 });
  await alice.getByText('“Disk” was moved.').waitFor();
  await shot(alice, 'moved-by-bob.png');
  // Bob's save went through: no conflict on his side.
  assert.equal(await bob.getByRole('dialog').count(), 0);
});

test('a system notification appears as a toast, and counts as unread', { timeout: 30_000 }, async () => {
  const unread = () =>
    alice.evaluate(() =>
      Number.parseInt(document.querySelector('[data-testid=unread-count]')?.textContent ?? '0', 10),
    );
  const n0 = await unread();
  const admin = await apiLogin(ADMIN);
  await apiPost(admin, '/api/v1/notifications', {
    title: 'Maintenance tonight',
    body: 'From 22:00 to 22:30',
    severity: 'warning',
  });
  await alice.getByText('Maintenance tonight').waitFor({ timeout: 5_000 });
  await bob.getByText('Maintenance tonight').waitFor({ timeout: 5_000 });
  await alice.waitForFunction((n) => {
    const el = document.querySelector('[data-testid=unread-count]');
    return el && Number.parseInt(el.textContent, 10) === n + 1;
  }, n0);

  // A hand-made broadcast with the API key on system.default.
  const r = await fetch(`${base}/dashboard/broadcast`, {
    method: 'POST',
    headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      channel: 'system.default',
      event: 'system_notification',
      data: {
        notification: { id: 'b1', title: 'Broadcast hello', body: 'over the API key', severity: 'info' },
      },
    }),
  });
  assert.equal(r.status, 200, await r.text());
  await alice.getByText('Broadcast hello').waitFor({ timeout: 5_000 });
  await shot(alice, 'notification-toast.png');
});

test('the server restarts and the page recovers: LIVE again, data flowing', { timeout: 90_000 }, async () => {
  await stopServer(server);
  await alice.getByText(/^(RECONNECTING|OFFLINE)$/).waitFor({ timeout: 10_000 });
  await shot(alice, 'server-down.png');
  server = await startServer();
  const t0 = Date.now();
  await alice.getByText('LIVE', { exact: true }).waitFor({ timeout: 20_000 });
  console.log(`LIVE again ${Date.now() - t0} ms after the server was back`);
  const cpu = chart(alice, 'CPU');
  const received = await cpu.evaluate((el) => Number(el.dataset.received ?? 0));
  await alice.waitForFunction(
    ([el, n]) => Number(el.dataset.received ?? 0) > n,
    [await cpu.elementHandle(), received],
    { timeout: 10_000 },
  );
  await bob.getByText('LIVE', { exact: true }).waitFor({ timeout: 20_000 });
  await shot(alice, 'recovered.png');
});

test('the dashboard page loads under 300 KB of gzipped JavaScript', { timeout: 30_000 }, async () => {
  const scripts = await alice.evaluate(() => [...document.scripts].map((s) => s.src).filter(Boolean));
  let total = 0;
  for (const src of scripts) {
    // Bytes on the wire (fetch would decode the body).
    total += await new Promise((ok, fail) => {
      get(src, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
        assert.equal(res.headers['content-encoding'], 'gzip');
        let n = 0;
        res.on('data', (c) => {
          n += c.length;
        });
        res.on('end', () => ok(n));
      }).on('error', fail);
    });
  }
  console.log(`dashboard page JS: ${scripts.length} file(s), ${(total / 1024).toFixed(1)} KB gzipped`);
  assert.ok(total < 300 * 1024, `${total} bytes`);
});
