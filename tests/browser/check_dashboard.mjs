// node check_dashboard.mjs --url URL --out DIR
// Opens a running `tune dashboard` in headless Chromium while its study is still running and
// checks that it logs no error, draws every chart, asks nothing of any other origin, and shows
// new trials as they finish without a reload; keeps a screenshot.
import { args, checkCharts, expectNoErrors, fail, launch, open, screenshot } from './browser.mjs';

const a = args();
const browser = await launch();
try {
  const { page, errors, requests } = await open(browser, a.url);
  const charts = await checkCharts(page, { minTrials: 1 });
  const names = charts.map((c) => c.name);
  for (const want of ['history', 'curves', 'parallel', 'slices', 'importance', 'timeline'])
    if (!names.includes(want)) fail('no ' + want + ' chart; charts: ' + names.join(', '));
  const shown = () => page.evaluate(() => ({
    trials: window.tuneReport.trials,
    rows: document.querySelectorAll('#trials tbody tr').length,
    summary: document.getElementById('summary').textContent,
    live: document.getElementById('live-status').textContent,
  }));
  const before = await shown();
  if (!before.live.startsWith('Live:')) fail('the page is not live: ' + JSON.stringify(before));
  // A mark that a reload would wipe: the new trials must arrive in this same document.
  await page.evaluate(() => { window.tuneDashboardCheck = 'same page'; });
  await page.waitForFunction((n) => window.tuneReport.trials > n, { timeout: 60000, polling: 200 },
                             before.trials)
    .catch(() => fail(`no new trial appeared within 60 s (still ${before.trials})`));
  const after = await shown();
  if (await page.evaluate(() => window.tuneDashboardCheck) !== 'same page')
    fail('the page was reloaded');
  if (after.rows !== after.trials) fail(`the table lists ${after.rows} of ${after.trials} trials`);
  if (after.summary === before.summary) fail('the summary did not change: ' + after.summary);
  await checkCharts(page, { minTrials: after.trials });

  const origin = new URL(a.url).origin;
  const foreign = requests.filter((r) => !r.startsWith(origin + '/') && !r.startsWith('data:'));
  if (foreign.length) fail('the dashboard reached beyond its server: ' + foreign.join(', '));
  const polls = requests.filter((r) => r === origin + '/api/study').length;
  expectNoErrors(errors, a.url);
  const shot = await screenshot(page, a.out, 'dashboard');
  console.log(`dashboard ok: ${before.trials} then ${after.trials} trials without a reload ` +
              `(${polls} polls), charts ${names.join(', ')}; screenshot ${shot}`);
} finally {
  await browser.close();
}
