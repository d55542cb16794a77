/**
 * toJSON → JSON text → fromJSON gives a model with identical scores; damaged input (missing
 * fields, wrong lengths, bad ids, broken trees) throws instead of yielding a half-valid model.
 */
import { describe, expect, it } from 'vitest';
import {
  Ensemble,
  IsolationForest,
  KNearestNeighbors,
  LocalOutlierFactor,
  sliceRows,
  type Matrix,
} from '../../../src/main/detectors';
import { loadDataset } from './fixtures';

type Json = Record<string, unknown>;

function roundTrip(model: { toJSON(): object }): Json {
  return JSON.parse(JSON.stringify(model.toJSON())) as Json;
}

/** A base64 int32/float64 field, modified in place by `edit`. */
function editArray(json: Json, key: string, kind: 'i32' | 'f64', edit: (a: Int32Array | Float64Array) => void): Json {
  const bytes = Buffer.from(json[key] as string, 'base64');
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const arr = kind === 'i32' ? new Int32Array(copy.buffer) : new Float64Array(copy.buffer);
  edit(arr);
  return { ...json, [key]: Buffer.from(copy.buffer).toString('base64') };
}

// smtp rows: real data with many duplicates; train on 3,000 rows, score the next 2,000.
const ds = loadDataset('smtp');
const train: Matrix = sliceRows(ds.X, 0, 3000);
const fresh: Matrix = sliceRows(ds.X, 3000, 5000);

const makers = {
  iforest: () => new IsolationForest({ seed: 3 }).fit(train),
  lof: () => new LocalOutlierFactor({ standardize: true }).fit(train),
  knn: () => new KNearestNeighbors().fit(train),
};
const loaders = {
  iforest: (j: unknown) => IsolationForest.fromJSON(j),
  lof: (j: unknown) => LocalOutlierFactor.fromJSON(j),
  knn: (j: unknown) => KNearestNeighbors.fromJSON(j),
};

describe.each(['iforest', 'lof', 'knn'] as const)('%s serialisation', (name) => {
  const model = makers[name]();
  const json = roundTrip(model);
  const load = loaders[name];

  it('round-trips to identical scores, training scores and threshold', () => {
    const back = load(json);
    expect(back.score(fresh)).toEqual(model.score(fresh));
    expect(back.trainingScores).toEqual(model.trainingScores);
    expect(back.threshold).toBe(model.threshold);
    expect(back.predict(fresh)).toEqual(model.predict(fresh));
    expect(JSON.stringify(back.toJSON())).toBe(JSON.stringify(json));
  });

  it('throws on any missing field', () => {
    for (const key of Object.keys(json)) {
      const broken = { ...json };
      delete broken[key];
      expect(() => load(broken), `without ${key}`).toThrow();
    }
  });

  it('throws on wrong kind, version, type or truncated arrays', () => {
    expect(() => load(null)).toThrow();
    expect(() => load([])).toThrow();
    expect(() => load('model')).toThrow();
    expect(() => load({ ...json, kind: name === 'knn' ? 'lof' : 'knn' })).toThrow(/kind/);
    expect(() => load({ ...json, version: 99 })).toThrow(/version/);
    expect(() => load({ ...json, cols: (json.cols as number) - 1 })).toThrow();
    expect(() => load({ ...json, rows: (json.rows as number) - 1 })).toThrow();
    expect(() => load({ ...json, contamination: 0.9 })).toThrow(/contamination/);
    for (const [key, value] of Object.entries(json)) {
      if (typeof value !== 'string' || key === 'kind') continue;
      expect(() => load({ ...json, [key]: value.slice(0, -8) }), `truncated ${key}`).toThrow();
      expect(() => load({ ...json, [key]: '!' + value.slice(1) }), `bad base64 in ${key}`).toThrow(/base64/);
    }
  });
});

describe('structural validation', () => {
  it('rejects neighbour models with bad point ids or duplicate points', () => {
    const json = roundTrip(makers.knn());
    const m = json.distinct as number;
    expect(() => KNearestNeighbors.fromJSON(editArray(json, 'rowPoint', 'i32', (a) => (a[5] = m)))).toThrow(/rowPoint/);
    expect(() => KNearestNeighbors.fromJSON(editArray(json, 'rowPoint', 'i32', (a) => (a[0] = 1)))).toThrow(
      /first occurrence/,
    );
    expect(() =>
      KNearestNeighbors.fromJSON(
        editArray(json, 'points', 'f64', (a) => {
          a[3] = a[0];
          a[4] = a[1];
          a[5] = a[2];
        }),
      ),
    ).toThrow(/distinct/);
    expect(() => KNearestNeighbors.fromJSON(editArray(json, 'kdist', 'f64', (a) => (a[0] = -1)))).toThrow(/kdist/);
    expect(() => KNearestNeighbors.fromJSON(editArray(json, 'kdist', 'f64', (a) => (a[0] = Number.NaN)))).toThrow(
      /finite/,
    );
    const lof = roundTrip(makers.lof());
    expect(() => LocalOutlierFactor.fromJSON(editArray(lof, 'lrd', 'f64', (a) => (a[2] = 0)))).toThrow(/lrd/);
    expect(() => LocalOutlierFactor.fromJSON({ ...lof, scaler: { mean: [0, 0, 0], scale: [1, 0, 1] } })).toThrow(
      /scale/,
    );
    expect(() => LocalOutlierFactor.fromJSON({ ...lof, k: 3 })).toThrow(/k/);
  });

  it('rejects forests whose trees are not trees', () => {
    const json = roundTrip(makers.iforest());
    // Root's left child pointing back at the root (a cycle), or past the end of the tree.
    expect(() => IsolationForest.fromJSON(editArray(json, 'left', 'i32', (a) => (a[0] = 0)))).toThrow(/children/);
    expect(() => IsolationForest.fromJSON(editArray(json, 'left', 'i32', (a) => (a[0] = a.length - 1)))).toThrow();
    expect(() => IsolationForest.fromJSON(editArray(json, 'feature', 'i32', (a) => (a[0] = 3)))).toThrow(/feature/);
    expect(() => IsolationForest.fromJSON(editArray(json, 'size', 'i32', (a) => (a[1] += 1)))).toThrow(/sizes|rows/);
    expect(() => IsolationForest.fromJSON(editArray(json, 'threshold', 'f64', (a) => (a[0] = Infinity)))).toThrow(
      /finite/,
    );
    expect(() => IsolationForest.fromJSON(editArray(json, 'trainingScores', 'f64', (a) => (a[0] = 2)))).toThrow(
      /trainingScores/,
    );
  });

  it('round-trips an ensemble and rejects a damaged one', () => {
    const ens = new Ensemble({ seed: 5, standardize: true }).fit(train);
    const json = roundTrip(ens);
    const back = Ensemble.fromJSON(json);
    expect(back.score(fresh)).toEqual(ens.score(fresh));
    expect(back.explain([1, 7, 6])).toEqual(ens.explain([1, 7, 6]));
    for (const key of Object.keys(json)) {
      const broken = { ...json };
      delete broken[key];
      expect(() => Ensemble.fromJSON(broken), `without ${key}`).toThrow();
    }
    const detectors = json.detectors as Json[];
    expect(() => Ensemble.fromJSON({ ...json, detectors: detectors.slice(1) })).toThrow(/detectors/);
    expect(() => Ensemble.fromJSON({ ...json, models: ['lof', 'iforest', 'knn'] })).toThrow();
    expect(() => Ensemble.fromJSON({ ...json, models: ['iforest', 'lof', 'svm'] })).toThrow(/unknown/);
    expect(() => Ensemble.fromJSON({ ...json, contamination: 0.1 })).toThrow(/contamination/);
    const otherRows = roundTrip(new KNearestNeighbors().fit(sliceRows(train, 0, 100)));
    expect(() => Ensemble.fromJSON({ ...json, detectors: [detectors[0], detectors[1], otherRows] })).toThrow(/rows/);
  });
});
