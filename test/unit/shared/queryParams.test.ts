import { describe, expect, it } from 'vitest';
import { AnomalyQuerySchema } from '../../../src/shared/schemas/analysis';

describe('query-string parameters of GET /anomalies', () => {
  it('reads onlyFlagged from text, both ways, defaulting to true', () => {
    expect(AnomalyQuerySchema.parse({ onlyFlagged: 'false' }).onlyFlagged).toBe(false);
    expect(AnomalyQuerySchema.parse({ onlyFlagged: 'true' }).onlyFlagged).toBe(true);
    expect(AnomalyQuerySchema.parse({ onlyFlagged: false }).onlyFlagged).toBe(false);
    expect(AnomalyQuerySchema.parse({}).onlyFlagged).toBe(true);
    expect(AnomalyQuerySchema.safeParse({ onlyFlagged: 'maybe' }).success).toBe(false);
  });

  it('coerces numbers and bounds the page size and offset', () => {
    expect(AnomalyQuerySchema.parse({ status: '404', minVotes: '2', offset: '40000', limit: '500' })).toMatchObject({
      status: 404,
      minVotes: 2,
      offset: 40_000,
      limit: 500,
    });
    expect(AnomalyQuerySchema.safeParse({ limit: '100000' }).success).toBe(false);
    expect(AnomalyQuerySchema.safeParse({ offset: '-1' }).success).toBe(false);
  });
});
