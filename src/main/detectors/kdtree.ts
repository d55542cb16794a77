/**
 * Exact k-nearest-neighbour index shared by LOF and KNN.
 *
 * The tree holds distinct points, each standing for `weights[j]` identical rows whose original
 * indices are listed (ascending) in rowList[rowStart[j] .. rowStart[j+1]). A query answers the
 * row-level question "which k rows are nearest, ties at equal distance going to the lower row
 * index" at the cost of a query over distinct points: rows closer than the k-th distance are all
 * taken; at exactly the k-th distance the lowest row indices among the tied points fill the rest.
 *
 * Distances are sqrt of the sum of squared differences accumulated column by column, and ties
 * are decided on that exact double. Node boxes are tight (their bounds are coordinates of points
 * inside), and correctly rounded arithmetic is monotone, so a box's computed lower bound never
 * exceeds the computed distance of a point inside it: pruning with `>` loses no tied point.
 */

/** Neighbour groups of one query, in no particular order; `take` rows come from point `ids[i]`. */
export class NeighborResult {
  count = 0;
  ids: Int32Array;
  take: Int32Array;
  dist: Float64Array;
  /** Distance to the k-th nearest row. */
  kdist = 0;

  constructor(capacity = 32) {
    this.ids = new Int32Array(capacity);
    this.take = new Int32Array(capacity);
    this.dist = new Float64Array(capacity);
  }

  ensure(capacity: number): void {
    if (capacity <= this.ids.length) return;
    const size = Math.max(capacity, this.ids.length * 2);
    this.ids = new Int32Array(size);
    this.take = new Int32Array(size);
    this.dist = new Float64Array(size);
  }
}

export class KdTree {
  readonly m: number;
  readonly dims: number;
  private readonly weights: Int32Array;
  private readonly rowStart: Int32Array;
  private readonly rowList: Int32Array;
  /** Points in tree order (leaf ranges are contiguous) and their distinct ids. */
  private readonly coords: Float64Array;
  private readonly pid: Int32Array;
  /** Per node: point range [start, end), first child (the second is child + 1) or -1 for a leaf. */
  private readonly start: Int32Array;
  private readonly end: Int32Array;
  private readonly child: Int32Array;
  /** Per node: tight bounding box, dims values each. */
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  /** Per internal node: split dimension and value; only used to search the nearer child first. */
  private readonly splitDim: Int32Array;
  private readonly splitVal: Float64Array;
  private readonly stack: Int32Array;
  // Candidate list of one query, ascending by distance.
  private cDist = new Float64Array(64);
  private cId = new Int32Array(64);
  private cW = new Int32Array(64);

  constructor(
    points: Float64Array,
    m: number,
    dims: number,
    weights: Int32Array,
    rowStart: Int32Array,
    rowList: Int32Array,
    leafSize = 16,
  ) {
    if (m < 1) throw new Error('k-d tree needs at least one point');
    this.m = m;
    this.dims = dims;
    this.weights = weights;
    this.rowStart = rowStart;
    this.rowList = rowList;
    const idx = new Int32Array(m);
    for (let i = 0; i < m; i++) idx[i] = i;

    const starts: number[] = [];
    const ends: number[] = [];
    const childs: number[] = [];
    const los: number[] = [];
    const his: number[] = [];
    const dimsOf: number[] = [];
    const valsOf: number[] = [];
    const lo = new Float64Array(dims);
    const hi = new Float64Array(dims);
    // Breadth-first build so that a node's two children are adjacent.
    const depth: number[] = [0];
    const maxMidpointDepth = 2 * Math.ceil(Math.log2(m + 1)) + 16;
    starts.push(0);
    ends.push(m);
    for (let node = 0; node < starts.length; node++) {
      const s = starts[node];
      const e = ends[node];
      lo.fill(Infinity);
      hi.fill(-Infinity);
      for (let i = s; i < e; i++) {
        const b = idx[i] * dims;
        for (let c = 0; c < dims; c++) {
          const v = points[b + c];
          if (v < lo[c]) lo[c] = v;
          if (v > hi[c]) hi[c] = v;
        }
      }
      for (let c = 0; c < dims; c++) {
        los.push(lo[c]);
        his.push(hi[c]);
      }
      let split = 0;
      let spread = 0;
      for (let c = 0; c < dims; c++) {
        if (hi[c] - lo[c] > spread) {
          spread = hi[c] - lo[c];
          split = c;
        }
      }
      if (e - s <= leafSize || spread === 0) {
        childs.push(-1);
        dimsOf.push(0);
        valsOf.push(0);
        continue;
      }
      // Split at the middle of the widest side: cells stay compact and outliers get cut off
      // early, which prunes far better than median splits on clustered data (3-4x fewer nodes
      // visited on shuttle). Past a depth limit switch to median splits so that skewed data
      // cannot make the tree linear. Search correctness relies only on the tight boxes, not on
      // how points were partitioned.
      const cut = lo[split] + spread / 2;
      let i = s;
      let j = e - 1;
      while (i <= j) {
        if (points[idx[i] * dims + split] < cut) i++;
        else {
          const t = idx[i];
          idx[i] = idx[j];
          idx[j--] = t;
        }
      }
      let mid = i;
      let splitAt = cut;
      if (depth[node] > maxMidpointDepth || mid === s || mid === e) {
        mid = (s + e) >>> 1;
        selectNth(idx, points, dims, split, s, e - 1, mid);
        splitAt = points[idx[mid] * dims + split];
      }
      dimsOf.push(split);
      valsOf.push(splitAt);
      childs.push(starts.length);
      depth.push(depth[node] + 1, depth[node] + 1);
      starts.push(s, mid);
      ends.push(mid, e);
    }
    const nodes = starts.length;
    this.start = Int32Array.from(starts);
    this.end = Int32Array.from(ends);
    this.child = Int32Array.from(childs);
    this.lo = Float64Array.from(los);
    this.hi = Float64Array.from(his);
    this.coords = new Float64Array(m * dims);
    this.pid = idx;
    for (let i = 0; i < m; i++) this.coords.set(points.subarray(idx[i] * dims, idx[i] * dims + dims), i * dims);
    this.stack = new Int32Array(nodes + 1);
    this.splitDim = Int32Array.from(dimsOf);
    this.splitVal = Float64Array.from(valsOf);
  }

  /** Lower bound of the distance from q to node's box, with the same rounding as point distances. */
  private boxDist(node: number, q: Float64Array, qOff: number): number {
    const d = this.dims;
    const b = node * d;
    let s = 0;
    for (let c = 0; c < d; c++) {
      const x = q[qOff + c];
      let t = 0;
      if (x < this.lo[b + c]) t = this.lo[b + c] - x;
      else if (x > this.hi[b + c]) t = x - this.hi[b + c];
      s += t * t;
    }
    return Math.sqrt(s);
  }

  /**
   * The k nearest rows to q (q[qOff .. qOff+dims)). `self` is the distinct id of the querying
   * training row (one of its copies is the row itself and is excluded) or -1 for a new point.
   */
  query(q: Float64Array, qOff: number, k: number, self: number, out: NeighborResult): void {
    const d = this.dims;
    const coords = this.coords;
    let len = 0;
    let totalW = 0;
    let bound = Infinity;
    let cut = Infinity;
    let sp = 0;
    this.stack[sp++] = 0;
    while (sp > 0) {
      const node = this.stack[--sp];
      // Box distances are computed when a node is reached, with the bound as it is by then.
      if (node !== 0 && this.boxDist(node, q, qOff) > bound) continue;
      const first = this.child[node];
      if (first >= 0) {
        // Search the child on the query's side of the split first (pushed last).
        if (q[qOff + this.splitDim[node]] < this.splitVal[node]) {
          this.stack[sp++] = first + 1;
          this.stack[sp++] = first;
        } else {
          this.stack[sp++] = first;
          this.stack[sp++] = first + 1;
        }
        continue;
      }
      for (let i = this.start[node], e = this.end[node]; i < e; i++) {
        const b = i * d;
        let s = 0;
        let c = 0;
        for (; c < d; c++) {
          const t = q[qOff + c] - coords[b + c];
          s += t * t;
          if (s > cut) break;
        }
        if (c < d) continue;
        const dist = Math.sqrt(s);
        if (dist > bound) continue;
        const id = this.pid[i];
        const w = id === self ? this.weights[id] - 1 : this.weights[id];
        if (w === 0) continue;
        // Insert keeping the list ascending by distance.
        if (len === this.cDist.length) this.grow();
        let pos = len;
        while (pos > 0 && this.cDist[pos - 1] > dist) {
          this.cDist[pos] = this.cDist[pos - 1];
          this.cId[pos] = this.cId[pos - 1];
          this.cW[pos] = this.cW[pos - 1];
          pos--;
        }
        this.cDist[pos] = dist;
        this.cId[pos] = id;
        this.cW[pos] = w;
        len++;
        totalW += w;
        // A tie at the current bound leaves it unchanged; otherwise recompute once full.
        if (totalW >= k && (dist < bound || totalW - w < k)) {
          // New bound: distance of the k-th row; drop candidates beyond it (keep ties).
          let cum = 0;
          let j = 0;
          while (cum + this.cW[j] < k) cum += this.cW[j++];
          bound = this.cDist[j];
          // Partial sums only grow; past this margin the distance must exceed the bound.
          cut = bound * bound * (1 + 1e-12) + 1e-300;
          cum += this.cW[j++];
          while (j < len && this.cDist[j] === bound) cum += this.cW[j++];
          len = j;
          totalW = cum;
        }
      }
    }
    if (totalW < k) throw new Error(`asked for ${k} neighbours among fewer rows`);
    this.resolve(len, k, bound, self, out);
  }

  /** Turns the candidate list into row takes, breaking the tie at the k-th distance by row index. */
  private resolve(len: number, k: number, bound: number, self: number, out: NeighborResult): void {
    out.ensure(len);
    out.kdist = bound;
    let before = 0;
    let i = 0;
    for (; i < len && this.cDist[i] < bound; i++) {
      out.ids[i] = this.cId[i];
      out.take[i] = this.cW[i];
      out.dist[i] = this.cDist[i];
      before += this.cW[i];
    }
    let count = i;
    const need = k - before;
    let tiedW = 0;
    for (let t = i; t < len; t++) tiedW += this.cW[t];
    if (tiedW === need || len - i === 1) {
      for (let t = i; t < len; t++) {
        out.ids[count] = this.cId[t];
        out.take[count] = Math.min(this.cW[t], need);
        out.dist[count++] = bound;
      }
      out.count = count;
      return;
    }
    // Several tied points with more rows than needed: take the `need` lowest row indices
    // across their row lists (a merge of sorted lists, cut after `need` rows).
    const tied = len - i;
    const pos = new Int32Array(tied);
    const stop = new Int32Array(tied);
    const taken = new Int32Array(tied);
    for (let t = 0; t < tied; t++) {
      const id = this.cId[i + t];
      // The querying row is one copy of `self`; which one is unknown here, so its first row
      // stands for it. This only matters if another distinct point lies at computed distance 0
      // (coordinates differing below ~1e-162), which real features never do.
      pos[t] = this.rowStart[id] + (id === self ? 1 : 0);
      stop[t] = this.rowStart[id + 1];
    }
    for (let r = 0; r < need; r++) {
      let best = -1;
      let bestRow = Infinity;
      for (let t = 0; t < tied; t++) {
        if (pos[t] < stop[t] && this.rowList[pos[t]] < bestRow) {
          bestRow = this.rowList[pos[t]];
          best = t;
        }
      }
      pos[best]++;
      taken[best]++;
    }
    for (let t = 0; t < tied; t++) {
      if (taken[t] === 0) continue;
      out.ids[count] = this.cId[i + t];
      out.take[count] = taken[t];
      out.dist[count++] = bound;
    }
    out.count = count;
  }

  private grow(): void {
    const size = this.cDist.length * 2;
    const dist = new Float64Array(size);
    dist.set(this.cDist);
    const id = new Int32Array(size);
    id.set(this.cId);
    const w = new Int32Array(size);
    w.set(this.cW);
    this.cDist = dist;
    this.cId = id;
    this.cW = w;
  }
}

/** Quickselect: reorders idx[left..right] so idx[nth] holds the nth smallest along `dim`. */
function selectNth(
  idx: Int32Array,
  points: Float64Array,
  dims: number,
  dim: number,
  left: number,
  right: number,
  nth: number,
): void {
  while (right > left) {
    const mid = (left + right) >>> 1;
    // Median of three as pivot keeps sorted input from going quadratic.
    const a = points[idx[left] * dims + dim];
    const b = points[idx[mid] * dims + dim];
    const c = points[idx[right] * dims + dim];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = left;
    let j = right;
    while (i <= j) {
      while (points[idx[i] * dims + dim] < pivot) i++;
      while (points[idx[j] * dims + dim] > pivot) j--;
      if (i <= j) {
        const t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        i++;
        j--;
      }
    }
    if (nth <= j) right = j;
    else if (nth >= i) left = i;
    else return;
  }
}
