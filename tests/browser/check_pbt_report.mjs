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
  expectNoErrors(errors, url);
  const shot = await screenshot(page, a.out, 'pbt-report');
  console.log(`pbt report ok: ${lines.length} lines, ${joined} joined to their parents (${copies} copies); screenshot ${shot}`);
} finally {
  await browser.close();
}
