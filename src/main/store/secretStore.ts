import { closeSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UnsafeDataError, openOwnFile, writeOwnFile } from './dataDir';

/**
 * Secrets the app must keep but never show (the ClickHouse password): named values kept apart
 * from the settings, which are answered to the UI and written in plain files. Two kinds:
 * - `file` (browser mode): a JSON file in the data folder, mode 0600, replaced by rename only. A
 *   file group or others could read, that another user owns or may write, a link or a special
 *   file is refused (UnsafeDataError): its secret may have been read, or planted.
 * - `safeStorage` (the desktop): the same file, each value encrypted by the OS keychain through
 *   Electron's safeStorage, which src/main/index.ts hands in as a SecretCipher (Electron is
 *   imported there only).
 */
export interface SecretStore {
  readonly kind: 'file' | 'safeStorage';
  get(name: string): string | undefined;
  has(name: string): boolean;
  set(name: string, value: string): void;
  delete(name: string): void;
}

/** What the store needs of Electron's safeStorage (its own method names). */
export interface SecretCipher {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export const SECRETS_FILE = 'secrets.json';
/** A secrets file is small: a bigger one is not read into memory. */
const MAX_SECRETS_BYTES = 1 << 20;

interface SecretsFile {
  version: 1;
  /** `plain` in the file store, `safeStorage` (base64 of the encrypted bytes) in the desktop's. */
  encoding: 'plain' | 'safeStorage';
  values: Record<string, string>;
}

export class FileSecretStore implements SecretStore {
  readonly kind: 'file' | 'safeStorage';
  readonly file: string;

  constructor(
    dataDir: string,
    private readonly cipher?: SecretCipher,
  ) {
    this.file = join(dataDir, SECRETS_FILE);
    this.kind = cipher ? 'safeStorage' : 'file';
    if (cipher && !cipher.isEncryptionAvailable()) {
      throw new Error('the OS keychain is not available to encrypt secrets (safeStorage)');
    }
  }

  get(name: string): string | undefined {
    const stored = this.load()[name];
    if (stored === undefined) return undefined;
    return this.cipher ? this.cipher.decryptString(Buffer.from(stored, 'base64')) : stored;
  }

  has(name: string): boolean {
    return Object.hasOwn(this.load(), name);
  }

  set(name: string, value: string): void {
    const values = { ...this.load() };
    values[name] = this.cipher ? this.cipher.encryptString(value).toString('base64') : value;
    this.save(values);
  }

  delete(name: string): void {
    const values = { ...this.load() };
    if (!Object.hasOwn(values, name)) return;
    delete values[name];
    if (Object.keys(values).length === 0) rmSync(this.file, { force: true });
    else this.save(values);
  }

  private save(values: Record<string, string>): void {
    const content: SecretsFile = { version: 1, encoding: this.cipher ? 'safeStorage' : 'plain', values };
    writeOwnFile(this.file, JSON.stringify(content) + '\n');
  }

  /**
   * Read and checked on every use (nothing is cached), so a file whose mode or owner changed
   * since is refused from then on. A missing file holds nothing.
   */
  private load(): Record<string, string> {
    const file = openOwnFile(this.file);
    if (!file) return {};
    let text: string;
    try {
      if (file.exposed) {
        throw new UnsafeDataError(
          this.file,
          `group or other users can read it (mode ${(file.stats.mode & 0o7777).toString(8).padStart(4, '0')}), so its secrets may have been read`,
          'Remove it and enter the password again (rm the file); the app creates it with mode 0600',
        );
      }
      if (file.stats.size > MAX_SECRETS_BYTES) throw new Error(`${this.file} is larger than a secrets file can be`);
      text = readFileSync(file.fd, 'utf8');
    } finally {
      closeSync(file.fd);
    }
    const parsed = parseSecrets(text, this.file);
    const want = this.cipher ? 'safeStorage' : 'plain';
    if (parsed.encoding !== want) {
      throw new Error(
        `${this.file} holds ${parsed.encoding} secrets, but this store keeps ${want} ones; enter the password again after removing it`,
      );
    }
    return parsed.values;
  }
}

function parseSecrets(text: string, path: string): SecretsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not a secrets file (not JSON)`);
  }
  const o = json as Partial<SecretsFile> | null;
  const ok =
    o !== null &&
    typeof o === 'object' &&
    o.version === 1 &&
    (o.encoding === 'plain' || o.encoding === 'safeStorage') &&
    typeof o.values === 'object' &&
    o.values !== null &&
    Object.values(o.values).every((v) => typeof v === 'string');
  if (!ok) throw new Error(`${path} is not a secrets file of this version`);
  return o as SecretsFile;
}
