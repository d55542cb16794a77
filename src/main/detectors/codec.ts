/**
 * Serialisation helpers. Large typed arrays go into model JSON as base64 of their little-endian
 * bytes: exact (no decimal round trip), about 1.33 bytes per byte, and cheap to decode.
 * Readers validate everything and throw a clear Error, so fromJSON never builds a half-valid model.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type Json = Record<string, unknown>;

function toLittleEndianBytes(view: Uint8Array, width: number): Uint8Array {
  if (LITTLE_ENDIAN) return view;
  const out = new Uint8Array(view.length);
  for (let i = 0; i < view.length; i += width) {
    for (let b = 0; b < width; b++) out[i + b] = view[i + width - 1 - b];
  }
  return out;
}

function encode(arr: Float64Array | Int32Array): string {
  const bytes = toLittleEndianBytes(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), arr.BYTES_PER_ELEMENT);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function decodeBytes(value: unknown, path: string, width: number, length: number): Uint8Array {
  if (typeof value !== 'string') throw new Error(`${path}: expected a base64 string`);
  if (value.length % 4 !== 0 || !BASE64.test(value)) throw new Error(`${path}: not valid base64`);
  const buf = Buffer.from(value, 'base64');
  if (buf.length !== width * length) {
    throw new Error(`${path}: holds ${buf.length / width} values, expected ${length}`);
  }
  // Copy into a fresh, aligned buffer (a Buffer may sit at any offset of a shared pool).
  const bytes = new Uint8Array(buf.length);
  bytes.set(buf);
  return toLittleEndianBytes(bytes, width);
}

export function encodeF64(arr: Float64Array): string {
  return encode(arr);
}

export function encodeI32(arr: Int32Array): string {
  return encode(arr);
}

/** Decodes `length` float64 values; with `finite` set, NaN and ±Infinity are rejected. */
export function decodeF64(value: unknown, path: string, length: number, finite = true): Float64Array {
  const bytes = decodeBytes(value, path, 8, length);
  const out = new Float64Array(bytes.buffer, bytes.byteOffset, length);
  if (finite) {
    for (let i = 0; i < length; i++) {
      if (!Number.isFinite(out[i])) throw new Error(`${path}[${i}] is not a finite number`);
    }
  }
  return out;
}

/** Decodes `length` int32 values, each in [min, max]. */
export function decodeI32(value: unknown, path: string, length: number, min: number, max: number): Int32Array {
  const bytes = decodeBytes(value, path, 4, length);
  const out = new Int32Array(bytes.buffer, bytes.byteOffset, length);
  for (let i = 0; i < length; i++) {
    if (out[i] < min || out[i] > max) throw new Error(`${path}[${i}] = ${out[i]} is outside [${min}, ${max}]`);
  }
  return out;
}

export function asObject(value: unknown, path: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${path}: expected an object`);
  }
  return value as Json;
}

export function getNumber(obj: Json, key: string, path: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${path}.${key}: expected a finite number`);
  return v;
}

export function getInt(obj: Json, key: string, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = getNumber(obj, key, path);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new Error(`${path}.${key}: expected an integer in [${min}, ${max}], got ${v}`);
  }
  return v;
}

export function getBoolean(obj: Json, key: string, path: string): boolean {
  const v = obj[key];
  if (typeof v !== 'boolean') throw new Error(`${path}.${key}: expected a boolean`);
  return v;
}

export function getNumberArray(obj: Json, key: string, path: string, length: number): number[] {
  const v = obj[key];
  if (!Array.isArray(v) || v.length !== length)
    throw new Error(`${path}.${key}: expected an array of ${length} numbers`);
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${path}.${key}[${i}]: expected a finite number`);
  }
  return v as number[];
}

/** Checks the `kind` tag and the format version of a serialised model. */
export function checkHeader(value: unknown, kind: string, version: number): Json {
  const obj = asObject(value, kind);
  if (obj.kind !== kind) throw new Error(`${kind}: expected kind "${kind}", got ${JSON.stringify(obj.kind)}`);
  if (obj.version !== version) throw new Error(`${kind}: unsupported format version ${JSON.stringify(obj.version)}`);
  return obj;
}

export function checkContamination(c: number, path: string): number {
  if (!(c > 0 && c <= 0.5)) throw new Error(`${path}: contamination must be in (0, 0.5], got ${c}`);
  return c;
}
