import { fleetIncidents } from '../incidents/fleetIncidents';
import type { Handlers } from './handlers';
import type { Services } from './services';

type FleetOps = 'fleetConnection' | 'fleetConnect' | 'fleetSaveConnection' | 'fleetAnalyse';

/**
 * Fleet mode: a ClickHouse table as a source (fleet/fleetService.ts does the work). The analysis's
 * incidents are grouped here, where both fleet/ and incidents/ may be used (neither imports the other).
 */
export function fleetHandlers(s: Services): Handlers<FleetOps> {
  return {
    fleetConnection: async () => s.fleet.connection(),
    fleetConnect: async (input) => s.fleet.test(input),
    fleetSaveConnection: async (input) => s.fleet.save(input),
    fleetAnalyse: async (input) => {
      const analysis = await s.fleet.analyse(input);
      return { ...analysis, incidents: fleetIncidents(analysis.rows, analysis.windowMs) };
    },
  };
}
