/**
 * The renderer addresses routes and shows the contract's fixed values, but never validates with
 * zod: building the contract's schemas took 30–40 ms of Chromium's module evaluation before the
 * first paint. Its code imports the zod-free modules (routes.ts, channels.ts, configValues.ts,
 * sourceValues.ts, fleetValues.ts, views.ts); type imports are free. This walks the runtime
 * imports from the renderer's entry and fails on any module that imports zod.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/serveProcess';

const FROM =
  /(?:import|export)\s+(type\s+)?(\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+\w+))?)\s+from\s+['"]([^'"]+)['"]/g;
/** `import './x'` (side effects only) and `import('./x')`: both load the module at run time. */
const BARE = /import\s*\(?\s*['"]([^'"]+)['"]/g;

/** Module specifiers `file` imports at run time (type-only imports and names left out). */
function runtimeImports(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  const named = [...code.matchAll(FROM)]
    .filter(([, typeOnly, names]) => {
      if (typeOnly) return false;
      if (!names.startsWith('{')) return true;
      const items = names
        .slice(1, -1)
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      return items.some((x) => !x.startsWith('type '));
    })
    .map(([, , , from]) => from);
  return [...named, ...[...code.matchAll(BARE)].map(([, from]) => from)];
}

/** Stylesheets and assets are the bundler's, not modules of code. */
const NOT_CODE = /\.(css|svg|png|woff2?)$/;

function resolveLocal(from: string, spec: string): string | null {
  if (NOT_CODE.test(spec)) return null;
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]) {
    if (existsSync(candidate) && /\.tsx?$/.test(candidate)) return candidate;
  }
  // An import the walk cannot follow would hide whatever it loads: fail rather than skip it.
  throw new Error(`${relative(ROOT, from)}: cannot resolve ${spec}`);
}

/** Files reached at run time from `entry` that import zod themselves, as paths from the root. */
function zodImporters(entry: string): { reached: number; importers: string[] } {
  const seen = new Set<string>();
  const importers: string[] = [];
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of runtimeImports(file)) {
      if (spec === 'zod' || spec.startsWith('zod/')) importers.push(relative(ROOT, file));
      else if (spec.startsWith('.')) {
        const next = resolveLocal(file, spec);
        if (next) queue.push(next);
      }
    }
  }
  return { reached: seen.size, importers };
}

describe('the renderer is zod-free at run time', () => {
  it('reaches no module that imports zod from its entry', () => {
    const { reached, importers } = zodImporters(join(ROOT, 'src/renderer/src/main.tsx'));
    expect(reached).toBeGreaterThan(20);
    expect(importers).toEqual([]);
  });

  it('would notice: the contract itself reaches zod', () => {
    expect(zodImporters(join(ROOT, 'src/shared/api.ts')).importers).toContain('src/shared/api.ts');
    expect(zodImporters(join(ROOT, 'src/shared/schemas/fleet.ts')).importers.length).toBeGreaterThan(0);
  });
});
