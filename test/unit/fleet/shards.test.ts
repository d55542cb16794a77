import { describe, expect, it } from 'vitest';
import { assertShardedByIp, keyColumns, parseDistributedEngine, sameHttpPort } from '../../../src/main/fleet/shards';

describe('parseDistributedEngine', () => {
  it('reads 18.16’s bare names and current servers’ quoted ones', () => {
    expect(parseDistributedEngine('Distributed(od_fleet, od, logs_local, cityHash64(ip))')).toEqual({
      cluster: 'od_fleet',
      database: 'od',
      table: 'logs_local',
      shardingKey: 'cityHash64(ip)',
    });
    expect(parseDistributedEngine("Distributed('c', 'db', 'we\\'ird', cityHash64(`client ip`), 'policy')")).toEqual({
      cluster: 'c',
      database: 'db',
      table: "we'ird",
      shardingKey: 'cityHash64(`client ip`)',
    });
    expect(parseDistributedEngine('Distributed(c, db, t)').shardingKey).toBeUndefined();
    expect(
      parseDistributedEngine("Distributed(c, db, t, sipHash64(ip, 'a,b')) SETTINGS fsync_after_insert = 0"),
    ).toEqual({ cluster: 'c', database: 'db', table: 't', shardingKey: "sipHash64(ip, 'a,b')" });
  });
  it('refuses other engines and expressions where names belong', () => {
    expect(() => parseDistributedEngine('MergeTree() ORDER BY ts')).toThrow(/not a Distributed/);
    expect(() => parseDistributedEngine('Distributed(c, currentDatabase(), t)')).toThrow(/expression/);
    expect(() => parseDistributedEngine('Distributed(c, db, t, f(x)')).toThrow();
  });
});

describe('keyColumns and assertShardedByIp', () => {
  it('finds the columns a key reads, not its functions or string contents', () => {
    expect(keyColumns('cityHash64(ip)')).toEqual(['ip']);
    expect(keyColumns("intHash32(toUInt32(IPv4StringToNum(`client ip`))) % 7 AND 'host'")).toEqual(['client ip']);
    expect(keyColumns('cityHash64(ip, path)')).toEqual(['ip', 'path']);
    expect(keyColumns('rand()')).toEqual([]);
  });
  const engine = (shardingKey: string | undefined) => ({ cluster: 'c', database: 'd', table: 't', shardingKey });
  it('accepts a key of the IP alone and refuses anything that could split an IP over shards', () => {
    expect(() => assertShardedByIp(engine('cityHash64(ip)'), 'ip')).not.toThrow();
    expect(() => assertShardedByIp(engine('rand()'), 'ip')).toThrow(/sharded by rand\(\)/);
    expect(() => assertShardedByIp(engine(undefined), 'ip')).toThrow(/sharded by nothing/);
    expect(() => assertShardedByIp(engine('cityHash64(ip, ts_ms)'), 'ip')).toThrow(/client IP/);
    expect(() => assertShardedByIp(engine('cityHash64(host)'), 'ip')).toThrow(/client IP/);
  });
});

describe('sameHttpPort', () => {
  it('keeps the entry’s scheme and port, with the replica’s address', () => {
    const replica = { shardNum: 2, replicaNum: 1, hostName: 'b', port: 9000 };
    expect(sameHttpPort('https://ch-1.example:8443/')({ ...replica, hostAddress: '10.0.0.7' })).toBe(
      'https://10.0.0.7:8443/',
    );
    expect(sameHttpPort('http://127.0.0.1:8123')({ ...replica, hostAddress: '::1' })).toBe('http://[::1]:8123/');
  });
});
