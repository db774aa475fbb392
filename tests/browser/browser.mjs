// Opens tune's pages in headless Chromium (the Debian package; TUNE_CHROMIUM overrides) over
// the DevTools protocol and checks what a person would see: no errors in the console, every
// chart drawn (pixels on its canvas, not only the HTML text), no request to the network.
import puppeteer from 'puppeteer-core';
import fs from 'node:fs';
import path from 'node:path';

export function fail(message) {
  console.error('FAIL: ' + message);
  process.exit(1);
}

export function args(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--')) fail('unexpected argument ' + argv[i]);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  return out;
}

export async function launch() {
  const executablePath = process.env.TUNE_CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath))
    fail(executablePath + ' is missing: scripts/test.sh installs the Debian package chromium');
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
           '--window-size=1400,1000'],
    defaultViewport: { width: 1400, height: 1000 },
  });
}

// A page that records console errors, uncaught exceptions and every request it makes.
export async function open(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
  page.on('pageerror', (e) => errors.push('exception: ' + e.message));
  page.on('requestfailed', (r) => errors.push('request failed: ' + r.url()));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url, { waitUntil: 'load', timeout: 30000 });
  return { page, errors, requests };
}

// Waits until the page has rendered `minTrials` trials and every chart reported drawn, then
// checks each chart's canvas for real drawing. Returns what the page shows.
export async function checkCharts(page, { minTrials = 1, timeout = 20000 } = {}) {
  await page.waitForFunction(
    (n) => {
      const r = window.tuneReport;
      if (!r || r.renders < 1 || r.trials < n) return false;
      const names = Object.keys(r.charts);
      return names.length > 0 && names.every((k) => r.drawn[k]);
    },
    { timeout, polling: 100 }, minTrials);
  const charts = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('[data-chart]')) {
      if (el.closest('[hidden]')) continue;  // a view the study has nothing for
      const canvas = el.querySelector('canvas');
      let inked = 0, colours = 0, total = 0;
      if (canvas) {
        const ctx = canvas.getContext('2d');
        const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        const seen = new Set();
        total = data.length / 4;
        for (let i = 0; i < data.length; i += 4) {
          const a = data[i + 3];
          if (a > 0 && !(data[i] > 250 && data[i + 1] > 250 && data[i + 2] > 250)) inked++;
          if (seen.size < 64) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2] | (a << 24));
        }
        colours = seen.size;
      }
      out.push({ name: el.getAttribute('data-chart'), canvas: !!canvas, inked, colours, total,
                 width: el.clientWidth, height: el.clientHeight });
    }
    return out;
  });
  for (const c of charts) {
    if (!c.canvas) fail(`chart ${c.name} has no canvas`);
    if (c.width < 100 || c.height < 100) fail(`chart ${c.name} is ${c.width}x${c.height}`);
    // Axes and labels alone ink well under 1% of a chart; data marks add colours and ink.
    if (c.colours < 4 || c.inked < c.total * 0.004)
      fail(`chart ${c.name} looks empty: ${c.inked} of ${c.total} pixels inked, ${c.colours} colours`);
  }
  return charts;
}

export async function screenshot(page, out, name) {
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export function expectNoErrors(errors, where) {
  if (errors.length) fail(where + ' reported errors:\n  ' + errors.join('\n  '));
}
