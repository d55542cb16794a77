import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';

/**
 * A real ClickHouse cluster for the tests: N `clickhouse-server` processes (Debian's package,
 * 18.16) on free loopback ports, each with its own config and data folder under the temp dir,
 * one `remote_servers` cluster of N single-replica shards, and three users: `default` (loopback,
 * for setting up and loading), `reader` (readonly = 1, what fleet mode is given) and `analyst`
 * (readonly = 1 with a password, ANALYST_PASSWORD). `.ci/run`
 * installs the package; without it the tests that need a cluster are skipped with the reason.
 */

export const CLICKHOUSE_SERVER = process.env.OD_CLICKHOUSE_SERVER ?? '/usr/sbin/clickhouse-server';
export const CLUSTER_NAME = 'od_fleet';

/** Why the cluster cannot run here, or undefined when it can. */
export function clusterUnavailable(): string | undefined {
  try {
    accessSync(CLICKHOUSE_SERVER, constants.X_OK);
    return undefined;
  } catch {
    return `${CLICKHOUSE_SERVER} is not installed (Debian: apt-get install clickhouse-server; .ci/run does)`;
  }
}

export interface ClusterNode {
  shardNum: number;
  httpPort: number;
  tcpPort: number;
  url: string;
  dir: string;
}

export interface TestCluster {
  name: string;
  nodes: ClusterNode[];
  /** A client of node k as `default` (may write) or `reader` (readonly = 1). */
  client(k: number, user?: 'default' | 'reader'): ClickHouseClient;
  /** Node URL by the native port system.clusters names. */
  urlForTcpPort(port: number): string;
  /** Milliseconds from spawning the servers until every one answered /ping. */
  startMs: number;
  stop(): Promise<void>;
}

const QUIET = { level: ClickHouseLogLevel.OFF };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function configXml(node: ClusterNode, all: readonly ClusterNode[]): string {
  const shards = all
    .map((n) => `<shard><replica><host>127.0.0.1</host><port>${n.tcpPort}</port></replica></shard>`)
    .join('');
  const d = node.dir;
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${d}/server.log</log><errorlog>${d}/server.err.log</errorlog><console>0</console></logger>
  <http_port>${node.httpPort}</http_port>
  <tcp_port>${node.tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${d}/data/</path>
  <tmp_path>${d}/data/tmp/</tmp_path>
  <user_files_path>${d}/data/user_files/</user_files_path>
  <format_schema_path>${d}/data/format_schemas/</format_schema_path>
  <users_config>${d}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <max_concurrent_queries>20</max_concurrent_queries>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <timezone>UTC</timezone>
  <remote_servers><${CLUSTER_NAME}>${shards}</${CLUSTER_NAME}></remote_servers>
</yandex>
`;
}

/** The password of `analyst`, a readonly = 1 user with a password (fleet mode's secret store). */
export const ANALYST_PASSWORD = 'od-analyst-Pw-6d1f9';

/** Per-query memory limit of both profiles unless the caller asks for more (the 50M bench does). */
const DEFAULT_MAX_MEMORY = 1_000_000_000;

const usersXml = (maxMemory: number): string => `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default><max_memory_usage>${maxMemory}</max_memory_usage></default>
    <reader><max_memory_usage>${maxMemory}</max_memory_usage><readonly>1</readonly></reader>
  </profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default>
    <reader><password></password><networks><ip>127.0.0.1</ip></networks><profile>reader</profile><quota>default</quota></reader>
    <analyst><password>${ANALYST_PASSWORD}</password><networks><ip>127.0.0.1</ip></networks><profile>reader</profile><quota>default</quota></analyst>
  </users>
  <quotas><default></default></quotas>
</yandex>
`;

function errorTail(node: ClusterNode): string {
  for (const f of ['server.err.log', 'stderr.log']) {
    try {
      const text = readFileSync(join(node.dir, f), 'utf8').trim();
      if (text) return text.split('\n').slice(-5).join('\n');
    } catch {
      // not written
    }
  }
  return '(no log)';
}

/** Resolves when /ping answers, rejects when the process exits first or after `limitMs`. */
async function waitReady(node: ClusterNode, proc: ChildProcess, limitMs: number): Promise<void> {
  const until = Date.now() + limitMs;
  let exited: string | undefined;
  proc.once('exit', (code, signal) => (exited = `exited (${code ?? signal})`));
  for (;;) {
    if (exited) throw new Error(`clickhouse-server on ${node.httpPort} ${exited}: ${errorTail(node)}`);
    try {
      const r = await fetch(`${node.url}/ping`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`clickhouse-server on ${node.httpPort} did not answer: ${errorTail(node)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function startOnce(shards: number, opts: ClusterOptions): Promise<TestCluster> {
  const root = mkdtempSync(join(tmpdir(), 'od-ch-cluster-'));
  const nodes: ClusterNode[] = [];
  for (let k = 0; k < shards; k++) {
    const httpPort = await freePort();
    const tcpPort = await freePort();
    const dir = join(root, `shard${k + 1}`);
    mkdirSync(join(dir, 'data'), { recursive: true });
    nodes.push({ shardNum: k + 1, httpPort, tcpPort, url: `http://127.0.0.1:${httpPort}`, dir });
  }
  if (new Set(nodes.flatMap((n) => [n.httpPort, n.tcpPort])).size !== 2 * shards) {
    rmSync(root, { recursive: true, force: true });
    throw new Error('port collision');
  }
  for (const n of nodes) {
    writeFileSync(join(n.dir, 'config.xml'), configXml(n, nodes));
    writeFileSync(join(n.dir, 'users.xml'), usersXml(opts.maxMemoryBytes ?? DEFAULT_MAX_MEMORY));
  }
  const t0 = performance.now();
  const procs = nodes.map((n) =>
    spawn(CLICKHOUSE_SERVER, [`--config-file=${join(n.dir, 'config.xml')}`], { cwd: n.dir, stdio: 'ignore' }),
  );
  // If the test process dies without stop(), the servers must not outlive it.
  const killAll = (): void => procs.forEach((p) => p.kill('SIGKILL'));
  process.once('exit', killAll);
  const clients: ClickHouseClient[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.all(procs.map(stopProcess));
    process.removeListener('exit', killAll);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await Promise.all(nodes.map((n, k) => waitReady(n, procs[k], 60_000)));
  } catch (e) {
    await stop();
    throw e;
  }
  const startMs = performance.now() - t0;
  return {
    name: CLUSTER_NAME,
    nodes,
    startMs,
    client(k, user = 'default') {
      const c = createClient({ url: nodes[k].url, username: user, password: '', log: QUIET });
      clients.push(c);
      return c;
    },
    urlForTcpPort(port) {
      const n = nodes.find((x) => x.tcpPort === port);
      if (!n) throw new Error(`no node has native port ${port}`);
      return n.url;
    },
    stop,
  };
}

export interface ClusterOptions {
  /** max_memory_usage of every query, bytes (default 1 GB). */
  maxMemoryBytes?: number;
}

/** Starts the cluster; a port taken between choosing and binding is retried with new ports. */
export async function startCluster(shards = 2, opts: ClusterOptions = {}): Promise<TestCluster> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(shards, opts);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}
