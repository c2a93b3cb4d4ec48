/* eslint-disable no-console */
// node --import tsx test/eval/rca/validate.ts --cases DIR [--max-per-case 20]
// Validates every RCA case folder under DIR (see cases.ts and README.md): prints each case's problems
// (file:line field: message), then one JSON line {"cases":N,"valid":N,"problems":N}. Exit code 1 if any.
import { resolve } from 'node:path';
import { caseDirs, formatProblem, loadCase } from './cases';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  if (fallback === undefined) {
    console.error(
      'usage: validate.ts --cases DIR [--max-per-case 20] (DIR holds one folder per case)',
    );
    process.exit(2);
  }
  return fallback;
}

async function main() {
  const root = resolve(arg('cases'));
  const maxPerCase = Number(arg('max-per-case', '20'));
  const dirs = caseDirs(root);
  let valid = 0;
  let problems = 0;
  for (const dir of dirs) {
    const c = await loadCase(dir);
    if (c.problems.length === 0) {
      valid++;
      continue;
    }
    problems += c.problems.length;
    console.log(`${c.name}: ${c.problems.length} problem(s)`);
    for (const p of c.problems.slice(0, maxPerCase))
      console.log(`  ${formatProblem(p)}`);
    if (c.problems.length > maxPerCase)
      console.log(`  ... and ${c.problems.length - maxPerCase} more`);
  }
  if (dirs.length === 0) {
    console.log(`no case folder (with case.json) under ${root}`);
    problems++;
  }
  console.log(JSON.stringify({ cases: dirs.length, valid, problems }));
  process.exitCode = problems > 0 ? 1 : 0;
}

main().catch(e => {
  console.error(e);
  process.exit(2);
});
