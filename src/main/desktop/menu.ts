import { VIEWS, VIEW_LABELS, type View } from '../../shared/views';

/**
 * The application menu as data. Electron-free: the shell (src/main/index.ts) passes the result to
 * Menu.buildFromTemplate, which takes these objects as they are (they are a subset of Electron's
 * MenuItemConstructorOptions), so the template can be unit-tested without Electron.
 */

/** The roles this menu uses: each is one of Electron's MenuItem roles. */
export type MenuRole =
  | 'about'
  | 'services'
  | 'hide'
  | 'hideOthers'
  | 'unhide'
  | 'quit'
  | 'close'
  | 'undo'
  | 'redo'
  | 'cut'
  | 'copy'
  | 'paste'
  | 'pasteAndMatchStyle'
  | 'delete'
  | 'selectAll'
  | 'reload'
  | 'forceReload'
  | 'toggleDevTools'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen'
  | 'minimize'
  | 'zoom'
  | 'front'
  | 'window'
  | 'help';

export interface MenuItemSpec {
  id?: string;
  label?: string;
  role?: MenuRole;
  type?: 'normal' | 'separator' | 'submenu';
  accelerator?: string;
  enabled?: boolean;
  submenu?: MenuItemSpec[];
  click?: () => void;
}

export interface MenuActions {
  addFile(): void;
  addFolder(): void;
  showView(view: View): void;
  openApiDocs(): void;
  openDataFolder(): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  appName: string;
  actions: MenuActions;
  /** The loopback API is off: Help › API docs is disabled. */
  apiDocsAvailable: boolean;
}

const separator: MenuItemSpec = { type: 'separator' };

/** File, Edit, View, Window and Help with the usual shortcuts (plus the app menu on macOS). */
export function buildMenuTemplate({ platform, appName, actions, apiDocsAvailable }: MenuOptions): MenuItemSpec[] {
  const mac = platform === 'darwin';
  const appMenu: MenuItemSpec[] = mac
    ? [
        {
          label: appName,
          submenu: [
            { role: 'about' },
            separator,
            { role: 'services' },
            separator,
            { role: 'hide' },
            { role: 'hideOthers' },
            { role: 'unhide' },
            separator,
            { role: 'quit' },
          ],
        },
      ]
    : [];
  const file: MenuItemSpec = {
    label: '&File',
    submenu: [
      { id: 'add-file', label: 'Add File…', accelerator: 'CmdOrCtrl+O', click: () => actions.addFile() },
      { id: 'add-folder', label: 'Add Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.addFolder() },
      separator,
      { id: 'data-folder', label: 'Show Data Folder', click: () => actions.openDataFolder() },
      separator,
      // macOS keeps Quit in the app menu; Close Window is what File offers there.
      mac ? { role: 'close' } : { role: 'quit', label: 'Quit', accelerator: 'Ctrl+Q' },
    ],
  };
  const edit: MenuItemSpec = {
    label: '&Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      separator,
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      ...(mac ? [{ role: 'pasteAndMatchStyle' } as MenuItemSpec] : []),
      { role: 'delete' },
      separator,
      { role: 'selectAll' },
    ],
  };
  const view: MenuItemSpec = {
    label: '&View',
    submenu: [
      ...VIEWS.map((v, i): MenuItemSpec => ({
        id: `view-${v}`,
        label: VIEW_LABELS[v],
        accelerator: `CmdOrCtrl+${i + 1}`,
        click: () => actions.showView(v),
      })),
      separator,
      { role: 'reload' },
      { role: 'forceReload' },
      { role: 'toggleDevTools' },
      separator,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      separator,
      { role: 'togglefullscreen' },
    ],
  };
  const windowMenu: MenuItemSpec = {
    label: '&Window',
    role: 'window',
    submenu: mac
      ? [{ role: 'minimize' }, { role: 'zoom' }, separator, { role: 'front' }]
      : [{ role: 'minimize' }, { role: 'close' }],
  };
  const help: MenuItemSpec = {
    label: '&Help',
    role: 'help',
    submenu: [
      {
        id: 'api-docs',
        label: 'API Docs',
        enabled: apiDocsAvailable,
        click: () => actions.openApiDocs(),
      },
    ],
  };
  return [...appMenu, file, edit, view, windowMenu, help];
}

/** Where Help › API docs points: the loopback API's interactive docs (they need no token). */
export function apiDocsUrl(port: number): string {
  return `http://127.0.0.1:${port}/docs`;
}

/** Every item of a template, depth first (tests and lookups by id). */
export function flattenMenu(items: MenuItemSpec[]): MenuItemSpec[] {
  return items.flatMap((i) => [i, ...flattenMenu(i.submenu ?? [])]);
}
