import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Flushes a file (or a directory's entries) to the disk: what was written must survive a power cut. */
export function fsyncPath(target: string): void {
  const fd = fs.openSync(target, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes a new file (failing if it exists) and flushes it to the disk before it returns. */
export function writeNewFileDurably(file: string, data: string | Uint8Array, mode = 0o644): void {
  const fd = fs.openSync(file, 'wx', mode);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Creates `file` with `data` unless it exists, so that whoever finds it finds it whole, after a crash
 * too: the data is written and flushed under a temporary name in the same directory, linked to its
 * name (which fails when another process linked its own first) and the directory flushed. Returns
 * false when the file existed: then nothing of `data` was kept.
 */
export function createFileOnce(file: string, data: string | Uint8Array, mode = 0o644): boolean {
  const dir = path.dirname(file);
  const temporary = path.join(dir, `.${path.basename(file)}.${randomUUID()}.tmp`);
  try {
    writeNewFileDurably(temporary, data, mode);
    fs.linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
  fsyncPath(dir);
  return true;
}
