import { averagePathLength, type IsolationForest } from '../detectors/iforest';
import { checkHeader, decodeF64, decodeI32, getInt } from '../detectors/codec';
import { FEATURE_NAMES } from '../features/types';

/**
 * The desktop's Isolation Forest (detectors/iforest.ts) compiled to one ClickHouse expression, so
 * a fleet's entries are scored where they live and only the scores travel. Pure text generation.
 *
 * What the desktop computes for a row x, and how the SQL reproduces it bit for bit:
 *   total(x) = Σ over trees, in tree order, of leafPath(leaf of x) = depth + c(leaf size)
 *   score(x) = 2^(−total(x) / (trees · c(maxSamples))),  flagged ⇔ score(x) > threshold.
 *
 * - Each tree is a nested `if` on the feature columns returning its leaf's 1-based number, which
 *   indexes an array literal of that tree's leaf path lengths. The trees are added with `+` in
 *   tree order (ClickHouse parses a + b + c as plus(plus(a, b), c), the desktop's loop order), so
 *   total(x) is the same IEEE sum as the desktop's: every leaf path is written in JavaScript's
 *   shortest round-trip form, which ClickHouse 18.16 and 26.x parse to the same double (tested).
 * - The `original` features are integer counts, and for an integer x, x ≤ t ⇔ x ≤ ⌊t⌋: each split
 *   threshold is written as the integer ⌊t⌋, exact and short. Inputs must be integers (UInt64
 *   counts, as the feature queries return them); a fractional input would need the float literal.
 * - The flag is decided on total, not on the score: pow() in ClickHouse (libm) and Math.pow in V8
 *   may differ in the last bit, which would flip every row whose score equals the threshold (the
 *   threshold is a quantile of training scores, so such rows are common on duplicate-heavy
 *   counts). The score falls as total grows, so the desktop's flag is `total ≤ cutoff`, where
 *   cutoff is the largest double whose desktop score is still above the threshold, found here by
 *   bisection on the doubles with Math.pow itself. A row whose desktop score equals the threshold
 *   exactly is not flagged, on either side (the desktop's rule is strict: score > threshold).
 *   The score column is still returned, for display; it equals the desktop's within 1e-12.
 *
 * Size: 6 AST elements per split and 1 per leaf (ClickHouse 18.16 counts 22,559 for a whole
 * scoring query whose expression is estimated at 22,326 here), and ~11 characters per split and
 * ~19 per leaf. ClickHouse's defaults allow 50,000 AST elements (max_ast_elements) and 256 KiB of
 * query text (max_query_size), and a readonly = 1 user cannot raise them. On three integer
 * counts trees stay small (a node of identical rows is a leaf): 100 trees on the 10,000-line
 * Apache log take ~3,100 splits, ~22,000 elements and ~105 KB; on 100,000 lines of the sample
 * generator ~40,000 and ~200 KB. `compileIsolationForest` refuses a forest over the limits it is
 * given (defaults: the server's defaults) rather than send a query the server would refuse;
 * given higher limits, the query carries them as settings, which a user with readonly = 0 or 2
 * may set.
 */

/** ClickHouse's defaults (18.16 and 26.x alike). */
export const DEFAULT_SQL_LIMITS = { maxAstElements: 50_000, maxQueryBytes: 262_144 } as const;

export interface SqlLimits {
  maxAstElements: number;
  maxQueryBytes: number;
}

/** Kept free for the rest of the query (the feature query and the wrapper: ~250 elements, ~2 KB). */
export const QUERY_RESERVE = { astElements: 1_000, bytes: 16_384 } as const;

/** Settings a scoring query must carry when the forest needs more than the server's defaults. */
export type ScoreSettings = {
  max_ast_elements: string;
  max_query_size: string;
};

/** The forest's trees as the desktop stores them (toJSON), with each leaf's path length. */
export interface ForestTrees {
  trees: number;
  cols: number;
  samples: number;
  treeStart: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  /** depth + c(size) for leaves, computed as the desktop computes it; 0 for splits. */
  leafPath: Float64Array;
}

export interface CompiledForest {
  /** Float64 expression: total(x), the sum of path lengths over the trees in tree order. */
  pathExpr: string;
  /** trees · c(maxSamples): score = 2^(−total / denominator). */
  denominator: number;
  /** The desktop's threshold on the score. */
  threshold: number;
  /** Largest total whose desktop score is > threshold: flagged ⇔ total ≤ cutoff. */
  cutoff: number;
  trees: number;
  splits: number;
  leaves: number;
  /** AST elements of pathExpr as ClickHouse counts them (functions, argument lists, identifiers, literals). */
  astElements: number;
  /** Bytes of pathExpr. */
  bytes: number;
  /** Present when the query needs higher limits than the defaults (see SqlLimits). */
  settings?: ScoreSettings;
}

/** Reads the trees out of a fitted forest's stored form (the same arrays the desktop scores with). */
export function forestTrees(model: IsolationForest): ForestTrees {
  const json = checkHeader(model.toJSON(), 'iforest', 1);
  const P = 'iforest';
  const trees = getInt(json, 'nEstimators', P, 1);
  const cols = getInt(json, 'cols', P, 1);
  const samples = getInt(json, 'maxSamples', P, 1);
  const nodes = getInt(json, 'nodes', P, trees);
  const treeStart = decodeI32(json.treeStart, `${P}.treeStart`, trees + 1, 0, nodes);
  const feature = decodeI32(json.feature, `${P}.feature`, nodes, -1, cols - 1);
  const threshold = decodeF64(json.threshold, `${P}.threshold`, nodes);
  const left = decodeI32(json.left, `${P}.left`, nodes, -1, nodes - 1);
  const size = decodeI32(json.size, `${P}.size`, nodes, 1, samples);
  // Children come after their parents (the desktop grows trees breadth-first), so one forward
  // pass knows every node's depth when it reaches it; same formula as IsolationForest.fromJSON.
  const depth = new Int32Array(nodes);
  const leafPath = new Float64Array(nodes);
  for (let t = 0; t < trees; t++) {
    for (let i = treeStart[t]; i < treeStart[t + 1]; i++) {
      if (feature[i] < 0) leafPath[i] = depth[i] + averagePathLength(size[i]);
      else depth[left[i]] = depth[left[i] + 1] = depth[i] + 1;
    }
  }
  return { trees, cols, samples, treeStart, feature, threshold, left, leafPath };
}

/** The desktop's score for a path total (IsolationForest.score's last step). */
export function scoreOfTotal(total: number, denominator: number): number {
  return Math.pow(2, -total / denominator);
}

/** Desktop-equal evaluation of total(x) from the extracted trees (for tests and checks). */
export function pathTotal(f: ForestTrees, x: ArrayLike<number>): number {
  let total = 0;
  for (let t = 0; t < f.trees; t++) {
    let node = f.treeStart[t];
    while (f.feature[node] >= 0) node = x[f.feature[node]] <= f.threshold[node] ? f.left[node] : f.left[node] + 1;
    total += f.leafPath[node];
  }
  return total;
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The adjacent double above a non-negative finite x. */
function nextUp(x: number): number {
  f64[0] = x;
  u64[0] += 1n;
  return f64[0];
}

/**
 * The largest double total ≥ 0 with scoreOfTotal(total) > threshold, or −1 when no total is
 * (threshold ≥ 1). Bisection over the doubles' bit patterns, which order non-negative doubles.
 */
export function cutoffFor(threshold: number, denominator: number): number {
  const flagged = (t: number): boolean => scoreOfTotal(t, denominator) > threshold;
  if (!flagged(0)) return -1;
  f64[0] = Number.MAX_VALUE;
  let hi = u64[0]; // not flagged: score 0
  let lo = 0n; // flagged
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    u64[0] = mid;
    if (flagged(f64[0])) lo = mid;
    else hi = mid;
  }
  u64[0] = lo;
  const cut = f64[0];
  if (!flagged(cut) || flagged(nextUp(cut))) throw new Error('iforest cutoff: the score is not monotone here');
  return cut;
}

/** A double as a ClickHouse literal that parses back to the same double. */
export function floatLiteral(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
  const s = String(v);
  return s.includes('e') || s.includes('.') ? s : `${s}.0`;
}

function int(v: number): string {
  if (!Number.isSafeInteger(v)) throw new Error(`split threshold ${v} is not a safe integer`);
  return String(v);
}

export interface CompileOptions {
  /**
   * SQL expressions of the model's input columns, in its column order (integer counts). Default:
   * the feature query's columns in the desktop's order (FEATURE_NAMES), as the `original`
   * detectors read them, untransformed.
   */
  columns?: readonly string[];
  limits?: SqlLimits;
}

/** One tree: its leaf-path array literal indexed by a nested if over the splits. */
function treeSql(
  f: ForestTrees,
  t: number,
  cols: readonly string[],
  counts: { splits: number; leaves: number },
): string {
  const paths: number[] = [];
  const walk = (node: number): string => {
    const c = f.feature[node];
    if (c < 0) {
      paths.push(f.leafPath[node]);
      counts.leaves++;
      return String(paths.length);
    }
    counts.splits++;
    const l = walk(f.left[node]);
    const r = walk(f.left[node] + 1);
    return `if(${cols[c]}<=${int(Math.floor(f.threshold[node]))},${l},${r})`;
  };
  const body = walk(f.treeStart[t]);
  return `[${paths.map(floatLiteral).join(',')}][${body}]`;
}

export function compileIsolationForest(model: IsolationForest, opts: CompileOptions = {}): CompiledForest {
  const f = forestTrees(model);
  const columns = opts.columns ?? FEATURE_NAMES;
  if (columns.length !== f.cols) throw new Error(`the forest reads ${f.cols} columns, ${columns.length} given`);
  const counts = { splits: 0, leaves: 0 };
  const parts: string[] = [];
  for (let t = 0; t < f.trees; t++) parts.push(treeSql(f, t, columns, counts));
  const pathExpr = parts.join('+');
  const denominator = f.trees * averagePathLength(f.samples);
  const threshold = model.threshold;
  // Per split: if(), its argument list, lessOrEquals(), its list, the column, the literal. Per
  // leaf: its number. Per tree: arrayElement(), its list, the array literal. Per +: plus(), list.
  const astElements = counts.splits * 6 + counts.leaves + f.trees * 3 + (f.trees - 1) * 2;
  const compiled: CompiledForest = {
    pathExpr,
    denominator,
    threshold,
    cutoff: cutoffFor(threshold, denominator),
    trees: f.trees,
    splits: counts.splits,
    leaves: counts.leaves,
    astElements,
    bytes: Buffer.byteLength(pathExpr),
  };
  const limits = opts.limits ?? DEFAULT_SQL_LIMITS;
  const ast = astElements + QUERY_RESERVE.astElements;
  const bytes = compiled.bytes + QUERY_RESERVE.bytes;
  if (ast > limits.maxAstElements || bytes > limits.maxQueryBytes) {
    throw new Error(
      `the forest compiles to ${astElements} AST elements and ${compiled.bytes} bytes of SQL; with the feature ` +
        `query that exceeds the limits of ${limits.maxAstElements} elements and ${limits.maxQueryBytes} bytes ` +
        `(the server's max_ast_elements and max_query_size)`,
    );
  }
  if (ast > DEFAULT_SQL_LIMITS.maxAstElements || bytes > DEFAULT_SQL_LIMITS.maxQueryBytes) {
    compiled.settings = {
      max_ast_elements: String(Math.max(limits.maxAstElements, DEFAULT_SQL_LIMITS.maxAstElements)),
      max_query_size: String(Math.max(limits.maxQueryBytes, DEFAULT_SQL_LIMITS.maxQueryBytes)),
    };
  }
  return compiled;
}

/**
 * A feature query (RESULT_COLUMNS) with the forest's verdict added: od_path (the path total),
 * iforest_score and iforest_flag. The total is computed one level down, so the score and the
 * flag read it as a column: an alias used twice would be expanded twice, doubling the AST.
 */
/** The forest's flag as SQL on an `od_path` column (flagged ⇔ total ≤ cutoff; never when no total is). */
export function flagSql(c: CompiledForest): string {
  return c.cutoff < 0 ? '0' : `od_path <= ${floatLiteral(c.cutoff)}`;
}

export function scoreSql(featureQuery: string, c: CompiledForest): string {
  const flag = flagSql(c);
  const cols = 'ip, ts_ms, arrival, request_count, client_error_count, server_error_count';
  return `SELECT ${cols}, od_path,
    pow(2, -od_path / ${floatLiteral(c.denominator)}) AS iforest_score,
    toUInt8(${flag}) AS iforest_flag
  FROM (
    SELECT ${cols}, (${c.pathExpr}) AS od_path
    FROM (
      ${featureQuery}
    )
  )`;
}
