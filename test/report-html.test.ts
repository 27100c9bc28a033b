// The HTML report: what it says (against the JSON it is made from), what it
// must never hold (protected values, rare quasi-identifier values, anything
// fetched from the network), and that a real browser renders its charts with
// no console errors and no requests. The browser is Debian's chromium driven
// by playwright-core; .ci/run installs it, and where it cannot be installed
// the browser test is skipped with the reason printed.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../src/report/html.js';
import { TEST_KEY, tempDir, veil } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`report-html.test.ts: SKIPPING the browser test: no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium; apt-get install chromium)`);

const dir = tempDir();
const CITIES = ['Leeds', 'York', 'Hull', 'Bath'];
let report: Record<string, any>;
let html: string;
const rows: string[][] = [];

beforeAll(() => {
  let x = 5;
  const rnd = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) % n;
  for (let i = 0; i < 1500; i++) {
    const age = 18 + rnd(70);
    rows.push([`id${i}`, `someone${i}@example.org`, String(age), i < 3 ? 'Atlantis' : CITIES[rnd(4)]!, String(20000 + 400 * age + rnd(5000)), age > 45 ? 'yes' : 'no']);
  }
  writeFileSync(join(dir, 'in.csv'), `id,email,age,city,income,owner\n${rows.map((r) => r.join(',')).join('\n')}\n`);
  writeFileSync(join(dir, 'key'), TEST_KEY);
  writeFileSync(join(dir, 'p.yaml'), `version: 1
columns:
  id: hash
  email: hash
  age: keep
  city: keep
  income: { transform: noise, epsilon: 0.05, bounds: [0, 100000] }
  owner: keep
k_anonymity:
  k: 20
  quasi_identifiers: [age, city]
  publish: representative
`);
  const r = veil(['apply', 'in.csv', '--policy', 'p.yaml', '--key-file', 'key', '-o', 'out.csv', '--report', 'report.json', '--report-html', 'report.html', '--utility-target', 'owner', '-q'], { cwd: dir });
  expect(r.status, r.stderr).toBe(0);
  report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  html = readFileSync(join(dir, 'report.html'), 'utf8');
});

describe('the HTML report', () => {
  it('is the JSON report rendered: apply --report-html and veil report give the same page', () => {
    expect(html).toBe(renderHtml(report));
    const again = veil(['report', 'report.json', '-o', 'again.html'], { cwd: dir });
    expect(again.status).toBe(0);
    expect(readFileSync(join(dir, 'again.html'), 'utf8')).toBe(html);
    const bad = veil(['report', 'out.csv'], { cwd: dir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('not valid JSON');
  });

  it('says in its summary what k, the published form, the loss and the model cost are, from the report', () => {
    const summary = html.slice(html.indexOf('<section id="summary">'), html.indexOf('</section>', html.indexOf('<section id="summary">')));
    const k = report.privacy.k_anonymity;
    expect(summary).toContain(`k-anonymity, k=20:</b>`);
    expect(summary).toContain(`shared by at least ${k.achieved.k} rows`);
    expect(summary).toContain('one representative value per class');
    expect(summary).toContain(`lost ${Math.round(k.information_loss.gcp * 1000) / 10} % of their detail`);
    const m = report.utility.model;
    expect(summary).toContain(`scored ${Math.round(m.accuracy_trained_on_output * 1000) / 10} % on raw rows against ${Math.round(m.accuracy_trained_on_input * 1000) / 10} %`);
    // The warning the run printed (the noise dwarfs income at epsilon 0.05) is on the page.
    expect(report.warnings.some((w: string) => w.startsWith('the noise of income dwarfs'))).toBe(true);
    expect(html).toContain('<section id="warnings"');
    expect(html).toContain('the noise of income dwarfs');
  });

  it('holds no protected value, no value of a rare class, and nothing to fetch', () => {
    for (const r of rows.slice(0, 200)) {
      expect(html).not.toContain(r[0]);
      expect(html).not.toContain(r[1]);
    }
    // Three people live in Atlantis: under k (and the sample's min_count), never shown.
    expect(html).not.toContain('Atlantis');
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).not.toMatch(/<script|@import|url\(/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'`);
  });

  it.skipIf(!hasChromium)('renders its charts in Chromium, with no console error and no request', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(join(dir, 'report.html')).href;
      await page.goto(url);
      // One chart per measured distribution (age, city, owner; income is noised: no histogram), three for k-anonymity, a legend each for the distributions.
      const charts = await page.locator('figure svg').evaluateAll((svgs) =>
        svgs.map((s) => ({ width: s.getBoundingClientRect().width, height: s.getBoundingClientRect().height, bars: s.querySelectorAll('rect').length })),
      );
      const drawn = charts.filter((c) => c.width > 100 && c.height > 50 && c.bars > 0);
      expect(drawn.length).toBe(6);
      expect(await page.locator('#summary').innerText()).toContain('k-anonymity, k=20');
      expect(problems).toEqual([]);
      expect(requests).toEqual([url]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
