import { ClickHouseSource, type ClusterReplica, type FleetFeatureOptions } from './clickhouseSource';
import type { FleetColumns, FleetTable } from './clickhouseSql';
import type { CompiledForest } from './iforestSql';
import type { FleetFeatureRow, FleetScoredRow } from './clickhouseSource';
import { mergeStreams } from './streams';

/**
 * Shard-local execution on a Distributed table: the window features (and the forest's scores)
 * are computed by each shard on its own local table and streamed back side by side.
 *
 * Why this is exact: a row's window holds only rows of the same client IP, so when the table is
 * sharded by a function of the IP alone (`cityHash64(ip)`), every window lies inside one shard,
 * and the union of the shards' answers is the answer over the whole table. The sharding key is
 * read from the Distributed engine and refused when it reads any other column (or none).
 *
 * Why each shard is queried directly, rather than through the Distributed table:
 * - Through the Distributed table a shard runs only the innermost SELECT over it (reading and
 *   filtering, at most a partial GROUP BY); the sweep per IP (GROUP BY, sort, running sums) or
 *   the window functions run on the node that was asked, over every shard's rows.
 * - `distributed_group_by_no_merge = 1` would make each shard finish its GROUP BY itself, but it
 *   is a setting, and a readonly = 1 user may change none; `remote()` / `cluster()` table
 *   functions are refused in readonly mode too (18.16 says so); `_shard_num` and
 *   `optimize_distributed_group_by_sharding_key` came years after 18.16.
 * So the client asks the entry node for the engine (system.tables.engine_full) and the shards
 * (system.clusters), connects to one replica of each shard over HTTP, checks that the server it
 * reached is that shard (system.clusters.is_local), and runs the same query there on the local
 * table. It needs nothing but SELECT on system.tables, system.clusters and the tables.
 * system.clusters names the native TCP port only; the HTTP address is the caller's `connect`
 * (default: the replica's address with the entry's HTTP port, as in a cluster whose nodes share
 * one configuration).
 */

export interface FleetShard {
  /** e.g. "shard 2 (10.0.0.7)" */
  label: string;
  source: ClickHouseSource;
  /** The shard's local table, with the mapped columns' types. */
  table: FleetTable;
}

export interface DistributedEngine {
  cluster: string;
  database: string;
  table: string;
  /** The sharding key expression as written, if any. */
  shardingKey: string | undefined;
}

/** Splits a comma-separated argument list at the top level (not inside (), [], quotes). */
function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      cur += ch;
      if (ch === '\\' && i + 1 < text.length) cur += text[++i];
      else if (ch === quote) quote = '';
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (quote || depth !== 0) throw new Error(`unbalanced engine arguments: ${text}`);
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** A name argument: bare, 'quoted' or `quoted` (18.16 writes them bare, current servers quoted). */
function nameArg(arg: string | undefined, what: string): string {
  if (arg === undefined) throw new Error(`Distributed engine without ${what}`);
  const m = /^(['`"])((?:[^\\]|\\.)*)\1$/.exec(arg);
  if (m) return m[2].replace(/\\(.)/g, '$1');
  if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(arg)) return arg;
  throw new Error(`Distributed engine's ${what} is an expression (${arg}); name it plainly`);
}

/** `Distributed(cluster, database, table[, sharding_key[, policy]])` from system.tables.engine_full. */
export function parseDistributedEngine(engineFull: string): DistributedEngine {
  const m = /^\s*Distributed\s*\(([\s\S]*)\)\s*(?:SETTINGS[\s\S]*)?$/.exec(engineFull);
  if (!m) throw new Error(`not a Distributed engine: ${engineFull}`);
  const args = splitArgs(m[1]);
  return {
    cluster: nameArg(args[0], 'cluster'),
    database: nameArg(args[1], 'database'),
    table: nameArg(args[2], 'table'),
    shardingKey: args[3],
  };
}

const NOT_COLUMNS = new Set(['and', 'or', 'not', 'null', 'true', 'false']);

/** Column names a sharding key reads: identifiers that are not called as functions. */
export function keyColumns(expr: string): string[] {
  const names = new Set<string>();
  const stripped = expr.replace(/'(?:[^'\\]|\\.)*'/g, "''");
  const re = /`((?:[^`\\]|\\.)*)`|"((?:[^"\\]|\\.)*)"|([A-Za-z_][A-Za-z0-9_]*)(\s*\()?/g;
  for (let m = re.exec(stripped); m; m = re.exec(stripped)) {
    if (m[1] !== undefined) names.add(m[1].replace(/\\(.)/g, '$1'));
    else if (m[2] !== undefined) names.add(m[2].replace(/\\(.)/g, '$1'));
    else if (m[4] === undefined && !NOT_COLUMNS.has(m[3].toLowerCase())) names.add(m[3]);
  }
  return [...names];
}

/** Throws unless the key reads the client IP column and nothing else. */
export function assertShardedByIp(engine: DistributedEngine, ipColumn: string): void {
  const key = engine.shardingKey;
  const cols = key === undefined ? [] : keyColumns(key);
  if (cols.length !== 1 || cols[0] !== ipColumn) {
    throw new Error(
      `the Distributed table is sharded by ${key ?? 'nothing'}; shard-local features need a key of the client IP ` +
        `column ${ipColumn} alone (e.g. cityHash64(${ipColumn})), so that each IP's window lies on one shard`,
    );
  }
}

export interface DiscoverOptions {
  database: string;
  table: string;
  columns: FleetColumns;
  /** How to reach a replica over HTTP. */
  connect: (replica: ClusterReplica) => ClickHouseSource;
}

/** The entry's URL with another host: a cluster whose nodes share one HTTP port. */
export function sameHttpPort(entryUrl: string): (replica: ClusterReplica) => string {
  return (replica) => {
    const u = new URL(entryUrl);
    u.hostname = replica.hostAddress.includes(':') ? `[${replica.hostAddress}]` : replica.hostAddress;
    return u.toString();
  };
}

/**
 * The shards to query for `database.table`: itself when it is not Distributed (one shard, the
 * entry), else one verified replica of each shard of its cluster with the local table.
 */
export async function discoverShards(entry: ClickHouseSource, opts: DiscoverOptions): Promise<FleetShard[]> {
  const { engine, engineFull } = await entry.tableEngine(opts.database, opts.table);
  if (engine !== 'Distributed') {
    return [
      {
        label: 'single table',
        source: entry,
        table: await entry.describeTable(opts.database, opts.table, opts.columns),
      },
    ];
  }
  const dist = parseDistributedEngine(engineFull);
  assertShardedByIp(dist, opts.columns.ip);
  const replicas = await entry.clusterReplicas(dist.cluster);
  if (replicas.length === 0) throw new Error(`cluster ${dist.cluster} is not in system.clusters`);
  const byShard = new Map<number, ClusterReplica[]>();
  for (const r of replicas) byShard.set(r.shardNum, [...(byShard.get(r.shardNum) ?? []), r]);
  const shards: FleetShard[] = [];
  for (const [shardNum, list] of byShard) {
    const errors: string[] = [];
    let found: FleetShard | undefined;
    for (const replica of list) {
      const label = `shard ${shardNum} (${replica.hostName}:${replica.port})`;
      const source = opts.connect(replica);
      try {
        const local = await source.localShards(dist.cluster);
        if (!local.includes(shardNum)) {
          throw new Error(`the server reached for ${label} is shard ${local.join(', ') || 'none'} of ${dist.cluster}`);
        }
        found = { label, source, table: await source.describeTable(dist.database, dist.table, opts.columns) };
        break;
      } catch (e) {
        errors.push(`${label}: ${(e as Error).message}`);
        await source.close();
      }
    }
    if (!found) throw new Error(`no replica of shard ${shardNum} answered: ${errors.join('; ')}`);
    shards.push(found);
  }
  return shards;
}

/** Every shard's feature rows, computed on the shard, as they stream in (no set order). */
export function shardedFeatures(
  shards: readonly FleetShard[],
  opts: FleetFeatureOptions,
): AsyncGenerator<FleetFeatureRow[], void, void> {
  return mergeStreams(
    shards.map((s) => (signal: AbortSignal) => s.source.features(s.table, { ...opts, signal })),
    opts.signal,
  );
}

/** Every shard's rows scored by the forest on the shard (features, path total, score, flag). */
export function shardedScores(
  shards: readonly FleetShard[],
  forest: CompiledForest,
  opts: FleetFeatureOptions,
): AsyncGenerator<FleetScoredRow[], void, void> {
  return mergeStreams(
    shards.map((s) => (signal: AbortSignal) => s.source.scoredFeatures(s.table, forest, { ...opts, signal })),
    opts.signal,
  );
}
