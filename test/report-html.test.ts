/**
 * The HTML report in a real headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core): it renders with no console error and no network request, the numbers it
 * shows equal the JSON report's, and a screenshot is saved under test-output/ (gitignored).
 * Missing Chromium: fails with a clear message under CI=true, skips visibly otherwise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryReport } from '../src/index.js';
import { requireRedis } from './support/redis.mjs';
import { makeReportDumps } from './support/report-dumps.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rdbkit.js');
const OUT = join(ROOT, 'test-output');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AT = String(Date.UTC(2026, 0, 1));

function requireChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const msg = `chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`;
  if (process.env.CI === 'true')
    throw new Error(`[rdbkit tests] ${msg}: CI=true requires it for the HTML report test. Install it (apt-get install chromium).`);
  console.warn(`[rdbkit tests] ${msg}: skipping the HTML report test`);
  return false;
}

function run(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, 'report', ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe.skipIf(!requireChromium() || !requireRedis('the HTML report test'))(
  'rdbkit report --format html in Chromium',
  { timeout: 300_000 },
  () => {
    let dir = '';
    let browser: BrowserContext;
    let report: MemoryReport;
    let html: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'rdbkit-html-'));
      const dumps = await makeReportDumps(dir, 2);
      html = join(dir, 'report.html');
      const r = run(...dumps.parts, '--format', 'html', '-o', html, '--at', AT);
      expect(r.code, r.err).toBe(0);
      report = JSON.parse(run(...dumps.parts, '--format', 'json', '--at', AT).out) as MemoryReport;
      // a fresh profile directory per run
      browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1280, height: 1400 },
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    }, 300_000);
    afterAll(async () => {
      await browser?.close();
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });

    it('is one small self-contained file', () => {
      const text = readFileSync(html, 'utf8');
      // nothing that loads: no external scripts, styles, images, CSS urls or fetches (the browser test watches requests too)
      expect(text).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|url\(|fetch\(|XMLHttpRequest|import\(/i);
      expect(statSync(html).size).toBeLessThan(200_000);
    });

    it('renders with no console error and no network request; shows the JSON report numbers', async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      const url = pathToFileURL(html).href;
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => {
        if (r.url() !== url) requests.push(r.url());
      });
      await page.goto(url);
      await page.waitForSelector('body[data-rendered="true"]');

      const value = (sel: string) => page.$eval(sel, (e) => Number(e.getAttribute('data-value')));
      expect(await value('#total-keys')).toBe(report.total.keys);
      expect(await value('#total-bytes')).toBe(report.total.bytes);
      expect(await value('#expiry-keys')).toBe(report.expiry.keys);
      expect(await page.$eval('#total-bytes-exact', (e) => e.textContent)).toBe(`${report.total.bytes.toLocaleString('en-US')} bytes`);

      const top = await page.$$eval('#top tr[data-rank]', (rows) =>
        rows.map((r) => {
          const td = r.querySelectorAll('td');
          return {
            key: td[2]!.textContent,
            type: td[3]!.textContent,
            encoding: td[4]!.textContent,
            bytes: Number(td[5]!.getAttribute('data-value')),
          };
        }),
      );
      expect(top).toEqual(report.top.map((t) => ({ key: t.key, type: t.type, encoding: t.encoding, bytes: t.bytes })));

      const byType = await page.$$eval('#by-type tr[data-name]', (rows) =>
        rows.map((r) => [r.getAttribute('data-name'), Number(r.querySelectorAll('td')[2]!.getAttribute('data-value'))]),
      );
      expect(byType).toEqual(Object.entries(report.byType).map(([k, v]) => [k, v.bytes]));
      const ttl = await page.$$eval('#ttl tr[data-name]', (rows) =>
        rows.map((r) => Number(r.querySelectorAll('td')[1]!.getAttribute('data-value'))),
      );
      expect(ttl).toEqual(report.ttl.counts.filter((c) => c.keys).map((c) => c.keys));

      // the treemap's first level is the prefix tree's first level
      const cells = await page.$$eval('#treemap div[data-name]', (ds) =>
        ds.map((d) => [d.getAttribute('data-name'), Number(d.getAttribute('data-bytes'))]),
      );
      for (const ch of report.prefixes.children ?? []) expect(cells).toContainEqual([ch.name, ch.bytes]);

      mkdirSync(OUT, { recursive: true });
      await page.screenshot({ path: join(OUT, 'report-html.png'), fullPage: true });
      expect(existsSync(join(OUT, 'report-html.png'))).toBe(true);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await page.close();
    });
  },
);
