/** The fleet form's fixed values, kept free of zod for the renderer (schemas/fleet.ts builds on them). */
/** The columns a fleet table maps to. */
export const FLEET_ROLES = ['timestamp', 'ip', 'status', 'arrival', 'method', 'path', 'bytes', 'userAgent'] as const;
export type FleetRole = (typeof FLEET_ROLES)[number];

export const FLEET_LIMITS = {
  topRows: { min: 1, max: 10_000, default: 200 },
  sampleRows: { min: 100, max: 200_000, default: 20_000 },
  strata: { min: 1, max: 4_096, default: 64 },
} as const;
