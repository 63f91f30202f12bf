import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The repository's root, where the README's commands run. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** The README's section under `heading` (a whole `## …` line), up to the next heading of its level or above. */
export function readmeSection(heading: string): string {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  if (start === -1) throw new Error(`the README has no section "${heading}"`);
  const level = heading.split(' ')[0]!;
  const next = readme.slice(start + heading.length + 2).search(new RegExp(`^#{1,${level.length}} `, 'm'));
  return next === -1 ? readme.slice(start) : readme.slice(start, start + heading.length + 2 + next);
}

/** The ```sh blocks of a piece of Markdown, in order. */
export function shellBlocksOf(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}
