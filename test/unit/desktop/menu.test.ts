import { describe, expect, it, vi } from 'vitest';
import { apiDocsUrl, buildMenuTemplate, flattenMenu, type MenuActions } from '../../../src/main/desktop/menu';
import { VIEWS, type View } from '../../../src/shared/views';

function actions() {
  return {
    addFile: vi.fn<() => void>(),
    addFolder: vi.fn<() => void>(),
    showView: vi.fn<(view: View) => void>(),
    openApiDocs: vi.fn<() => void>(),
    openDataFolder: vi.fn<() => void>(),
  } satisfies MenuActions;
}

const build = (platform: NodeJS.Platform, a = actions(), apiDocsAvailable = true) =>
  buildMenuTemplate({ platform, appName: 'Outlier Desk', actions: a, apiDocsAvailable });

describe('application menu', () => {
  it('has File, Edit, View, Window and Help (and the app menu on macOS)', () => {
    expect(build('linux').map((m) => m.label)).toEqual(['&File', '&Edit', '&View', '&Window', '&Help']);
    expect(build('win32').map((m) => m.label)).toEqual(['&File', '&Edit', '&View', '&Window', '&Help']);
    expect(build('darwin').map((m) => m.label)).toEqual([
      'Outlier Desk',
      '&File',
      '&Edit',
      '&View',
      '&Window',
      '&Help',
    ]);
  });

  it('File: Add file…, Add folder… with their shortcuts, and Quit (in the app menu on macOS)', () => {
    const a = actions();
    const items = flattenMenu(build('linux', a));
    const byId = (id: string) => items.find((i) => i.id === id)!;
    expect(byId('add-file')).toMatchObject({ label: 'Add File…', accelerator: 'CmdOrCtrl+O' });
    expect(byId('add-folder')).toMatchObject({ label: 'Add Folder…', accelerator: 'CmdOrCtrl+Shift+O' });
    byId('add-file').click!();
    byId('add-folder').click!();
    byId('data-folder').click!();
    expect(a.addFile).toHaveBeenCalledOnce();
    expect(a.addFolder).toHaveBeenCalledOnce();
    expect(a.openDataFolder).toHaveBeenCalledOnce();
    const file = build('linux')[0].submenu!;
    expect(file[file.length - 1]).toMatchObject({ role: 'quit', accelerator: 'Ctrl+Q' });
    const mac = build('darwin');
    expect(mac[0].submenu!.some((i) => i.role === 'quit')).toBe(true);
    expect(mac[1].submenu!.some((i) => i.role === 'quit')).toBe(false);
  });

  it('Edit has the standard roles', () => {
    const roles = build('linux')[1]
      .submenu!.map((i) => i.role)
      .filter(Boolean);
    expect(roles).toEqual(['undo', 'redo', 'cut', 'copy', 'paste', 'delete', 'selectAll']);
    expect(build('darwin')[2].submenu!.map((i) => i.role)).toContain('pasteAndMatchStyle');
  });

  it('View: the seven views on CmdOrCtrl+1..7, then reload, devtools, zoom and full screen', () => {
    const a = actions();
    const view = build('linux', a)[2].submenu!;
    const views = view.filter((i) => i.id?.startsWith('view-'));
    expect(views.map((i) => [i.label, i.accelerator])).toEqual([
      ['Incidents', 'CmdOrCtrl+1'],
      ['Overview', 'CmdOrCtrl+2'],
      ['Anomalies', 'CmdOrCtrl+3'],
      ['Sources', 'CmdOrCtrl+4'],
      ['Models', 'CmdOrCtrl+5'],
      ['Settings', 'CmdOrCtrl+6'],
      ['Fleet', 'CmdOrCtrl+7'],
    ]);
    views.forEach((i) => i.click!());
    expect(a.showView.mock.calls.map((c) => c[0])).toEqual([...VIEWS]);
    const roles = view.map((i) => i.role).filter(Boolean);
    expect(roles).toEqual(
      expect.arrayContaining([
        'reload',
        'forceReload',
        'toggleDevTools',
        'resetZoom',
        'zoomIn',
        'zoomOut',
        'togglefullscreen',
      ]),
    );
  });

  it('no two items share a shortcut', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const keys = flattenMenu(build(platform))
        .map((i) => i.accelerator)
        .filter(Boolean);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('Help › API Docs opens the loopback docs, and is disabled when the API is off', () => {
    const a = actions();
    const docs = flattenMenu(build('linux', a)).find((i) => i.id === 'api-docs')!;
    expect(docs.enabled).toBe(true);
    docs.click!();
    expect(a.openApiDocs).toHaveBeenCalledOnce();
    expect(flattenMenu(build('linux', a, false)).find((i) => i.id === 'api-docs')!.enabled).toBe(false);
    expect(apiDocsUrl(8765)).toBe('http://127.0.0.1:8765/docs');
  });
});
