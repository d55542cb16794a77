import { randomBytes } from 'node:crypto';
import { closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKEN_FILE, openOwnFile, writeOwnFile } from './dataDir';

export { TOKEN_FILE };

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,}$/;
/** Far above any token this app writes: a bigger file is not read into memory. */
const MAX_TOKEN_BYTES = 1024;

/**
 * The bearer token for the loopback API: a file readable by the user only (mode 0600). A link,
 * a special file, or a file another user owns or can write is refused (UnsafeDataError), and
 * the file is only ever replaced by rename, never written in place.
 */
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
    writeOwnFile(this.file, this.token + '\n');
    return this.token;
  }

  private readOrCreate(): string {
    const file = openOwnFile(this.file);
    if (file) {
      try {
        const text = file.stats.size <= MAX_TOKEN_BYTES ? readFileSync(file.fd, 'utf8').trim() : '';
        // A token group or others could read may have been read: replace it, don't just tighten it.
        if (!file.exposed && TOKEN_PATTERN.test(text)) return text;
      } finally {
        closeSync(file.fd);
      }
    }
    return this.regenerate();
  }
}
