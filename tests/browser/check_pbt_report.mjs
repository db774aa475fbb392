// node check_pbt_report.mjs --report FILE.html --out DIR --trials N
// The report of a population-based study: every chart draws, and in the learning curves each
// stretch's line starts at its parent's last epoch (members' lines run on across stretches;
// a copy branches off the line it copied); keeps a screenshot.
import path from 'node:path';
import { args, checkCharts, expectNoErrors, fail, launch, open, screenshot } from './browser.mjs';

const a = args();
const trials = Number(a.trials);
const url = 'file://' + path.resolve(a.report);
const browser = await launch();
try {
  const { page, errors } = await open(browser, url);
  await checkCharts(page, { minTrials: trials });
  const lines = await page.evaluate(() => {
    const byNumber = {};
    window.tuneReport.data.trials.forEach((t) => { byNumber[t.number] = t; });
    const out = [];
    for (const s of window.tuneReport.charts.curves.getOption().series) {
      if (s.type !== 'lines') continue;
      for (const d of s.data) {
        const t = byNumber[d.trial.number];
        out.push({ number: t.number, coords: d.coords, own: t.curve, pbt: t.params.pbt,
                   parentLast: t.params.pbt && t.params.pbt.parent !== undefined
                     ? byNumber[t.params.pbt.parent].curve.slice(-1)[0] : null });
      }
    }
    return out;
  });
  let joined = 0, copies = 0;
  for (const l of lines) {
    if (!l.pbt) fail(`trial ${l.number} has no pbt params`);
    if (l.parentLast === null) {
      if (JSON.stringify(l.coords) !== JSON.stringify(l.own)) fail(`trial ${l.number}: a first stretch draws its own curve`);
      continue;
    }
    const want = [l.parentLast].concat(l.own);
    if (JSON.stringify(l.coords) !== JSON.stringify(want))
      fail(`trial ${l.number} draws ${JSON.stringify(l.coords)}, expected its parent's last epoch then its own ${JSON.stringify(want)}`);
    joined += 1;
    if (l.pbt.exploited !== undefined) copies += 1;
  }
  if (joined === 0 || copies === 0) fail(`${joined} stretches joined to their parents, ${copies} of them copies: expected some of each`);
  // The schedules: one step line per stretch and parameter, from its parent's value at its
  // first epoch; the dark lines are the best trial's and the stretches it went on from.
  const charts = await checkCharts(page, { minTrials: trials });
  if (!charts.some((c) => c.name === 'schedules')) fail('no schedules chart');
  const schedules = await page.evaluate(() => {
    const r = window.tuneReport, byNumber = {};
    r.data.trials.forEach((t) => { byNumber[t.number] = t; });
    const option = r.charts.schedules.getOption();
    const out = { params: r.data.params.map((p) => p.name), grids: option.grid.length, lines: [] };
    option.series.forEach((s) => {
      if (s.type !== 'lines') return;
      const param = out.params[s.xAxisIndex];
      for (const d of s.data) {
        const t = byNumber[d.trial.number], pbt = t.params.pbt;
        const parent = pbt.parent !== undefined ? byNumber[pbt.parent] : null;
        out.lines.push({ number: t.number, dark: s.lineStyle.width > 2, coords: d.coords, pbt,
                         value: t.params[param], before: parent ? parent.params[param] : null });
      }
    });
    return out;
  });
  if (schedules.grids !== schedules.params.length) fail(`${schedules.grids} schedule plots for ${schedules.params.length} parameters`);
  if (schedules.lines.length !== schedules.params.length * trials)
    fail(`${schedules.lines.length} schedule lines, expected one per stretch and parameter`);
  for (const l of schedules.lines) {
    const want = [[l.pbt.from_epoch, l.value], [l.pbt.to_epoch, l.value]];
    if (l.before !== null) want.unshift([l.pbt.from_epoch, l.before]);
    if (JSON.stringify(l.coords) !== JSON.stringify(want))
      fail(`trial ${l.number}'s schedule ${JSON.stringify(l.coords)}, expected ${JSON.stringify(want)}`);
  }
  const dark = schedules.lines.filter((l) => l.dark);
  const epochsCovered = new Set(dark.map((l) => l.pbt.to_epoch));
  const last = Math.max(...schedules.lines.map((l) => l.pbt.to_epoch));
  if (!dark.length || !epochsCovered.has(last) || !dark.some((l) => l.pbt.from_epoch === 0))
    fail('the best line does not run from epoch 0 to the last: ' + JSON.stringify(dark.map((l) => l.number)));

  expectNoErrors(errors, url);
  const shot = await screenshot(page, a.out, 'pbt-report');
  console.log(`pbt report ok: ${lines.length} lines, ${joined} joined to their parents (${copies} copies); screenshot ${shot}`);
} finally {
  await browser.close();
}
