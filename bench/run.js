#!/usr/bin/env node
// Runs every benchmark section, prints its figures and writes them to bench/RESULTS.md.
// Each section module exports `run(options)` resolving to { title, description, rows: [{ name, value, unit, baseline?, ratio?, target?, note? }], limits? }.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const SECTIONS = [
  { file: './intake.js', name: 'intake' },
  { file: './anchoring.js', name: 'anchoring' },
  { file: './readside.js', name: 'readside' },
  { file: './audit.js', name: 'audit' },
  { file: './supervision.js', name: 'supervision' },
];

function table(rows) {
  const lines = ['| measure | value | baseline (same run) | ratio | target |', '|---|---|---|---|---|'];
  for (const row of rows) {
    lines.push(
      `| ${row.name} | ${row.value} ${row.unit ?? ''}${row.note ? ` (${row.note})` : ''} | ${row.baseline ?? ''} | ${row.ratio ?? ''} | ${row.target ?? ''} |`,
    );
  }
  return lines.join('\n');
}

async function main() {
  const only = process.argv.slice(2);
  const results = [];
  for (const section of SECTIONS) {
    if (only.length > 0 && !only.includes(section.name)) continue;
    const file = path.join(__dirname, section.file);
    if (!fs.existsSync(file)) continue;
    process.stderr.write(`\n== bench: ${section.name}\n`);
    const started = Date.now();
    try {
      const result = await require(file).run({ log: (line) => process.stderr.write(`   ${line}\n`) });
      result.seconds = Math.round((Date.now() - started) / 1000);
      results.push(result);
      console.log(`\n## ${result.title}\n\n${table(result.rows)}\n`);
    } catch (error) {
      results.push({ title: section.name, error: String(error && error.stack ? error.stack : error), rows: [] });
      console.error(`bench ${section.name} failed:`, error);
    }
  }
  const header = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString()} — ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
    'Every figure stands beside a baseline measured in the same run; ratios are figure ÷ baseline.',
    '',
  ];
  const body = results.map((result) =>
    [
      `## ${result.title}`,
      '',
      result.description ?? '',
      '',
      result.error ? `Failed: \`${result.error.split('\n')[0]}\`` : table(result.rows),
      '',
      ...(result.limits ? ['What limits these figures:', '', ...result.limits.map((l) => `- ${l}`), ''] : []),
      result.seconds !== undefined ? `_Section ran ${result.seconds} s._` : '',
      '',
    ].join('\n'),
  );
  const file = path.join(__dirname, 'RESULTS.md');
  if (only.length > 0 && fs.existsSync(file)) {
    // Keep the sections that were not rerun, each section where it was.
    const previous = fs
      .readFileSync(file, 'utf8')
      .split(/\n(?=## )/)
      .slice(1);
    const fresh = new Map(results.map((result, i) => [result.title, body[i]]));
    const merged = previous.map((chunk) => {
      const title = chunk.split('\n')[0].slice(3).trim();
      const rerun = fresh.get(title);
      fresh.delete(title);
      return rerun ?? chunk.trimEnd() + '\n';
    });
    fs.writeFileSync(file, [...header, ...merged, ...fresh.values()].join('\n'));
  } else {
    fs.writeFileSync(file, [...header, ...body].join('\n'));
  }
  console.log(`written ${path.relative(process.cwd(), file)}`);
  if (results.some((r) => r.error)) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
