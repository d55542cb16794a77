import { describe, expect, it, vi } from 'vitest';
import type { AnomalyRow } from '../../../src/shared/schemas/analysis';

// The renderer is outside this project's tsconfig (it is tsconfig.web.json's): loaded at run time, typed here.
const TABLE = '../../../src/renderer/src/components/VirtualTable';
const STORE = '../../../src/renderer/src/store/anomaliesStore';
type Order = 'asc' | 'desc';
interface Table {
  MAX_SPACER_PX: number;
  scrollMap(
    total: number,
    rowHeight: number,
    viewport: number,
  ): { content: number; spacer: number; scale: number; maxPos: number };
  revealRow(pos: number, index: number, rowHeight: number, viewport: number): number;
}
interface Store {
  pageQuery<Q extends { order: Order }>(
    query: Q,
    offset: number,
    total: number,
  ): { query: Q & { order: Order; offset: number; limit: number }; place(rows: AnomalyRow[]): AnomalyRow[] | null };
}
// The renderer's stores read the page's location when they load; this runs in Node.
vi.stubGlobal('location', { hash: '' });
const { MAX_SPACER_PX, revealRow, scrollMap } = (await import(TABLE)) as Table;
const { pageQuery } = (await import(STORE)) as Store;

const row = (id: number): AnomalyRow => ({
  id,
  tsMs: id,
  ip: '10.0.0.1',
  method: 'GET',
  endpoint: '/',
  status: 200,
  votes: 3,
  isAnomaly: true,
  combinedScore: id,
});

describe('the scroll map of the virtual table', () => {
  it('is the identity while the list fits under the cap', () => {
    expect(scrollMap(100_000, 32, 500)).toEqual({ content: 3_200_000, spacer: 3_200_000, scale: 1, maxPos: 3_199_500 });
  });

  it('caps the spacer for millions of rows, mapping the scrollbar end to the last row', () => {
    const m = scrollMap(5_000_000, 32, 500);
    expect(m.spacer).toBe(MAX_SPACER_PX);
    // The last scroll offset (spacer − viewport) shows the list's last viewport.
    expect((m.spacer - 500) * m.scale).toBeCloseTo(m.maxPos, 3);
    expect(m.maxPos).toBe(5_000_000 * 32 - 500);
  });

  it('reveals a row by moving the least: not at all when it is already in view', () => {
    expect(revealRow(320, 12, 32, 500)).toBe(320);
    expect(revealRow(320, 5, 32, 500)).toBe(160);
    expect(revealRow(320, 30, 32, 500)).toBe(31 * 32 - 500);
    expect(revealRow(0, 0, 32, 500)).toBe(0);
  });
});

describe('the page query of the anomalies list', () => {
  const q = { sort: 'score' as const, order: 'desc' as const, onlyFlagged: true };

  it('asks for a front-half page by its offset, as it is', () => {
    const { query, place } = pageQuery(q, 1000, 5_000_000);
    expect(query).toMatchObject({ order: 'desc', offset: 1000, limit: 500 });
    expect(place([row(1), row(2)])).toEqual([row(1), row(2)]);
  });

  it('asks for a back-half page from the end in the reversed order, and puts it back in list order', () => {
    const last = pageQuery(q, 4_999_500, 5_000_000);
    expect(last.query).toMatchObject({ order: 'asc', offset: 0, limit: 500 });
    const tail = pageQuery(q, 1000, 1200);
    expect(tail.query).toMatchObject({ order: 'asc', offset: 0, limit: 200 });
    const inner = pageQuery({ ...q, order: 'asc' }, 3_000_000, 5_000_000);
    expect(inner.query).toMatchObject({ order: 'desc', offset: 1_999_500, limit: 500 });
    const rows = Array.from({ length: 200 }, (_, k) => row(k));
    expect(tail.place(rows)).toEqual([...rows].reverse());
    // Short: the list shrank since it was counted, so these rows' place is unknown.
    expect(tail.place(rows.slice(0, 150))).toBeNull();
  });
});
