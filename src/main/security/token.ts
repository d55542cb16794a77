import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_FILE = 'api-token';

/** The bearer token for the loopback API: a file readable by the user only (mode 0600). */
export class TokenStore {
  private token: string;
  readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, TOKEN_FILE);
    this.token = this.readOrCreate();
  }

  get(): string {
    return this.token;
  }

  regenerate(): string {
    this.token = randomBytes(24).toString('base64url');
    writeFileSync(this.file, this.token + '\n', { mode: 0o600 });
    chmodSync(this.file, 0o600);
    return this.token;
  }

  private readOrCreate(): string {
    if (existsSync(this.file)) {
      const text = readFileSync(this.file, 'utf8').trim();
      if (/^[A-Za-z0-9_-]{16,}$/.test(text)) {
        chmodSync(this.file, 0o600);
        return text;
      }
    }
    this.token = '';
    return this.regenerate();
  }
}
