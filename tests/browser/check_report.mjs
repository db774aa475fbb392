// node check_report.mjs --report FILE.html --out DIR --trials N
// Opens a report written by `tune report` from disk and checks that it needs no network, logs
// no error, draws every chart, lists every trial, and sorts its table; keeps a screenshot.
import path from 'node:path';
import { args, checkCharts, expectNoErrors, fail, launch, open, screenshot } from './browser.mjs';

const a = args();
const trials = Number(a.trials);
const url = 'file://' + path.resolve(a.report);
const browser = await launch();
try {
  const { page, errors, requests } = await open(browser, url);
  const charts = await checkCharts(page, { minTrials: trials });
  const names = charts.map((c) => c.name);
  for (const want of ['history', 'curves', 'parallel', 'slices', 'importance', 'timeline'])
    if (!names.includes(want)) fail('no ' + want + ' chart; charts: ' + names.join(', '));
  if (names.includes('schedules') || !(await page.$eval('#schedules-section', (e) => e.hidden)))
    fail('a study without population-based training shows schedules');
  const slices = await page.evaluate(() => window.tuneReport.charts.slices.getOption().grid.length);
  const params = await page.evaluate(() => window.tuneReport.data.params.length);
  if (slices !== params) fail(`${slices} slice plots for ${params} parameters`);
  const foreign = requests.filter((r) => !r.startsWith('file://') && !r.startsWith('data:'));
  if (foreign.length) fail('the report reached for the network: ' + foreign.join(', '));

  // Parsed as written: the four script elements (config, data, ECharts, ours), the data intact.
  const parsed = await page.evaluate(() => ({
    scripts: document.querySelectorAll('script').length,
    trials: JSON.parse(document.getElementById('tune-data').textContent).trials.length,
    sections: document.querySelectorAll('main > section').length,
  }));
  if (parsed.scripts !== 4 || parsed.trials !== trials || parsed.sections < 8)
    fail('the page did not parse as written: ' + JSON.stringify(parsed));
  const rows = await page.$$eval('#trials tbody tr', (r) => r.length);
  if (rows !== trials) fail(`the table lists ${rows} trials, expected ${trials}`);
  // Sorting: the value column, twice (ascending, then descending).
  const sorted = async () => page.$$eval('#trials tbody tr', (rs) =>
    rs.map((r) => r.children[2].textContent).filter((t) => t !== '').map(Number));
  await page.click('#trials th[data-key="value"]');
  const up = await sorted();
  await page.click('#trials th[data-key="value"]');
  const down = await sorted();
  const ascending = (xs) => xs.every((x, i) => i === 0 || xs[i - 1] <= x);
  if (!up.length || !ascending(up)) fail('ascending sort by value: ' + up.join(' '));
  if (!ascending(down.slice().reverse())) fail('descending sort by value: ' + down.join(' '));
  // The history's wall-time axis draws too.
  await page.click('#history-by-time');
  await checkCharts(page, { minTrials: trials });
  await page.click('#history-by-number');
  await checkCharts(page, { minTrials: trials });

  expectNoErrors(errors, url);
  const shot = await screenshot(page, a.out, 'report');
  console.log(`report ok: ${trials} trials, charts ${names.join(', ')}; screenshot ${shot}`);
} finally {
  await browser.close();
}
