import type { ApiHandlers } from '../../shared/api';
import { configHandlers, type ConfigChanges } from './config';
import { detectHandlers } from './detect';
import { featureHandlers } from './features';
import { fleetHandlers } from './fleet';
import { feedbackHandlers } from './feedback';
import { findingHandlers } from './findings';
import { modelHandlers } from './models';
import type { Services } from './services';
import { sourceHandlers } from './sources';
import { systemHandlers, type SystemHooks } from './system';

export { ConfigChanges } from './config';
export { dispatch, InputError, parseInput, parseStreamQuery } from './dispatch';
export { streamHandlers, type StreamHandlers } from './streams';
export type { Services } from './services';
export type { SystemHooks } from './system';

/** Every operation of the contract, each domain's slice from its module (the type checks none is missing). */
export function apiHandlers(s: Services, changes: ConfigChanges, hooks: SystemHooks): ApiHandlers {
  return {
    ...systemHandlers(s, hooks),
    ...configHandlers(s, changes),
    ...sourceHandlers(s),
    ...featureHandlers(s),
    ...modelHandlers(s),
    ...detectHandlers(s),
    ...findingHandlers(s),
    ...feedbackHandlers(s),
    ...fleetHandlers(s),
  };
}
