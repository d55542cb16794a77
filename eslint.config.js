import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

/**
 * The main process's layers (ARCHITECTURE.md): each module of src/main and the modules it may
 * import. Anything else of src/main is refused by no-restricted-imports, so an import that points
 * up or sideways fails `npm run lint` (test/unit/architecture/layers.test.ts proves each rule bites).
 */
/** What the operations (api/) and the composition root build on: the services and everything under them. */
const SERVICES = [
  'incidents',
  'models',
  'queries',
  'search',
  'ingest',
  'features',
  'feedback',
  'fleet',
  'store',
  'events.ts',
  'logger.ts',
];

export const MAIN_LAYERS = {
  'index.ts': '*',
  'serve.ts': '*',
  desktop: [],
  ipc: ['engine.ts', 'api'],
  http: ['engine.ts', 'api', 'store', 'logger.ts'],
  'engine.ts': ['api', ...SERVICES],
  api: SERVICES,
  incidents: ['search', 'ingest', 'features', 'feedback', 'store'],
  models: ['ingest', 'features', 'feedback', 'detectors', 'store', 'events.ts', 'logger.ts'],
  queries: ['search', 'ingest', 'features', 'feedback', 'store'],
  search: ['store', 'logger.ts'],
  fleet: ['ingest', 'features', 'detectors', 'store', 'logger.ts'],
  ingest: ['store', 'events.ts', 'logger.ts'],
  features: ['detectors', 'store', 'events.ts', 'logger.ts'],
  feedback: ['store'],
  detectors: [],
  store: [],
  'events.ts': [],
  'logger.ts': [],
  'paths.ts': [],
};
/** Only the desktop shell and the IPC bridge touch Electron; the detectors touch no I/O at all. */
const ELECTRON_MODULES = ['index.ts', 'ipc'];
const PURE_MODULES = { detectors: ['better-sqlite3', 'node:fs', 'node:child_process', 'node:net'] };

function mainLayerRules() {
  const names = Object.keys(MAIN_LAYERS);
  const strip = (m) => m.replace(/\.ts$/, '');
  return names.flatMap((module) => {
    const allowed = MAIN_LAYERS[module];
    const refused = allowed === '*' ? [] : names.filter((n) => n !== module && !allowed.includes(n));
    const extra = [...(ELECTRON_MODULES.includes(module) ? [] : ['electron']), ...(PURE_MODULES[module] ?? [])];
    const rule = (up) => [
      'error',
      {
        patterns: [
          ...(refused.length
            ? [
                {
                  group: refused.flatMap((n) => [`${up}${strip(n)}`, `${up}${strip(n)}/**`]),
                  message: `src/main/${module} may import only ${allowed.join(', ') || 'nothing else of src/main'} (see ARCHITECTURE.md).`,
                },
              ]
            : []),
          ...(extra.length ? [{ group: extra, message: `src/main/${module} may not use this module.` }] : []),
        ],
      },
    ];
    // A file's relative imports start with ./ at the top of src/main, ../ one folder down, ../../ two.
    return module.endsWith('.ts')
      ? [{ files: [`src/main/${module}`], rules: { 'no-restricted-imports': rule('./') } }]
      : [
          { files: [`src/main/${module}/*.ts`], rules: { 'no-restricted-imports': rule('../') } },
          { files: [`src/main/${module}/*/*.ts`], rules: { 'no-restricted-imports': rule('../../') } },
        ];
  });
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'native-electron/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    // The contract and the renderer must not reach into the main process.
    files: ['src/shared/**/*.ts', 'src/renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['**/main/**', '**/preload/**', 'electron', 'better-sqlite3', 'node:*'] },
      ],
    },
  },
  ...mainLayerRules(),
);
