import { beforeAll, describe, expect, it, vi } from 'vitest';
import { OPERATION_NAMES } from '../../../src/shared/channels';
import type { DesktopBridge } from '../../../src/shared/bridge';

const exposed = new Map<string, unknown>();
const invoke = vi.fn(async (channel: string, input: unknown) => {
  if (channel === 'outlier-desk:getLog') return { ok: false, status: 404, message: 'log 7 does not exist' };
  return { ok: true, value: { channel, input } };
});
const listeners = new Map<string, (...args: unknown[]) => void>();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
  ipcRenderer: {
    invoke: (channel: string, input: unknown) => invoke(channel, input),
    on: (channel: string, l: (...args: unknown[]) => void) => listeners.set(channel, l),
    removeListener: (channel: string) => listeners.delete(channel),
  },
  webUtils: { getPathForFile: (f: { name: string }) => `/dropped/${f.name}` },
}));

describe('preload bridge', () => {
  let bridge: DesktopBridge;
  beforeAll(async () => {
    await import('../../../src/preload/index');
    bridge = exposed.get('outlierDesk') as DesktopBridge;
  });

  it('exposes only the bridge and the operation list', () => {
    expect([...exposed.keys()].sort()).toEqual(['outlierDesk', 'outlierDeskOperations']);
    expect(exposed.get('outlierDeskOperations')).toEqual([...OPERATION_NAMES]);
  });

  it('maps every contract operation onto its own invoke channel', async () => {
    for (const name of OPERATION_NAMES.filter((n) => n !== 'getLog')) {
      const res = await bridge.call(name, { probe: name });
      expect(res).toEqual({ channel: `outlier-desk:${name}`, input: { probe: name } });
    }
    expect(invoke).toHaveBeenCalledTimes(OPERATION_NAMES.length - 1);
  }, 10_000);

  it('refuses an unknown operation without touching IPC', async () => {
    invoke.mockClear();
    await expect(bridge.call('deleteEverything' as never, {})).rejects.toThrow(/Unknown operation/);
    expect(invoke).not.toHaveBeenCalled();
  });

  it('turns an error envelope into a thrown error with its status', async () => {
    await expect(bridge.call('getLog', { id: 7 })).rejects.toMatchObject({
      message: 'log 7 does not exist',
      status: 404,
    });
  });

  it('relays events and getPathForFile', () => {
    const got: unknown[] = [];
    const off = bridge.onEvent((e) => got.push(e));
    listeners.get('outlier-desk:event')!({}, { type: 'model-swapped', version: 3 });
    off();
    expect(listeners.has('outlier-desk:event')).toBe(false);
    expect(got).toEqual([{ type: 'model-swapped', version: 3 }]);
    expect(bridge.getPathForFile({ name: 'access.log' } as File)).toBe('/dropped/access.log');
  });
});
