import fs from 'node:fs';
import path from 'node:path';

const PACKAGE_ROOT = path.resolve(__dirname, '..');

/**
 * A compiled file a module starts as a worker thread: beside the module when it runs from dist/, or
 * at the same place under dist/ when it runs from src/ (as under jest).
 */
export function compiledFile(moduleDir: string, fileName: string): string | undefined {
  const underSrc = path.relative(path.join(PACKAGE_ROOT, 'src'), moduleDir);
  return [path.join(moduleDir, fileName), path.join(PACKAGE_ROOT, 'dist', underSrc, fileName)].find((file) =>
    fs.existsSync(file),
  );
}
