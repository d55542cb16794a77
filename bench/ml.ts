/**
 * ML benchmark: 300,000 synthetic feature rows shaped like production (request_count,
 * client_error_count, server_error_count per entry; 20 client IPs; small integers, so mostly
 * duplicate rows) plus a few hundred injected outliers. Measures fitting each detector (which
 * includes scoring its own training rows) and scoring 300,000 new rows.
 * Goals: fit of all three < 3 s, scoring 300,000 new rows with all three < 2 s
 * (scikit-learn: 13 s and 10 s).
 */
import { Ensemble, IsolationForest, KNearestNeighbors, LocalOutlierFactor, type Matrix } from '../src/main/detectors';
import { Rng } from '../src/main/detectors/rng';

const ROWS = 300_000;
const IPS = 20;
const OUTLIERS = 300;

/** Knuth's Poisson sampler: fine for the small means used here. */
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.nextFloat();
  while (p > limit) {
    k++;
    p *= rng.nextFloat();
  }
  return k;
}

function binomial(rng: Rng, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rng.nextFloat() < p) k++;
  return k;
}

/** Production-like features; deterministic for a given seed. */
export function syntheticFeatures(rows = ROWS, seed = 1): { X: Matrix; labels: Uint8Array } {
  const rng = new Rng(seed);
  const ipMean = Array.from({ length: IPS }, () => 35 + 30 * rng.nextFloat());
  const data = new Float64Array(rows * 3);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const ip = rng.nextInt(IPS);
    const requests = Math.min(120, Math.max(1, poisson(rng, ipMean[ip])));
    data[r * 3] = requests;
    data[r * 3 + 1] = binomial(rng, requests, 0.2);
    data[r * 3 + 2] = binomial(rng, requests, 0.03);
  }
  // Outliers at random positions: bursts of traffic, or error storms at normal volume.
  for (let i = 0; i < OUTLIERS; i++) {
    const r = rng.nextInt(rows);
    labels[r] = 1;
    if (i % 2 === 0) {
      const requests = 150 + rng.nextInt(250);
      data[r * 3] = requests;
      data[r * 3 + 1] = binomial(rng, requests, 0.2);
      data[r * 3 + 2] = binomial(rng, requests, 0.03);
    } else {
      const requests = 20 + rng.nextInt(60);
      data[r * 3] = requests;
      data[r * 3 + 1] = binomial(rng, requests, 0.5 + 0.4 * rng.nextFloat());
      data[r * 3 + 2] = binomial(rng, requests, 0.2 + 0.3 * rng.nextFloat());
    }
  }
  return { X: { rows, cols: 3, data }, labels };
}

function timed<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const out = fn();
  return [out, performance.now() - t];
}

/** Figures in milliseconds (and a few counts), keys prefixed "ml.". */
export async function benchMl(): Promise<Record<string, number>> {
  const train = syntheticFeatures(ROWS, 1).X;
  const fresh = syntheticFeatures(ROWS, 2).X;
  const out: Record<string, number> = {};
  const detectors = [
    ['iforest', () => new IsolationForest({ seed: 0 })],
    ['lof', () => new LocalOutlierFactor()],
    ['knn', () => new KNearestNeighbors()],
  ] as const;
  let fitTotal = 0;
  let scoreTotal = 0;
  for (const [name, make] of detectors) {
    const [model, fitMs] = timed(() => make().fit(train));
    const [, scoreMs] = timed(() => model.score(fresh));
    out[`ml.${name}.fit_ms`] = round(fitMs);
    out[`ml.${name}.score_300k_ms`] = round(scoreMs);
    fitTotal += fitMs;
    scoreTotal += scoreMs;
    await Promise.resolve();
  }
  out['ml.fit_all_ms'] = round(fitTotal);
  out['ml.score_all_300k_ms'] = round(scoreTotal);
  const [ensemble, ensFitMs] = timed(() => new Ensemble({ seed: 0 }).fit(train));
  const [, ensScoreMs] = timed(() => ensemble.score(fresh));
  out['ml.ensemble.fit_ms'] = round(ensFitMs);
  out['ml.ensemble.score_300k_ms'] = round(ensScoreMs);
  const [, jsonMs] = timed(() => Ensemble.fromJSON(JSON.parse(JSON.stringify(ensemble.toJSON()))));
  out['ml.ensemble.json_roundtrip_ms'] = round(jsonMs);
  out['ml.ensemble.json_bytes'] = JSON.stringify(ensemble.toJSON()).length;
  out['ml.rows'] = ROWS;
  return out;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
