import { describe, expect, it } from 'vitest';
import { ATTACK_KINDS, injectAttacks, type AttackKind, type LabelledEntry } from '../../../bench/quality/inject';
import type { ParsedEntry } from '../../../src/main/ingest/parse/types';
import { Prng } from '../../../src/main/ingest/sample/prng';

const HOUR = 3_600_000;
const T0 = Date.UTC(2015, 4, 17, 0, 0, 0);
const SPAN = 3 * 24 * HOUR;
const UAS = ['Mozilla/5.0 (X11; Linux x86_64; rv:27.0) Gecko/20100101 Firefox/27.0', 'Feedly/1.0', 'curl/7.35.0'];

/** 2,000 sorted GETs over 3 days from 50 IPs; 20 of them sit in 203.0.113.0/24 so the injector must avoid them. */
function syntheticBase(): ParsedEntry[] {
  const rng = new Prng(7);
  const ips = Array.from({ length: 50 }, (_, i) => (i < 20 ? `203.0.113.${i + 1}` : `10.0.${i}.${i * 3}`));
  const times = Array.from({ length: 2000 }, () => T0 + Math.floor((rng.next() * SPAN) / 1000) * 1000).sort(
    (a, b) => a - b,
  );
  return times.map((tsMs) => {
    const page = rng.int(60);
    const dead = rng.next() < 0.03;
    return {
      tsMs,
      ip: rng.pick(ips),
      method: 'GET',
      endpoint: dead ? `/missing/${page}` : `/blog/post-${page}.html`,
      protocol: 'HTTP/1.1',
      status: dead ? 404 : 200,
      bytes: dead ? 300 : 5000 + page * 100,
      referer: null,
      userAgent: rng.pick(UAS),
    };
  });
}

const base = syntheticBase();
const baseIps = new Set(base.map((e) => e.ip));
const basePaths = new Set(base.filter((e) => e.status === 200).map((e) => e.endpoint));

function byKind(out: LabelledEntry[]): Map<AttackKind, LabelledEntry[]> {
  const m = new Map<AttackKind, LabelledEntry[]>();
  for (const e of out) if (e.attack !== null) m.set(e.attack, [...(m.get(e.attack) ?? []), e]);
  return m;
}

const spanOf = (es: LabelledEntry[]): number => es[es.length - 1].tsMs - es[0].tsMs;
const distinct = <T>(es: LabelledEntry[], f: (e: LabelledEntry) => T): number => new Set(es.map(f)).size;

describe('injectAttacks', () => {
  const out = injectAttacks(base, { seed: 1 });

  it('is deterministic per seed', () => {
    expect(injectAttacks(base, { seed: 1 })).toEqual(out);
    expect(injectAttacks(base, { seed: 2 })).not.toEqual(out);
  });

  it('is sorted by time and keeps every base entry once, in order, unlabelled', () => {
    for (let i = 1; i < out.length; i++) expect(out[i].tsMs).toBeGreaterThanOrEqual(out[i - 1].tsMs);
    const kept = out.filter((e) => e.attack === null).map(({ attack: _a, ...e }) => e);
    expect(kept).toEqual(base);
  });

  it.each([1, 2, 3, 99])('injects every kind with plausible shapes (seed %i)', (seed) => {
    const res = injectAttacks(base, { seed });
    const k = byKind(res);
    expect([...k.keys()].sort()).toEqual([...ATTACK_KINDS].sort());
    const uas = new Set(base.map((e) => e.userAgent));

    for (const [kind, es] of k) {
      expect(
        distinct(es, (e) => e.ip),
        kind,
      ).toBe(kind === 'distributed' ? 15 : 1);
      expect(es[0].tsMs, kind).toBeGreaterThanOrEqual(T0);
      expect(es[0].tsMs, kind).toBeLessThanOrEqual(T0 + SPAN - 4 * HOUR + 1000);
      for (const e of es) {
        expect(baseIps.has(e.ip), `${kind} ip ${e.ip}`).toBe(false);
        expect(e.protocol).toBe('HTTP/1.1');
        expect(e.referer).toBeNull();
        expect(Number.isInteger(e.bytes)).toBe(true);
        expect(e.tsMs % 1000).toBe(0);
      }
    }

    const scan = k.get('scanner')!;
    expect(scan.length).toBeGreaterThanOrEqual(100);
    expect(distinct(scan, (e) => e.endpoint)).toBeGreaterThanOrEqual(80);
    expect(spanOf(scan)).toBeLessThanOrEqual(5 * 60_000);
    expect(scan.filter((e) => e.status === 404).length / scan.length).toBeGreaterThan(0.7);

    const cred = k.get('credential_stuffing')!;
    expect(cred.length).toBeGreaterThanOrEqual(60);
    expect(cred.length).toBeLessThanOrEqual(120);
    expect(cred.every((e) => e.method === 'POST')).toBe(true);

    const flood = k.get('flood')!;
    expect(flood.length).toBeGreaterThanOrEqual(120);
    expect(spanOf(flood)).toBeLessThanOrEqual(3 * 60_000);
    expect(distinct(flood, (e) => e.endpoint)).toBeLessThanOrEqual(2);
    expect(flood.every((e) => basePaths.has(e.endpoint))).toBe(true);

    const slow = k.get('slow_bruteforce')!;
    expect(spanOf(slow)).toBeGreaterThanOrEqual(2.5 * HOUR);
    expect(slow.length).toBeGreaterThanOrEqual(50);
    expect(slow.length).toBeLessThanOrEqual(70);

    const dist = k.get('distributed')!;
    expect(dist).toHaveLength(60);
    expect(distinct(dist, (e) => e.userAgent)).toBe(15);
    expect(distinct(dist, (e) => e.endpoint)).toBe(1);

    const exfil = k.get('exfiltration')!;
    expect(exfil).toHaveLength(20);
    expect(exfil.every((e) => (e.bytes ?? 0) >= 2e8)).toBe(true);

    const crawl = k.get('crawler')!;
    expect(crawl.length).toBeGreaterThanOrEqual(100);
    expect(crawl.length).toBeLessThanOrEqual(180);
    expect(uas.has(crawl[0].userAgent)).toBe(false);
    expect(crawl.filter((e) => e.status === 200).every((e) => basePaths.has(e.endpoint))).toBe(true);
    expect(crawl.filter((e) => e.status === 200).length / crawl.length).toBeGreaterThan(0.8);

    const inj = k.get('injection')!;
    expect(inj.length).toBeGreaterThanOrEqual(40);
    expect(inj.length).toBeLessThanOrEqual(80);
    expect(inj.every((e) => [400, 403, 404, 500].includes(e.status))).toBe(true);
    expect(inj.every((e) => /%27|'|%22|<|%3C|\.\.|%2e%2e|php:|union|drop|passwd/i.test(e.endpoint))).toBe(true);
  });

  it('restricts to the requested kinds without changing them', () => {
    const kinds: AttackKind[] = ['exfiltration', 'scanner'];
    const some = injectAttacks(base, { seed: 1, kinds });
    expect([...byKind(some).keys()].sort()).toEqual(kinds);
    expect(some.filter((e) => e.attack === null || kinds.includes(e.attack))).toEqual(
      out.filter((e) => e.attack === null || kinds.includes(e.attack)),
    );
    expect(injectAttacks(base, { seed: 1, kinds: [] })).toEqual(base.map((e) => ({ ...e, attack: null })));
  });

  it('leaves an empty base empty', () => {
    expect(injectAttacks([], { seed: 1 })).toEqual([]);
  });
});
