import { closeSync, openSync, readFileSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectorError } from '../core/errors.ts';

/**
 * PGlite keeps no lock of its own: two processes opening one data directory both succeed and then
 * silently lose writes (with PGlite 0.5.16, two processes inserting one row each left one row).
 * This file-based lock turns that into a clear error. `<dataDir>/pglite.lock` holds the owner's
 * pid and is created with O_EXCL, so exactly one opener wins; a lock whose pid is no longer alive
 * (a crash or kill -9) is taken over. The lock is removed on close and, as a fallback, when the
 * process exits.
 */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

export const lockFileName = 'pglite.lock';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user, so it is alive.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): { pid: number | null; text: string } | null {
  try {
    const text = readFileSync(path, 'utf8');
    const pid = /^\s*(\d+)\s*$/.test(text) ? Number(text) : null;
    return { pid, text };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function inUse(pid: number): ConnectorError {
  const who = pid === process.pid ? 'this process (it is already open here)' : `process ${pid}`;
  return new ConnectorError({
    code: 'MLC_ERR_CONFIG',
    message: `data directory is in use by ${who}; stop it or set DATABASE_URL to share a PostgreSQL server`,
  });
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  // Private: the directory also holds the database files and, by default, the master key file.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, lockFileName);
  const mine = `${process.pid}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readOwner(path);
      if (owner === null) continue; // released between our open and read: try again
      if (owner.pid !== null && isAlive(owner.pid)) throw inUse(owner.pid);
      // Stale (dead pid) or unreadable (a crash mid-write). Remove it only if it still holds what
      // we read, which narrows the window in which two takers could remove each other's lock.
      if (readOwner(path)?.text === owner.text) {
        try {
          unlinkSync(path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      continue;
    }
    try {
      writeSync(fd, mine);
    } finally {
      closeSync(fd);
    }
    return holdLock(path, mine);
  }
  throw new ConnectorError({
    code: 'MLC_ERR_CONFIG',
    message: `could not take the data directory lock ${path}: another process keeps replacing it`,
  });
}

function holdLock(path: string, mine: string): DataDirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    // Only remove the file while it is still ours.
    if (readOwner(path)?.text === mine) {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
  };
  // 'exit' runs on normal exit and process.exit(); a kill leaves a stale lock that the next
  // opener takes over because the pid is dead.
  process.on('exit', release);
  return { path, release };
}
