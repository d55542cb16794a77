import { describe, expect, it } from 'vitest';
import {
  epochToMs,
  formatClfTimestamp,
  parseClfTimestamp,
  parseIsoTimestamp,
  parseTimestamp,
  type TimestampResult,
} from '../../../src/shared/time/timestamp';

function ms(r: TimestampResult): number {
  if (!r.ok) throw new Error(r.reason);
  return r.ms;
}

function why(r: TimestampResult): string {
  if (r.ok) throw new Error(`expected a rejection, got ${r.ms}`);
  return r.reason;
}

describe('CLF timestamps', () => {
  it('honours the zone offset', () => {
    expect(ms(parseClfTimestamp('17/May/2015:10:05:03 +0000'))).toBe(1_431_857_103_000);
    expect(ms(parseClfTimestamp('[17/May/2015:10:05:03 +0200]'))).toBe(Date.UTC(2015, 4, 17, 8, 5, 3));
    expect(ms(parseClfTimestamp('17/May/2015:10:05:03 -0930'))).toBe(Date.UTC(2015, 4, 17, 19, 35, 3));
    expect(ms(parseClfTimestamp('01/jan/1970:00:00:00 +0000'))).toBe(0);
  });

  it('rejects invalid dates and shapes with a reason', () => {
    expect(why(parseClfTimestamp('31/Apr/2015:10:05:03 +0000'))).toMatch(/day 31/);
    expect(why(parseClfTimestamp('17/Mai/2015:10:05:03 +0000'))).toMatch(/month/);
    expect(why(parseClfTimestamp('17/May/2015:10:05:61 +0000'))).toMatch(/second/);
    expect(why(parseClfTimestamp('17/May/2015:10:05:03 +0075'))).toMatch(/offset/);
    expect(why(parseClfTimestamp('17/May/2101:10:05:03 +0000'))).toMatch(/year 2101/);
    expect(why(parseClfTimestamp('7/May/2015:10:05:03 +0000'))).toMatch(/dd\/Mon\/yyyy/);
  });

  it('round-trips formatClfTimestamp over random instants', () => {
    let seed = 12345;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const t = Math.floor(((seed / 2147483648) * Date.UTC(2100, 11, 31)) / 1000) * 1000;
      expect(ms(parseClfTimestamp(formatClfTimestamp(t)))).toBe(t);
    }
  });
});

describe('ISO 8601 timestamps', () => {
  it('takes naive timestamps as UTC (the original test vector)', () => {
    expect(ms(parseIsoTimestamp('2023-01-01 10:00:10'))).toBe(1_672_567_210_000);
    expect(ms(parseIsoTimestamp('2023-01-01T10:00:10'))).toBe(1_672_567_210_000);
    expect(ms(parseIsoTimestamp('2023-01-01'))).toBe(Date.UTC(2023, 0, 1));
    expect(ms(parseIsoTimestamp('2023-01-01T10:00'))).toBe(Date.UTC(2023, 0, 1, 10));
  });

  it('honours Z and every offset spelling', () => {
    const base = Date.UTC(2023, 0, 1, 10, 0, 10);
    expect(ms(parseIsoTimestamp('2023-01-01T10:00:10Z'))).toBe(base);
    expect(ms(parseIsoTimestamp('2023-01-01t10:00:10z'))).toBe(base);
    expect(ms(parseIsoTimestamp('2023-01-01T10:00:10+02:00'))).toBe(base - 2 * 3_600_000);
    expect(ms(parseIsoTimestamp('2023-01-01T10:00:10+0200'))).toBe(base - 2 * 3_600_000);
    expect(ms(parseIsoTimestamp('2023-01-01T10:00:10+02'))).toBe(base - 2 * 3_600_000);
    expect(ms(parseIsoTimestamp('2023-01-01T10:00:10-05:30'))).toBe(base + 5.5 * 3_600_000);
    expect(ms(parseIsoTimestamp('2023-01-01 10:00:10 +01:00'))).toBe(base - 3_600_000);
    expect(ms(parseIsoTimestamp('2023-01-01 10:00:10 UTC'))).toBe(base);
  });

  it('keeps milliseconds of fractional seconds', () => {
    const base = Date.UTC(2023, 0, 1, 10, 0, 10);
    expect(ms(parseIsoTimestamp('2023-01-01T10:00:10.5Z'))).toBe(base + 500);
    expect(ms(parseIsoTimestamp('2023-01-01T10:00:10.123456789+00:00'))).toBe(base + 123);
    expect(ms(parseIsoTimestamp('2023-01-01T10:00:10,25'))).toBe(base + 250);
  });

  it('agrees with Date.parse on random ISO strings', () => {
    let seed = 99;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const t = Math.floor((seed / 2147483648) * Date.UTC(2100, 11, 31));
      expect(ms(parseIsoTimestamp(new Date(t).toISOString()))).toBe(t);
    }
  });

  it('rejects invalid dates with a reason', () => {
    expect(why(parseIsoTimestamp('2023-13-01T00:00:00Z'))).toMatch(/month 13/);
    expect(why(parseIsoTimestamp('2023-02-30T00:00:00Z'))).toMatch(/day 30/);
    expect(why(parseIsoTimestamp('2024-02-30'))).toMatch(/day 30/);
    expect(ms(parseIsoTimestamp('2024-02-29'))).toBe(Date.UTC(2024, 1, 29));
    expect(why(parseIsoTimestamp('2023-01-01T24:00:00Z'))).toMatch(/hour 24/);
    expect(why(parseIsoTimestamp('9999-01-01T00:00:00Z'))).toMatch(/year 9999 outside 1970\.\.2100/);
    expect(why(parseIsoTimestamp('1969-12-31T23:59:59Z'))).toMatch(/year 1969/);
    expect(why(parseIsoTimestamp('2023-01-01T10:00:10+25:00'))).toMatch(/offset/);
    expect(why(parseIsoTimestamp('2023-01-01T10:00:10 nonsense'))).toMatch(/not ISO 8601/);
    expect(why(parseIsoTimestamp('2023/01/01'))).toMatch(/not ISO 8601/);
  });
});

describe('epoch numbers', () => {
  it('infers seconds, ms, µs and ns from the magnitude', () => {
    expect(ms(epochToMs(1_431_857_103))).toBe(1_431_857_103_000);
    expect(ms(epochToMs(1_431_857_103.25))).toBe(1_431_857_103_250);
    expect(ms(epochToMs(1_431_857_103_000))).toBe(1_431_857_103_000);
    expect(ms(epochToMs(1_431_857_103_000_123))).toBe(1_431_857_103_000);
    // Year 9999 in milliseconds is out of range, not 1978 in microseconds.
    expect(why(epochToMs(253_402_300_799_000))).toMatch(/outside years/);
    expect(ms(epochToMs(1.431857103e18))).toBe(1_431_857_103_000);
    expect(ms(epochToMs(0))).toBe(0);
  });

  it('rejects values outside 1970..2100 and non-finite ones', () => {
    expect(why(epochToMs(-1))).toMatch(/outside/);
    expect(why(epochToMs(5e12))).toMatch(/outside years 1970\.\.2100/);
    expect(why(epochToMs(Number.NaN))).toMatch(/finite/);
    expect(why(epochToMs(Number.POSITIVE_INFINITY))).toMatch(/finite/);
  });
});

describe('parseTimestamp dispatch', () => {
  it('recognises each form', () => {
    const t = 1_431_857_103_000;
    expect(ms(parseTimestamp('2015-05-17T10:05:03Z'))).toBe(t);
    expect(ms(parseTimestamp('[17/May/2015:10:05:03 +0000]'))).toBe(t);
    expect(ms(parseTimestamp('17/May/2015:10:05:03 +0000'))).toBe(t);
    expect(ms(parseTimestamp('1431857103'))).toBe(t);
    expect(ms(parseTimestamp(' 1431857103000 '))).toBe(t);
    expect(ms(parseTimestamp(1_431_857_103))).toBe(t);
    expect(ms(parseTimestamp('Sun, 17 May 2015 10:05:03 GMT'))).toBe(t);
    expect(ms(parseTimestamp('Sun, 17 May 2015 12:05:03 +0200'))).toBe(t);
  });

  it('refuses forms that would need a guessed zone or are not dates', () => {
    expect(why(parseTimestamp('May 17 2015 10:05:03'))).toMatch(/unrecognised/);
    expect(why(parseTimestamp('yesterday'))).toMatch(/unrecognised/);
    expect(why(parseTimestamp(''))).toMatch(/empty/);
    expect(why(parseTimestamp('Sun, 17 May 1815 10:05:03 GMT'))).toMatch(/outside/);
  });
});
