/**
 * The secret store (store/secretStore.ts): the file kept 0600 and replaced by rename, a file
 * others could read or that another user owns refused rather than trusted, and the safeStorage
 * kind keeping only ciphertext on disk. Tests run as root: chown to OTHER_UID stands in for a
 * second local user.
 */
import { chmodSync, chownSync, existsSync, lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnsafeDataError } from '../../../src/main/store/dataDir';
import { FileSecretStore, SECRETS_FILE, type SecretCipher } from '../../../src/main/store/secretStore';
import { tempDir } from '../../helpers/tmp';

const SECRET = 'pw-unit-Secret-42!';
const OTHER_UID = 12345;
const asRoot = process.getuid?.() === 0;
const modeOf = (path: string) => lstatSync(path).mode & 0o777;

/** A stand-in for Electron's safeStorage: reversible, and never the plain text. */
const cipher: SecretCipher = {
  isEncryptionAvailable: () => true,
  encryptString: (plain) => Buffer.from([...Buffer.from(plain, 'utf8')].map((b) => b ^ 0x5a)),
  decryptString: (enc) => Buffer.from([...enc].map((b) => b ^ 0x5a)).toString('utf8'),
};

describe('FileSecretStore', () => {
  let dir: string;
  let cleanup: () => void;
  let file: string;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    chmodSync(dir, 0o700);
    file = join(dir, SECRETS_FILE);
  });
  afterEach(() => cleanup());

  it('keeps a secret in a 0600 file and reads it back in a new store', () => {
    const store = new FileSecretStore(dir);
    expect(store.kind).toBe('file');
    expect(store.get('a')).toBeUndefined();
    expect(existsSync(file)).toBe(false);
    store.set('a', SECRET);
    expect(modeOf(file)).toBe(0o600);
    expect(new FileSecretStore(dir).get('a')).toBe(SECRET);
    expect(new FileSecretStore(dir).has('a')).toBe(true);
  });

  it('forgets a secret; the file goes with the last one', () => {
    const store = new FileSecretStore(dir);
    store.set('a', SECRET);
    store.set('b', 'other');
    store.delete('a');
    expect(new FileSecretStore(dir).get('a')).toBeUndefined();
    expect(readFileSync(file, 'utf8')).not.toContain(SECRET);
    store.delete('b');
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a planted world-readable file, and does not read or adopt its secret', () => {
    writeFileSync(file, JSON.stringify({ version: 1, encoding: 'plain', values: { a: 'planted' } }), { mode: 0o644 });
    chmodSync(file, 0o644);
    const store = new FileSecretStore(dir);
    expect(() => store.get('a')).toThrow(UnsafeDataError);
    expect(() => store.get('a')).toThrow(/group or other users can read it \(mode 0644\)/);
    expect(() => store.set('a', SECRET)).toThrow(UnsafeDataError);
    expect(readFileSync(file, 'utf8')).toContain('planted');
  });

  it('refuses a group-readable file too', () => {
    new FileSecretStore(dir).set('a', SECRET);
    chmodSync(file, 0o640);
    expect(() => new FileSecretStore(dir).get('a')).toThrow(UnsafeDataError);
  });

  it.runIf(asRoot)('refuses a file another user owns', () => {
    new FileSecretStore(dir).set('a', SECRET);
    chownSync(file, OTHER_UID, OTHER_UID);
    expect(() => new FileSecretStore(dir).get('a')).toThrow(/belongs to uid 12345/);
  });

  it('refuses a symbolic link in its place', () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, JSON.stringify({ version: 1, encoding: 'plain', values: {} }), { mode: 0o600 });
    symlinkSync(victim, file);
    expect(() => new FileSecretStore(dir).get('a')).toThrow(/symbolic link/);
  });

  it('refuses a file that is not a secrets file', () => {
    writeFileSync(file, 'not json', { mode: 0o600 });
    expect(() => new FileSecretStore(dir).get('a')).toThrow(/not a secrets file/);
  });

  it('with a cipher (safeStorage), only ciphertext reaches the disk', () => {
    const store = new FileSecretStore(dir, cipher);
    expect(store.kind).toBe('safeStorage');
    store.set('a', SECRET);
    expect(readFileSync(file, 'utf8')).not.toContain(SECRET);
    expect(modeOf(file)).toBe(0o600);
    expect(new FileSecretStore(dir, cipher).get('a')).toBe(SECRET);
    // A plain store does not read encrypted values as if they were the password.
    expect(() => new FileSecretStore(dir).get('a')).toThrow(/holds safeStorage secrets/);
  });

  it('refuses a cipher whose keychain is unavailable', () => {
    expect(() => new FileSecretStore(dir, { ...cipher, isEncryptionAvailable: () => false })).toThrow(/keychain/);
  });
});
