import { describe, expect, it } from 'vitest';
import { runLoadCommand } from '../../../src/main/fleet/loadCommand';
import { createLogTableSql } from '../../../src/main/fleet/logLoader';

describe('fleet:load arguments', () => {
  it('refuses a command line without a target or with both or neither inputs, before connecting', async () => {
    await expect(runLoadCommand([])).rejects.toThrow(/--url and --table are required/);
    await expect(runLoadCommand(['--url', 'http://127.0.0.1:1', '--table', 't'])).rejects.toThrow(
      /one FILE or --generate/,
    );
    await expect(
      runLoadCommand(['--url', 'http://127.0.0.1:1', '--table', 't', 'a.log', '--generate', '10']),
    ).rejects.toThrow(/one FILE or --generate/);
    await expect(runLoadCommand(['--url', 'http://127.0.0.1:1', '--table', 't', '--generate', '1.5'])).rejects.toThrow(
      /whole number/,
    );
    await expect(runLoadCommand(['--url', 'http://127.0.0.1:1', '--table', 't', '--bogus'])).rejects.toThrow(/bogus/);
  });
});

describe('createLogTableSql', () => {
  it('quotes the names and takes the engine as given', () => {
    const sql = createLogTableSql('d`b', 'logs', 'Distributed(c, d, logs_local, cityHash64(ip))');
    expect(sql).toMatch(/^CREATE TABLE IF NOT EXISTS `d\\`b`\.`logs` \(/);
    expect(sql).toMatch(/seq UInt64\n\) ENGINE = Distributed\(c, d, logs_local, cityHash64\(ip\)\)$/);
  });
});
