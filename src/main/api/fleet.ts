import type { Handlers } from './handlers';
import type { Services } from './services';

type FleetOps = 'fleetConnection' | 'fleetConnect' | 'fleetSaveConnection' | 'fleetAnalyse';

/** Fleet mode: a ClickHouse table as a source (fleet/fleetService.ts does the work). */
export function fleetHandlers(s: Services): Handlers<FleetOps> {
  return {
    fleetConnection: async () => s.fleet.connection(),
    fleetConnect: async (input) => s.fleet.test(input),
    fleetSaveConnection: async (input) => s.fleet.save(input),
    fleetAnalyse: async (input) => s.fleet.analyse(input),
  };
}
