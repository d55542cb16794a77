/** A source's kinds and statuses, kept free of zod for the renderer (schemas/sources.ts builds on them). */
export const SOURCE_KINDS = ['file', 'folder', 'upload', 'api', 'sample'] as const;
export const SOURCE_STATUSES = ['pending', 'ingesting', 'watching', 'paused', 'done', 'error', 'missing'] as const;
