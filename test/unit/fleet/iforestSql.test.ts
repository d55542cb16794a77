import { describe, expect, it } from 'vitest';
import { IsolationForest } from '../../../src/main/detectors/iforest';
import {
  DEFAULT_SQL_LIMITS,
  compileIsolationForest,
  cutoffFor,
  forestTrees,
  pathTotal,
  scoreOfTotal,
  scoreSql,
} from '../../../src/main/fleet/iforestSql';
import { rng } from '../../helpers/rng';

/** Duplicate-heavy integer counts, like the `original` features: a few busy IPs, many quiet ones. */
function counts(n: number, seed: number): Float64Array {
  const next = rng(seed);
  const out = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const busy = next() < 0.02;
    out[3 * i] = Math.floor(next() * (busy ? 400 : 12)) + 1;
    out[3 * i + 1] = Math.floor(next() * (busy ? 40 : 2));
    out[3 * i + 2] = next() < 0.02 ? Math.floor(next() * 9) : 0;
  }
  return out;
}

function fitted(seed: number, n = 3_000, nEstimators = 100): { model: IsolationForest; X: Float64Array } {
  const X = counts(n, seed);
  return { model: new IsolationForest({ seed, nEstimators }).fit({ rows: n, cols: 3, data: X }), X };
}

const row = (X: Float64Array, i: number): Float64Array => X.subarray(3 * i, 3 * i + 3);

/**
 * The compiled expression evaluated the way ClickHouse evaluates it: `if(col<=k,a,b)` nested,
 * leaf numbers indexing the per-tree array literal, trees added left to right.
 */
function evaluate(expr: string, x: ArrayLike<number>): number {
  const cols: Record<string, number> = { request_count: x[0], client_error_count: x[1], server_error_count: x[2] };
  let at = 0;
  const expect_ = (s: string): void => {
    if (expr.slice(at, at + s.length) !== s) throw new Error(`expected ${s} at ${at}: ${expr.slice(at, at + 30)}`);
    at += s.length;
  };
  const number = (): number => {
    const m = /^-?[0-9.e+-]+/.exec(expr.slice(at));
    if (!m) throw new Error(`number expected at ${at}`);
    at += m[0].length;
    return Number(m[0]);
  };
  const index = (): number => {
    if (expr.startsWith('if(', at)) {
      expect_('if(');
      const name = /^[a-z_]+/.exec(expr.slice(at))?.[0] ?? '';
      at += name.length;
      expect_('<=');
      const k = number();
      expect_(',');
      const l = index();
      expect_(',');
      const r = index();
      expect_(')');
      return cols[name] <= k ? l : r;
    }
    return number();
  };
  const tree = (): number => {
    expect_('[');
    const paths: number[] = [number()];
    while (expr[at] === ',') {
      at++;
      paths.push(number());
    }
    expect_('][');
    const k = index();
    expect_(']');
    return paths[k - 1];
  };
  let total = tree();
  while (at < expr.length) {
    expect_('+');
    total += tree();
  }
  return total;
}

describe('compileIsolationForest', () => {
  it('reads the trees the desktop scores with: the same score for every row', () => {
    const { model, X } = fitted(3);
    const trees = forestTrees(model);
    const c = compileIsolationForest(model);
    const scores = model.trainingScores;
    for (let i = 0; i < 3_000; i++) expect(scoreOfTotal(pathTotal(trees, row(X, i)), c.denominator)).toBe(scores[i]);
  });

  it('the SQL text computes the desktop’s path totals, bit for bit, with integer thresholds', () => {
    const { model, X } = fitted(4);
    const trees = forestTrees(model);
    const c = compileIsolationForest(model);
    expect(c.pathExpr).not.toMatch(/<=-?\d+\./); // every split threshold is an integer
    for (let i = 0; i < 3_000; i += 7) expect(evaluate(c.pathExpr, row(X, i))).toBe(pathTotal(trees, row(X, i)));
    // Points never seen, between and beyond the training values.
    const next = rng(99);
    for (let i = 0; i < 500; i++) {
      const x = [Math.floor(next() * 900), Math.floor(next() * 90), Math.floor(next() * 20)];
      expect(evaluate(c.pathExpr, x)).toBe(pathTotal(trees, x));
    }
  });

  it('flags by total ≤ cutoff exactly the rows the desktop flags, ties at the threshold included', () => {
    let ties = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const { model, X } = fitted(seed);
      const trees = forestTrees(model);
      const c = compileIsolationForest(model);
      const flags = model.predict({ rows: 3_000, cols: 3, data: X });
      for (let i = 0; i < 3_000; i++) {
        expect(pathTotal(trees, row(X, i)) <= c.cutoff ? 1 : 0).toBe(flags[i]);
        if (model.trainingScores[i] === model.threshold) ties++;
      }
    }
    // The threshold is a quantile of duplicate-heavy scores: rows sitting exactly on it exist.
    expect(ties).toBeGreaterThan(0);
  });

  it('reports its size and refuses a forest over the limits', () => {
    const { model } = fitted(5);
    const c = compileIsolationForest(model);
    expect(c.trees).toBe(100);
    expect(c.leaves).toBe(c.splits + 100);
    expect(c.astElements).toBe(6 * c.splits + c.leaves + 3 * 100 + 2 * 99);
    expect(c.bytes).toBe(Buffer.byteLength(c.pathExpr));
    expect(c.settings).toBeUndefined();
    expect(() => compileIsolationForest(model, { limits: { maxAstElements: 2_000, maxQueryBytes: 1e9 } })).toThrow(
      /max_ast_elements/,
    );
    expect(() => compileIsolationForest(model, { limits: { maxAstElements: 1e9, maxQueryBytes: 20_000 } })).toThrow(
      /max_query_size/,
    );
  });

  it('asks for raised limits only when the defaults do not suffice', () => {
    const { model } = fitted(6, 3_000, 400);
    expect(() => compileIsolationForest(model)).toThrow(/exceeds/);
    const c = compileIsolationForest(model, { limits: { maxAstElements: 500_000, maxQueryBytes: 4 << 20 } });
    expect(c.astElements + c.bytes).toBeGreaterThan(DEFAULT_SQL_LIMITS.maxAstElements);
    expect(c.settings).toEqual({ max_ast_elements: '500000', max_query_size: String(4 << 20) });
  });

  it('quotes the given column expressions and checks their number', () => {
    const { model } = fitted(7, 500, 3);
    const c = compileIsolationForest(model, { columns: ['`a b`', 'b', 'c'] });
    expect(c.pathExpr).toMatch(/`a b`<=|b<=|c<=/);
    expect(() => compileIsolationForest(model, { columns: ['a', 'b'] })).toThrow(/3 columns, 2 given/);
  });

  it('wraps a feature query: total one level down, score and flag over it', () => {
    const { model } = fitted(8, 500, 2);
    const c = compileIsolationForest(model);
    const sql = scoreSql('SELECT 1', c);
    expect(sql).toContain(`(${c.pathExpr}) AS od_path`);
    expect(sql).toMatch(/pow\(2, -od_path \/ [0-9.]+\) AS iforest_score/);
    expect(sql).toContain(`toUInt8(od_path <= ${c.cutoff}) AS iforest_flag`);
    expect(sql.indexOf('od_path <=')).toBeLessThan(sql.indexOf('AS od_path'));
  });
});

describe('cutoffFor', () => {
  it('is the last total whose score is above the threshold', () => {
    const denominator = 100 * 10.244770920116851;
    for (const threshold of [0.3, 0.5, 0.6132183743225068, 0.75, scoreOfTotal(700, denominator)]) {
      const cut = cutoffFor(threshold, denominator);
      expect(scoreOfTotal(cut, denominator)).toBeGreaterThan(threshold);
      const after = new Float64Array([cut]);
      new BigUint64Array(after.buffer)[0] += 1n;
      expect(scoreOfTotal(after[0], denominator)).toBeLessThanOrEqual(threshold);
    }
    // A total whose score equals the threshold exactly is not flagged (the desktop's rule is >).
    expect(cutoffFor(scoreOfTotal(700, denominator), denominator)).toBeLessThan(700);
    expect(cutoffFor(1, denominator)).toBe(-1);
  });
});
