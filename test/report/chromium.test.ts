/**
 * The HTML report in a real browser: Debian's headless Chromium loads the file offline and we
 * check the rendered DOM, the console and Chromium's own network log.
 *
 * Needs `chromium` (apt-get install chromium; CHROMIUM_BIN overrides the path). Without it the
 * tests are skipped with the reason shown, except under CI, where a missing browser fails.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtmlReport } from '../../src/report/html.ts';
import { fakeModeReports } from './fake-reports.ts';

function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_BIN, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
}

const chromium = findChromium();
const inCI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

interface BrowserRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
  /** URLs the page itself asked for (Chromium's own update/account pings are not the page's). */
  readonly pageRequests: string[];
}

let work = '';

/** Runs headless Chromium on a file with logging and a network log; never touches the network. */
function runChromium(file: string, extra: readonly string[]): Promise<BrowserRun> {
  const profile = mkdtempSync(join(work, 'profile-'));
  const netlog = join(profile, 'netlog.json');
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-extensions',
    `--user-data-dir=${profile}`,
    // Any DNS lookup fails, so even a request that slipped through could not leave the machine.
    '--host-resolver-rules=MAP * ~NOTFOUND',
    '--enable-logging=stderr',
    '--v=0',
    `--log-net-log=${netlog}`,
    ...extra,
    pathToFileURL(file).href,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(chromium!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, pageRequests: pageRequests(netlog) });
    });
  });
}

/**
 * Requests made on behalf of the page: in the net log they carry the page's network isolation
 * key (file://), unlike Chromium's own background requests ("null null" or google.com).
 */
function pageRequests(netlog: string): string[] {
  if (!existsSync(netlog)) return ['<no net log written>'];
  const raw = readFileSync(netlog, 'utf8');
  // Chromium may be killed before it closes the JSON; the events array is still readable.
  let parsed: { events?: { params?: { url?: string; network_isolation_key?: string } }[] };
  try {
    parsed = JSON.parse(raw) as typeof parsed;
  } catch {
    parsed = JSON.parse(`${raw.replace(/,\s*$/, '')}]}`) as typeof parsed;
  }
  const urls = new Set<string>();
  const byKey = new Map<string, boolean>();
  for (const e of parsed.events ?? []) {
    const p = e.params;
    if (p?.url && !p.url.startsWith('file:')) {
      if (p.network_isolation_key !== undefined) byKey.set(p.url, (byKey.get(p.url) ?? false) || p.network_isolation_key.includes('file://'));
    }
  }
  for (const [url, fromPage] of byKey) if (fromPage) urls.add(url);
  return [...urls].sort();
}

/** Console messages Chromium logged for the page (errors, CSP refusals, uncaught exceptions). */
function consoleLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /:CONSOLE[:(]|Uncaught|Refused to|Content Security Policy/.test(l));
}

if (!chromium) {
  if (inCI) {
    describe('the HTML report in headless Chromium', () => {
      it('needs chromium, which CI installs (apt-get install chromium)', () => {
        expect.fail('chromium not found at /usr/bin/chromium (or $CHROMIUM_BIN) while CI is set');
      });
    });
  } else {
    describe('the HTML report in headless Chromium', () => {
      it.skip('skipped: chromium not found (apt-get install chromium, or set CHROMIUM_BIN)', () => {});
    });
  }
} else {
  describe('the HTML report in headless Chromium', () => {
    let reportFile = '';
    let dom: BrowserRun;
    let shot: BrowserRun;
    let screenshot = '';

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'flowsim-report-'));
      reportFile = join(work, 'report.html');
      writeFileSync(reportFile, renderHtmlReport(fakeModeReports()));
      screenshot = join(work, 'report.png');
      [dom, shot] = await Promise.all([
        runChromium(reportFile, ['--dump-dom']),
        runChromium(reportFile, [`--screenshot=${screenshot}`, '--window-size=1280,2400', '--hide-scrollbars']),
      ]);
    });

    afterAll(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('renders every chart as an svg element with its title, axes and data', () => {
      expect(dom.code).toBe(0);
      const charts = dom.stdout.match(/<svg\b[\s\S]*?<\/svg>/g) ?? [];
      expect(charts.length).toBe(8);
      for (const svg of charts) {
        expect(svg).toMatch(/role="img"/);
        expect(svg).toMatch(/<title id="[^"]+">[^<]+<\/title>/);
        expect(svg).toMatch(/<desc id="[^"]+">/);
        expect(svg).toMatch(/class="axis"/);
        expect(svg).toMatch(/<g class="data">(?=.*<(path|rect) )/s);
      }
      expect(dom.stdout).toContain('<h2>Summary</h2>');
      expect(dom.stdout).toContain('<caption>Fast-path misses</caption>');
    });

    it('logs no console message: no script error, no CSP refusal', () => {
      expect(consoleLines(dom.stderr)).toEqual([]);
      expect(consoleLines(shot.stderr)).toEqual([]);
    });

    it('makes no network request, and the DOM references no external resource', () => {
      expect(dom.pageRequests).toEqual([]);
      expect(shot.pageRequests).toEqual([]);
      const body = dom.stdout;
      expect(body).not.toMatch(/<link\b|<script\b|<img\b|<iframe\b|<object\b|<embed\b/i);
      expect(body).not.toMatch(/\b(src|href|xlink:href)="(?!#)/i);
      expect(body).not.toMatch(/url\(/i);
    });

    it('takes a 1280-pixel-wide screenshot of the page', () => {
      expect(shot.code).toBe(0);
      const png = readFileSync(screenshot);
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      // IHDR: width and height, big-endian, at bytes 16..23.
      expect(png.readUInt32BE(16)).toBe(1280);
      expect(png.readUInt32BE(20)).toBe(2400);
      expect(png.length).toBeGreaterThan(50_000); // a rendered page, not a blank one
    });

    it('the checks catch a bad page: a script error and a request to another host are both seen', async () => {
      // Negative control, so a silent browser cannot make the tests above pass vacuously.
      const bad = join(work, 'bad.html');
      writeFileSync(bad, '<!doctype html><title>bad</title><img src="https://flowsim.invalid/x.png"><script>notDefined();</script>');
      const run = await runChromium(bad, ['--dump-dom']);
      expect(consoleLines(run.stderr).some((l) => l.includes('Uncaught ReferenceError'))).toBe(true);
      expect(run.pageRequests).toEqual(['https://flowsim.invalid/x.png']);
    });
  });
}
