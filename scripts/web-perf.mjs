// Measures the web app's CPU cost in Debian's Chromium: a dashboard of 12 time-series charts,
// each receiving 10 points per second, for 30 s after a 10 s warm-up. Reports the renderer main
// thread's busy time (CDP Performance TaskDuration) and the CPU time of the whole Chromium process
// tree (from /proc), as a share of one core. Usage (from the repo root, after `make web`):
//   node scripts/web-perf.mjs
// LIVEDASH_BIN=path uses a binary built beforehand (to compare two builds).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = createRequire(join(repo, 'web', 'package.json'))('playwright-core');
const port = 18777;
const base = `http://127.0.0.1:${port}`;
const key = 'perf-api-key-0123456789';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const tmp = mkdtempSync(join(tmpdir(), 'livedash-webperf-'));
const bin = process.env.LIVEDASH_BIN || join(tmp, 'livedash');
if (!process.env.LIVEDASH_BIN) execFileSync('go', ['build', '-o', bin, './cmd/livedash'], { cwd: repo, stdio: 'inherit' });
const server = spawn(bin, [], {
  stdio: 'ignore',
  env: {
    ...process.env,
    LIVEDASH_ADDR: `127.0.0.1:${port}`,
    LIVEDASH_DATA_DIR: tmp,
    LIVEDASH_ADMIN_PASSWORD: 'perf-admin-password',
    LIVEDASH_API_KEY: key,
    LIVEDASH_COLLECTOR_ENABLED: 'false',
    LIVEDASH_LOG_LEVEL: 'warn',
  },
});
for (let i = 0; i < 100; i++) {
  try {
    if ((await fetch(`${base}/websocket/health`)).ok) break;
  } catch {}
  await sleep(100);
}

const login = await fetch(`${base}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ email: 'admin@localhost', password: 'perf-admin-password' }),
});
const [cookiePair] = login.headers.get('set-cookie').split(';');
const [cookieName, cookieValue] = cookiePair.split('=');
const api = async (path, body) => {
  const r = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookiePair, 'X-Livedash-CSRF': '1' },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
};
const dash = await api('/api/v1/dashboards', { name: 'Perf', visibility: 'shared' });
for (let i = 0; i < 12; i++) {
  await api(`/api/v1/dashboards/${dash.id}/widgets`, {
    type: 'timeseries',
    title: `Series ${i}`,
    query: { codes: [`perf.m${i}`], aggregation: 'avg', range: '5m' },
    position: { x: (i % 3) * 4, y: Math.floor(i / 3) * 3, w: 4, h: 3 },
    options: {},
  });
}

// 10 points per second per chart: one batch of 12 points every 100 ms.
let n = 0;
const ingest = setInterval(() => {
  const ts = Date.now();
  const points = Array.from({ length: 12 }, (_, i) => ({ code: `perf.m${i}`, value: 50 + 40 * Math.sin((n + i) / 20), ts }));
  n++;
  fetch(`${base}/api/v1/metrics`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-API-Key': key, 'X-Livedash-Tenant': 'default' },
    body: JSON.stringify({ points }),
  }).catch(() => {});
}, 100);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
await context.addCookies([{ name: cookieName, value: cookieValue, url: base }]);
const page = await context.newPage();
await page.goto(`${base}/dashboards/${dash.id}`);
await sleep(10_000);

// CPU time (utime+stime, clock ticks) of Chromium: every descendant of this Node process except
// the livedash server.
const treeTicks = (root, skip) => {
  const stat = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      stat.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {}
  }
  let total = 0;
  const walk = (pid) => {
    for (const [child, s] of stat) {
      if (s.ppid === pid && child !== skip) {
        total += s.ticks;
        walk(child);
      }
    }
  };
  walk(root);
  return total;
};
const cdp = await context.newCDPSession(page);
if (process.env.PROFILE) {
  // Self time per function over 10 s, to see where the main thread goes.
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  await sleep(10_000);
  const { profile } = await cdp.send('Profiler.stop');
  const self = new Map();
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0)));
  const byName = new Map();
  for (const n of profile.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber}`;
    byName.set(key, (byName.get(key) ?? 0) + (self.get(n.id) ?? 0));
  }
  const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 25);
  for (const [k, us] of top) console.log(`${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
}
await cdp.send('Performance.enable');
const metric = async (name) => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name).value;
const seconds = 30;
const draws = () =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=chart]')].reduce((n, el) => n + Number(el.dataset.draws ?? 0), 0),
  );
const d0 = await draws();
const t0 = await metric('TaskDuration');
const c0 = treeTicks(process.pid, server.pid);
const w0 = Date.now();
await sleep(seconds * 1000);
const t1 = await metric('TaskDuration');
const c1 = treeTicks(process.pid, server.pid);
const wall = (Date.now() - w0) / 1000;
const d1 = await draws();
const points = await page.evaluate(() =>
  [...document.querySelectorAll('[data-testid=chart]')].map((el) => Number(el.dataset.points ?? 0)),
);

console.log(`charts: ${points.length}, points held per chart: ${points.join(' ')}`);
console.log(`chart draws: ${((d1 - d0) / wall / points.length).toFixed(1)} per chart per second`);
console.log(`renderer main thread busy: ${((100 * (t1 - t0)) / wall).toFixed(1)}% of one core`);
console.log(`whole Chromium process tree: ${((c1 - c0) / wall).toFixed(1)}% of one core (${wall.toFixed(1)} s)`);

clearInterval(ingest);
await browser.close();
server.kill('SIGTERM');
rmSync(tmp, { recursive: true, force: true });
