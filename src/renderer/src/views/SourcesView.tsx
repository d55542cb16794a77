import { useEffect, useState, type FormEvent } from 'react';
import { EmptyState } from '../components/EmptyState';
import { fmtBytes, fmtInt } from '../components/format';
import { api, attempt } from '../store/appStore';
import { useSources } from '../store/sourcesStore';

export function SourcesView() {
  const { sources, loaded, refresh } = useSources();
  const [path, setPath] = useState('');
  useEffect(() => void refresh(), [refresh]);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!path.trim()) return;
    if (await attempt('Adding the source', () => api().addSource({ path: path.trim() }))) setPath('');
    await refresh();
  };

  return (
    <section>
      <form className="row" onSubmit={add}>
        <label htmlFor="source-path">File or folder</label>
        <input
          id="source-path"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          placeholder="/var/log/nginx/access.log"
        />
        <button type="submit">Add</button>
      </form>
      <div className="dropzone" aria-label="Drop log files here">
        Drop log files anywhere on this window to add them.
      </div>
      {loaded && sources.length === 0 ? (
        <EmptyState title="No sources yet">
          <p>Add a file or folder above, drop a log file onto the window, or generate sample data.</p>
        </EmptyState>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th>Path</th>
              <th>Kind</th>
              <th>Format</th>
              <th>Lines</th>
              <th>Errors</th>
              <th>Progress</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {sources.map((s) => (
              <tr key={s.id}>
                <td className="mono">{s.path}</td>
                <td>{s.kind}</td>
                <td>{s.format}</td>
                <td>{fmtInt(s.lines)}</td>
                <td>{fmtInt(s.parseErrors)}</td>
                <td>
                  <progress max={Math.max(1, s.bytesTotal)} value={s.bytesDone} /> {fmtBytes(s.bytesDone)} /{' '}
                  {fmtBytes(s.bytesTotal)}
                </td>
                <td>{s.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
