/**
 * Seeded injector of realistic web attacks into a real access log, for the detection-quality
 * benchmark: every output line carries its ground truth (`attack: null` = base traffic).
 * Each kind draws from its own PRNG stream and attacker addresses are allocated for all kinds up
 * front, so restricting `kinds` leaves the remaining attacks byte-for-byte unchanged.
 */
import type { ParsedEntry } from '../../src/main/ingest/parse/types';
import { Prng } from '../../src/main/ingest/sample/prng';

export type AttackKind =
  | 'scanner'
  | 'credential_stuffing'
  | 'flood'
  | 'slow_bruteforce'
  | 'distributed'
  | 'exfiltration'
  | 'crawler'
  | 'injection';

export const ATTACK_KINDS: readonly AttackKind[] = [
  'scanner',
  'credential_stuffing',
  'flood',
  'slow_bruteforce',
  'distributed',
  'exfiltration',
  'crawler',
  'injection',
];

export interface LabelledEntry extends ParsedEntry {
  attack: AttackKind | null;
}

export interface InjectOptions {
  seed: number;
  kinds?: readonly AttackKind[];
}

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
// The longest attack (slow_bruteforce) runs ~3 h; keep it inside the base span.
const TAIL_MARGIN_MS = 4 * HOUR;
// RFC 5737 documentation ranges: never real clients.
const ATTACKER_NETS = ['203.0.113.', '198.51.100.', '192.0.2.'];
const IPS_PER_KIND: Record<AttackKind, number> = {
  scanner: 1,
  credential_stuffing: 1,
  flood: 1,
  slow_bruteforce: 1,
  distributed: 15,
  exfiltration: 1,
  crawler: 1,
  injection: 1,
};

// 2014–15 era agents, matching the base log's vintage; ≥ 15 so each distributed bot gets its own.
const BROWSER_UAS = [
  'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0.2311.135 Safari/537.36',
  'Mozilla/5.0 (Windows NT 6.1; WOW64; rv:37.0) Gecko/20100101 Firefox/37.0',
  'Mozilla/5.0 (Windows NT 6.3; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2272.118 Safari/537.36',
  'Mozilla/5.0 (Windows NT 6.3; WOW64; Trident/7.0; rv:11.0) like Gecko',
  'Mozilla/5.0 (Windows NT 5.1; rv:36.0) Gecko/20100101 Firefox/36.0',
  'Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; WOW64; Trident/6.0)',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_3) AppleWebKit/600.5.17 (KHTML, like Gecko) Version/8.0.5 Safari/600.5.17',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_2) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0.2311.90 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.10; rv:37.0) Gecko/20100101 Firefox/37.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2272.76 Safari/537.36',
  'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:37.0) Gecko/20100101 Firefox/37.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 8_3 like Mac OS X) AppleWebKit/600.1.4 (KHTML, like Gecko) Version/8.0 Mobile/12F70 Safari/600.1.4',
  'Mozilla/5.0 (iPad; CPU OS 8_2 like Mac OS X) AppleWebKit/600.1.4 (KHTML, like Gecko) Version/8.0 Mobile/12D508 Safari/600.1.4',
  'Mozilla/5.0 (Linux; Android 5.0.2; SM-G920F Build/LRX22G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0.2311.111 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 4.4.2; Nexus 7 Build/KOT49H) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/40.0.2214.109 Safari/537.36',
  'Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 Version/12.17',
];
const SCANNER_UAS = [
  'Mozilla/5.0 (compatible; Nmap Scripting Engine; http://nmap.org/book/nse.html)',
  'Mozilla/5.00 (Nikto/2.1.5) (Evasions:None) (Test:Port Check)',
  'sqlmap/1.0-dev (http://sqlmap.org)',
  'curl/7.35.0',
  'python-requests/2.7.0 CPython/2.7.6 Linux/3.13.0-49-generic',
];
const TOOL_UAS = [
  'ApacheBench/2.3',
  'Go 1.1 package http',
  'Wget/1.15 (linux-gnu)',
  'curl/7.35.0',
  'python-requests/2.7.0 CPython/2.7.6 Linux/3.13.0-49-generic',
];
// Made-up bots, so the crawler's agent is new to the detector.
const CRAWLER_UAS = [
  'Mozilla/5.0 (compatible; DataHarvestBot/2.1; +http://example.invalid/bot)',
  'Mozilla/5.0 (compatible; SiteSuckerBot/0.9; +http://crawler.example.invalid/)',
  'LinkMinerSpider/3.4 (+http://example.invalid/spider.html)',
];

const SCAN_DIRS = [
  '',
  '/admin',
  '/administrator',
  '/wp-admin',
  '/wp-content/plugins',
  '/backup',
  '/old',
  '/test',
  '/cgi-bin',
  '/phpmyadmin',
  '/pma',
  '/mysql',
  '/includes',
  '/api',
  '/.git',
  '/manager/html',
];
const SCAN_NAMES = [
  '',
  'index.php',
  'admin.php',
  'login.php',
  'config.php',
  'config.php.bak',
  'wp-config.php.bak',
  'wp-config.php~',
  '.env',
  '.htaccess',
  '.htpasswd',
  'setup.php',
  'install.php',
  'shell.php',
  'c99.php',
  'phpinfo.php',
  'x.cgi',
  'test.cgi',
  'backup.zip',
  'backup.tar.gz',
  'db.sql',
  'dump.sql',
  'web.config',
  'server-status',
  'HEAD',
  'config',
];

const SQLI_TARGETS = ['/index.php?id=', '/product.php?id=', '/news.php?item=', '/blog/?p='];
const SQLI_PAYLOADS = [
  '1%27%20OR%201=1--',
  "1'%20AND%20SLEEP(5)--",
  '1%20UNION%20SELECT%20NULL,NULL,NULL--',
  '-1%27%20UNION%20ALL%20SELECT%20user,password%20FROM%20users--',
  '1%22%20OR%20%221%22=%221',
  '1;DROP%20TABLE%20users--',
];
const XSS_TARGETS = ['/search?q=', '/blog/search?q=', '/?s='];
const XSS_PAYLOADS = [
  '<script>alert(1)</script>',
  '%3Cscript%3Ealert(document.cookie)%3C/script%3E',
  '<img%20src=x%20onerror=alert(1)>',
  '%22%3E%3Csvg/onload=alert(1)%3E',
];
const TRAVERSALS = [
  '/../../etc/passwd',
  '/..%2f..%2f..%2fetc%2fpasswd',
  '/cgi-bin/..%2f..%2fbin/sh',
  '/cgi-bin/test.cgi?cmd=;cat%20/etc/passwd',
  '/index.php?page=../../../../etc/passwd',
  '/download.php?file=..%2F..%2F..%2Fwindows%2Fwin.ini',
  '/static/%2e%2e/%2e%2e/%2e%2e/etc/shadow',
  '/index.php?page=php://filter/convert.base64-encode/resource=index',
];

interface Resource {
  endpoint: string;
  bytes: number;
  hits: number;
}

/** What the generators borrow from the base log. */
interface BaseProfile {
  ips: Set<string>;
  uas: Set<string>;
  minTs: number;
  maxTs: number;
  /** Distinct GET paths the base served with 200, first-seen bytes, in first-seen order. */
  ok: Resource[];
  /** Distinct GET paths the base answered 404 (dead links a crawler follows). */
  dead: string[];
}

interface Ctx {
  rng: Prng;
  start: number;
  ips: string[];
  base: BaseProfile;
}

function profile(base: readonly ParsedEntry[]): BaseProfile {
  const ips = new Set<string>();
  const uas = new Set<string>();
  const ok = new Map<string, Resource>();
  const dead = new Set<string>();
  let minTs = Infinity;
  let maxTs = -Infinity;
  for (const e of base) {
    ips.add(e.ip);
    if (e.userAgent !== null) uas.add(e.userAgent);
    minTs = Math.min(minTs, e.tsMs);
    maxTs = Math.max(maxTs, e.tsMs);
    if (e.method !== 'GET') continue;
    if (e.status === 404) dead.add(e.endpoint);
    if (e.status !== 200 || e.bytes === null) continue;
    const r = ok.get(e.endpoint);
    if (r) r.hits++;
    else ok.set(e.endpoint, { endpoint: e.endpoint, bytes: e.bytes, hits: 1 });
  }
  // A base without any served GET still gets plausible flood/crawler targets.
  const okList = ok.size > 0 ? [...ok.values()] : [{ endpoint: '/', bytes: 5000, hits: 1 }];
  return { ips, uas, minTs, maxTs, ok: okList, dead: [...dead] };
}

/** Distinct attacker addresses for every kind (all kinds, so `kinds` doesn't shift them). */
function allocateIps(rng: Prng, taken: ReadonlySet<string>): Record<AttackKind, string[]> {
  const used = new Set(taken);
  const draw = (): string => {
    for (let tries = 0; tries < 100_000; tries++) {
      const ip = rng.pick(ATTACKER_NETS) + (1 + rng.int(254));
      if (!used.has(ip)) {
        used.add(ip);
        return ip;
      }
    }
    throw new Error('no free attacker address left in the documentation ranges');
  };
  const out = {} as Record<AttackKind, string[]>;
  for (const kind of ATTACK_KINDS) out[kind] = Array.from({ length: IPS_PER_KIND[kind] }, draw);
  return out;
}

/** Integer in [lo, hi]. */
function between(rng: Prng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

// Access logs have second resolution; attacks must not be spottable by sub-second stamps.
function sec(t: number): number {
  return Math.floor(t / SEC) * SEC;
}

/** n sorted uniform instants in [start, start + durMs): Poisson-like arrivals. */
function arrivals(rng: Prng, start: number, n: number, durMs: number): number[] {
  return Array.from({ length: n }, () => sec(start + rng.next() * durMs)).sort((a, b) => a - b);
}

function shuffled<T>(rng: Prng, items: readonly T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function weighted<T>(rng: Prng, choices: readonly (readonly [T, number])[]): T {
  let u = rng.next() * choices.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of choices) if ((u -= w) < 0) return v;
  return choices[choices.length - 1][0];
}

function req(
  tsMs: number,
  ip: string,
  method: string,
  endpoint: string,
  status: number,
  bytes: number,
  userAgent: string,
): ParsedEntry {
  return { tsMs, ip, method, endpoint, protocol: 'HTTP/1.1', status, bytes, referer: null, userAgent };
}

// Apache's stock error pages are ~200 bytes plus the echoed path.
function errorBytes(rng: Prng, endpoint: string): number {
  return 200 + endpoint.length + rng.int(40);
}

const GENERATORS: Record<AttackKind, (c: Ctx) => ParsedEntry[]> = {
  scanner({ rng, start, ips: [ip] }) {
    const paths = shuffled(
      rng,
      SCAN_DIRS.flatMap((d) => SCAN_NAMES.map((n) => `${d}/${n}`)).filter((p) => p !== '/'),
    );
    const n = between(rng, 100, 200);
    const ua = rng.pick(SCANNER_UAS);
    return arrivals(rng, start, n, rng.range(2, 5) * MIN).map((t, i) => {
      const path = paths[i % paths.length];
      // Apache forbids .ht* files and bare cgi-bin listings; a few other 403s from deny rules.
      const status = /\/\.ht|\/cgi-bin\/$/.test(path) || rng.next() < 0.05 ? 403 : 404;
      return req(t, ip, 'GET', path, status, errorBytes(rng, path), ua);
    });
  },

  credential_stuffing({ rng, start, ips: [ip] }) {
    const endpoint = rng.pick(['/wp-login.php', '/login']);
    const ua = rng.pick(BROWSER_UAS);
    const page = between(rng, 1200, 3900); // the "login failed" page, ± echoed username
    const n = between(rng, 60, 120);
    return arrivals(rng, start, n, rng.range(10, 20) * MIN).map((t) =>
      // A few hits succeed and redirect (empty body).
      rng.next() < 0.04
        ? req(t, ip, 'POST', endpoint, 302, 0, ua)
        : req(t, ip, 'POST', endpoint, 200, page + rng.int(60), ua),
    );
  },

  flood({ rng, start, ips: [ip], base }) {
    const popular = [...base.ok].sort((a, b) => b.hits - a.hits).slice(0, 5);
    const targets = shuffled(rng, popular).slice(0, between(rng, 1, Math.min(2, popular.length)));
    const ua = rng.next() < 0.5 ? rng.pick(BROWSER_UAS) : rng.pick(TOOL_UAS);
    const n = between(rng, 120, 240);
    return arrivals(rng, start, n, rng.range(1, 3) * MIN).map((t) => {
      const r = rng.pick(targets);
      // The server occasionally buckles.
      return rng.next() < 0.03
        ? req(t, ip, 'GET', r.endpoint, 503, errorBytes(rng, r.endpoint), ua)
        : req(t, ip, 'GET', r.endpoint, 200, r.bytes, ua);
    });
  },

  slow_bruteforce({ rng, start, ips: [ip] }) {
    const endpoint = rng.next() < 0.8 ? '/xmlrpc.php' : '/wp-login.php';
    const ua = rng.pick(BROWSER_UAS);
    const out: ParsedEntry[] = [];
    // One guess every ~3 min for 3 h: under any per-minute rate limit.
    for (let t = start; t - start < 3 * HOUR; t += 3 * MIN + rng.range(-30, 30) * SEC) {
      out.push(req(sec(t), ip, 'POST', endpoint, 200, between(rng, 380, 420), ua));
    }
    return out;
  },

  distributed({ rng, start, ips }) {
    const uas = shuffled(rng, BROWSER_UAS);
    const page = between(rng, 1200, 3900);
    const dur = rng.range(30, 60) * MIN;
    // Each bot stays far below any per-IP threshold; only the sum is suspicious.
    const hits = ips.flatMap((ip, k) =>
      arrivals(rng, start, 4, dur).map((t) => req(t, ip, 'POST', '/wp-login.php', 200, page + rng.int(60), uas[k])),
    );
    return hits.sort((a, b) => a.tsMs - b.tsMs);
  },

  exfiltration({ rng, start, ips: [ip] }) {
    const endpoint = rng.pick([
      '/downloads/backup.tar.gz',
      '/files/backup/site-2015-05.tar.gz',
      '/backup/db-full.sql.gz',
    ]);
    const ua = rng.pick(TOOL_UAS);
    const out: ParsedEntry[] = [];
    let t = start;
    for (let i = 0; i < 20; i++, t += 3 * MIN + rng.range(-45, 45) * SEC) {
      out.push(req(sec(t), ip, 'GET', endpoint, 200, Math.round(250_000_000 * rng.range(0.9, 1.1)), ua));
    }
    return out;
  },

  crawler({ rng, start, ips: [ip], base }) {
    let ua = rng.pick(CRAWLER_UAS);
    while (base.uas.has(ua)) ua += '+'; // must be an agent the base has never seen
    const order = shuffled(rng, base.ok);
    const n = between(rng, 100, 180);
    const out: ParsedEntry[] = [];
    let t = start;
    for (let i = 0; i < n; i++, t += rng.range(2, 5) * SEC) {
      const r = order[i % order.length];
      if (rng.next() < 0.08) {
        // Stale links: paths the base already 404s on, else a plausible dead variant.
        const path = base.dead.length > 0 ? rng.pick(base.dead) : `${r.endpoint}.old`;
        out.push(req(sec(t), ip, 'GET', path, 404, errorBytes(rng, path), ua));
      } else {
        out.push(req(sec(t), ip, 'GET', r.endpoint, 200, r.bytes, ua));
      }
    }
    return out;
  },

  injection({ rng, start, ips: [ip] }) {
    const ua = rng.pick([SCANNER_UAS[2], SCANNER_UAS[4], rng.pick(BROWSER_UAS)]);
    const n = between(rng, 40, 80);
    return arrivals(rng, start, n, rng.range(5, 15) * MIN).map((t) => {
      const kind = rng.int(3);
      const path =
        kind === 0
          ? rng.pick(SQLI_TARGETS) + rng.pick(SQLI_PAYLOADS)
          : kind === 1
            ? rng.pick(XSS_TARGETS) + rng.pick(XSS_PAYLOADS)
            : rng.pick(TRAVERSALS);
      const status = weighted(rng, [
        [400, 0.15],
        [403, 0.35],
        [404, 0.35],
        [500, 0.15],
      ] as const);
      return req(t, ip, 'GET', path, status, status === 500 ? between(rng, 550, 650) : errorBytes(rng, path), ua);
    });
  },
};

/**
 * Base entries (label null) plus injected attack entries, sorted by tsMs (stable: ties keep base
 * entries first, then injection order). Attack start times are drawn uniformly inside the base
 * log's time span (leaving a 4 h margin at the end for long attacks). An empty base gets no attacks.
 */
export function injectAttacks(base: readonly ParsedEntry[], opts: InjectOptions): LabelledEntry[] {
  const out: LabelledEntry[] = base.map((e) => ({ ...e, attack: null }));
  if (base.length === 0) return out;
  const master = new Prng(opts.seed);
  const kindSeeds = ATTACK_KINDS.map(() => master.nextU32());
  const prof = profile(base);
  const ips = allocateIps(new Prng(master.nextU32()), prof.ips);
  const wanted = new Set(opts.kinds ?? ATTACK_KINDS);
  const lastStart = Math.max(prof.minTs, prof.maxTs - TAIL_MARGIN_MS);
  ATTACK_KINDS.forEach((kind, i) => {
    if (!wanted.has(kind)) return;
    const rng = new Prng(kindSeeds[i]);
    const start = Math.ceil(rng.range(prof.minTs, lastStart) / SEC) * SEC;
    for (const e of GENERATORS[kind]({ rng, start, ips: ips[kind], base: prof })) out.push({ ...e, attack: kind });
  });
  // Array.prototype.sort is stable: ties keep base entries first, then injection order.
  return out.sort((a, b) => a.tsMs - b.tsMs);
}
