/**
 * Copies the write-ahead log into the database file on the second core. With this running, a
 * commit on the main thread only appends to the WAL; it never stops to checkpoint (which is
 * most of the cost of a large ingest batch, and the longest pause a detection could meet).
 * PASSIVE checkpoints never wait for, or block, the writer.
 */
import { resolve } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

interface CheckpointerData {
  dbPath: string;
  intervalMs: number;
}

const { dbPath, intervalMs } = workerData as CheckpointerData;
const binding = process.env.OUTLIER_DESK_SQLITE_BINDING;
const db = new Database(dbPath, { fileMustExist: true, ...(binding ? { nativeBinding: resolve(binding) } : {}) });
db.pragma('busy_timeout = 0');

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or locked by another program: the next tick tries again.
  }
}, intervalMs);

parentPort?.on('message', (msg: unknown) => {
  if (msg !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.postMessage('stopped');
});
