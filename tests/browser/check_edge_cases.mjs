// node check_edge_cases.mjs --report FILE.html --out DIR
// The same page with edge-case studies swapped in for its data: no trial at all, only running
// trials (a dashboard's first seconds), only failed ones, no searched parameters. Each must draw
// every chart (with its "nothing yet" message) and log no error.
import fs from 'node:fs';
import path from 'node:path';
import { args, expectNoErrors, fail, launch, open } from './browser.mjs';

const a = args();
const html = fs.readFileSync(a.report, 'utf8');
const marker = '<script type="application/json" id="tune-data">';
const from = html.indexOf(marker) + marker.length;
const to = html.indexOf('</script>', from);
const data = JSON.parse(html.slice(from, to));

const cases = {
  'no trials': (d) => {
    d.trials = []; d.workers = [];
    d.importance.values = []; d.importance.trials = 0;
    d.counts = { complete: 0, pruned: 0, failed: 0, running: 0 };
  },
  'only running': (d) => d.trials.forEach((t) => { t.state = 'running'; t.end = null; t.value = null; }),
  'only failed': (d) => d.trials.forEach((t) => { t.state = 'failed'; t.value = null; t.curve = []; }),
  'no params': (d) => { d.params = []; d.trials.forEach((t) => { t.params = {}; }); d.importance.values = []; },
};

fs.mkdirSync(a.out, { recursive: true });
const browser = await launch();
try {
  for (const [name, mutate] of Object.entries(cases)) {
    const d = structuredClone(data);
    mutate(d);
    const file = path.join(a.out, 'edge-' + name.replace(/ /g, '-') + '.html');
    fs.writeFileSync(file, html.slice(0, from) + JSON.stringify(d).replaceAll('</', '<\\/') + html.slice(to));
    const { page, errors } = await open(browser, 'file://' + path.resolve(file));
    await page.waitForFunction(() => {
      const r = window.tuneReport;
      return r && r.renders > 0 && Object.keys(r.charts).every((k) => r.drawn[k]);
    }, { timeout: 20000, polling: 100 }).catch(() => fail(name + ': the charts did not draw'));
    expectNoErrors(errors, name);
    await page.close();
  }
  console.log('edge cases ok: ' + Object.keys(cases).join(', '));
} finally {
  await browser.close();
}
