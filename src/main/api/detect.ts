import type { Handlers } from './handlers';
import type { Services } from './services';

export function detectHandlers(s: Services): Handlers<'detect' | 'detectBatch'> {
  return {
    detect: async (input) => s.detector.detect(input),
    detectBatch: async (input) => s.detector.detectBatch(input),
  };
}
