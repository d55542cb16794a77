/**
 * JSON lines: one object per line. Fields are found through a FieldMapping or, without one,
 * under the common names of FIELD_NAMES (exact, then dotted path, then case-insensitive).
 */
import { candidateNames, missingReason, SOURCE_FIELDS } from './fieldNames';
import { FieldError, isAbsent, toBytes, toOptionalText, toRequiredText, toStatus, toTimestamp } from './fieldValues';
import { splitRequest } from './request';
import { clip } from '../../../shared/time/clip';
import type { FieldMapping, LineParser, ParseResult } from './types';

type JsonObject = Record<string, unknown>;
type Candidates = ReturnType<typeof candidateNames>;

const FIELDS = SOURCE_FIELDS;

const F = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<(typeof FIELDS)[number], number>;

// Rank offsets: a name's position in its list < a case-insensitive match < an object value
// under a built-in name (ECS logs have `url: {path}` where `url.path` is meant; the object is
// used only when nothing else matches, so the type error still names it).
const CASE_PENALTY = 1_000;
const OBJECT_PENALTY = 1_000_000;

/** One way a top-level key can supply a field. */
interface Slot {
  field: number;
  rank: number;
  /** Remaining path below the key for dotted names (`url.path` → ['path']), else null. */
  rest: string[] | null;
  name: string;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walk(v: unknown, rest: readonly string[]): unknown {
  for (const part of rest) {
    if (!isObject(v) || !Object.hasOwn(v, part)) return undefined;
    v = v[part];
  }
  return v;
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

function addSlot(table: Map<string, Slot[]>, key: string, slot: Slot): void {
  const list = table.get(key);
  if (list === undefined) table.set(key, [slot]);
  else list.push(slot);
}

/**
 * A parser for one source. Keys are matched in one pass over each object's own keys (a map
 * lookup per key) rather than by probing every candidate name: JSON logs carry few keys but the
 * name table is long.
 */
class JsonlParser implements LineParser {
  readonly format = 'jsonl' as const;
  private readonly candidates: Candidates[];
  private readonly exact = new Map<string, Slot[]>();
  private readonly folded = new Map<string, Slot[]>();
  private readonly ranks = new Float64Array(FIELDS.length);
  private readonly values: unknown[] = new Array<unknown>(FIELDS.length);
  private readonly keys: string[] = new Array<string>(FIELDS.length);

  constructor(mapping: FieldMapping) {
    this.candidates = FIELDS.map((f) => candidateNames(f, mapping));
    this.candidates.forEach((c, field) => {
      c.names.forEach((name, rank) => {
        const dot = name.indexOf('.');
        // A literal dotted key ("url.path": …) and a nested path both match.
        addSlot(this.exact, name, { field, rank, rest: null, name });
        addSlot(this.folded, name.toLowerCase(), { field, rank: rank + CASE_PENALTY, rest: null, name });
        if (dot > 0) {
          const head = name.slice(0, dot);
          const rest = name.slice(dot + 1).split('.');
          addSlot(this.exact, head, { field, rank, rest, name });
          addSlot(this.folded, head.toLowerCase(), { field, rank: rank + CASE_PENALTY, rest, name });
        }
      });
    });
  }

  /** Fills values/keys with the best-ranked match of every field. */
  private resolve(obj: JsonObject): void {
    this.ranks.fill(Infinity);
    this.values.fill(undefined);
    for (const k of Object.keys(obj)) {
      const slots = this.exact.get(k) ?? this.folded.get(k.toLowerCase());
      if (slots === undefined) continue;
      for (const s of slots) {
        const v = s.rest === null ? obj[k] : walk(obj[k], s.rest);
        if (v === undefined) continue;
        const rank = !this.candidates[s.field].mapped && isObject(v) ? s.rank + OBJECT_PENALTY : s.rank;
        if (rank < this.ranks[s.field]) {
          this.ranks[s.field] = rank;
          this.values[s.field] = v;
          this.keys[s.field] = s.rest === null ? k : `${k}.${s.rest.join('.')}`;
        }
      }
    }
  }

  private required(field: (typeof FIELDS)[number]): unknown {
    const v = this.values[F[field]];
    if (v === undefined) throw new FieldError(missingReason(field, this.candidates[F[field]], 'field'));
    return v;
  }

  parse(line: string): ParseResult {
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch (e) {
      if (line.trim() === '') return { ok: false, reason: 'blank line', skip: true };
      return { ok: false, reason: `invalid JSON: ${clip(e instanceof Error ? e.message : String(e), 120)}` };
    }
    if (!isObject(data)) return { ok: false, reason: `JSON line is ${describeJson(data)}, not an object` };
    this.resolve(data);
    const { values: v, keys: k } = this;
    try {
      const tsMs = toTimestamp(this.required('timestamp'), k[F.timestamp]);
      const ip = toRequiredText(this.required('ip'), k[F.ip]);
      const status = toStatus(this.required('status'), k[F.status]);

      let method: string | null = null;
      let protocol: string | null = null;
      let endpoint: string;
      if (v[F.endpoint] !== undefined) {
        endpoint = toRequiredText(v[F.endpoint], k[F.endpoint]);
        // An endpoint field holding a whole request line (`GET /x HTTP/1.1`) is split too.
        if (endpoint.includes(' ')) {
          const parts = splitRequest(endpoint);
          if (parts.method !== null || parts.protocol !== null) ({ method, endpoint, protocol } = parts);
        }
      } else if (v[F.request] !== undefined) {
        ({ method, endpoint, protocol } = splitRequest(toRequiredText(v[F.request], k[F.request])));
      } else {
        throw new FieldError(missingReason('endpoint', this.candidates[F.endpoint], 'field'));
      }

      if (!isAbsent(v[F.method])) method = toOptionalText(v[F.method], k[F.method]);
      if (!isAbsent(v[F.protocol])) protocol = toOptionalText(v[F.protocol], k[F.protocol]);
      const bytes = toBytes(v[F.bytes], k[F.bytes]);
      const referer = toOptionalText(v[F.referer], k[F.referer]);
      const userAgent = toOptionalText(v[F.userAgent], k[F.userAgent]);
      return { ok: true, entry: { tsMs, ip, method, endpoint, protocol, status, bytes, referer, userAgent } };
    } catch (e) {
      if (e instanceof FieldError) return { ok: false, reason: e.message };
      throw e;
    }
  }
}

export function createJsonlParser(mapping: FieldMapping = {}): LineParser {
  return new JsonlParser(mapping);
}

const AUTO = new JsonlParser({});

/** One JSON line, names found automatically unless a mapping is given. */
export function parseJsonLine(line: string, mapping?: FieldMapping): ParseResult {
  return (mapping === undefined ? AUTO : new JsonlParser(mapping)).parse(line);
}
