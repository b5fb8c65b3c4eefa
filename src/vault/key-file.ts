import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { VaultError } from './errors.ts';

export const keyFileName = 'master.key';

/**
 * Reads `<dataDir>/master.key`, creating it first when it does not exist. Creation writes a
 * private temporary file (mode 0600) and hard-links it into place: link() fails if the name
 * exists, so two processes starting together agree on one key, and no reader ever sees a
 * half-written file. A key file that group or others may read or write is refused rather than
 * silently tightened: whoever loosened it should know the key may have leaked.
 */
export function loadKeyFile(dataDir: string, generate: () => string): { path: string; text: string } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, keyFileName);
  const text = readPrivate(path) ?? create(path, generate());
  return { path, text };
}

function readPrivate(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new VaultError('bad_key', `the key file ${path} is not a regular file`);
    // POSIX permission bits; Windows reports synthetic modes, so the check is skipped there.
    const loose = process.platform !== 'win32' ? st.mode & 0o077 : 0;
    if (loose) {
      const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
      throw new VaultError(
        'loose_key_file',
        `the key file ${path} has mode ${mode}, so other users may read it; run 'chmod 600 ${path}' if it never left this machine, or replace the key`,
      );
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function create(path: string, content: string): string {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${content}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Another process created the key first: use theirs.
  } finally {
    unlinkSync(temp);
  }
  const text = readPrivate(path);
  if (text === null) throw new VaultError('bad_key', `the key file ${path} disappeared while it was being created`);
  return text;
}
