// node time_report.mjs --report FILE.html [--runs 3]: how long headless Chromium takes to open a
// report from disk until every chart has drawn (scripts/bench.sh report; not a test).
import path from 'node:path';
import { args, checkCharts, expectNoErrors, launch, open } from './browser.mjs';

const a = args();
const runs = Number(a.runs || 3);
const url = 'file://' + path.resolve(a.report);
const browser = await launch();
try {
  const times = [];
  let timings = {};
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const { page, errors } = await open(browser, url);
    const trials = await page.evaluate(() => JSON.parse(document.getElementById('tune-data').textContent).trials.length);
    await checkCharts(page, { minTrials: trials, timeout: 60000 });
    times.push(performance.now() - start);
    timings = await page.evaluate(() => window.tuneReport.timings);
    expectNoErrors(errors, url);
    await page.close();
  }
  times.sort((x, y) => x - y);
  console.log(`browser: opened and drew every chart in ${times.map((t) => Math.round(t) + ' ms').join(', ')} ` +
              `(median ${Math.round(times[Math.floor(times.length / 2)])} ms, headless Chromium)`);
  console.log('browser: per view, last run (ms): ' + JSON.stringify(timings));
} finally {
  await browser.close();
}
