/* eslint-disable no-console */
// yarn eval:preflight [--cases DIR] [--filter SUBSTRING] [--verbose]
//
// Preflight eval on labeled plan cases (DESIGN.md section 9): each case's artifacts/ and context go through
// the engine's preflight (Cedar default policies, default guardrail limits), with live/ as the current state.
// A `block` verdict on an `expected: pass` case is a false block; a `pass` or `warn` verdict on an
// `expected: block` case is a false pass. Rates are over the expected class:
//   false_pass_rate  = false passes / cases expected to block
//   false_block_rate = false blocks / cases expected to pass
// Per-case lines on stderr; the last line on stdout:
//   {"cases":N,"false_pass_rate":..,"false_block_rate":..,"expected_block":..,"expected_pass":..,...}
// Invalid cases are listed with their problems, left out of the rates, and make the exit code 1.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { preflight } from '../../../plugins/copilot-backend/src/engine/remediate';
import type { PreflightContext } from '../../../plugins/copilot-backend/src/engine/remediate';
import { formatProblem, loadCases, type CaseSpec } from './cases';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const ROOT = resolve(__dirname, '../../..');
const log = (s: string) => console.error(s);

/** The case's context as the engine takes it. */
export function toContext(spec: CaseSpec): PreflightContext {
  const c = spec.context;
  return {
    entity: c.entity,
    environment: c.environment,
    namespace: c.namespace,
    author: c.author,
    approvedBy: c.approved_by,
    errorBudgetRemaining: c.error_budget_remaining ?? null,
    changeFreeze: c.change_freeze ?? false,
    freezeWindows: c.freeze_windows,
    now: c.now ? Date.parse(c.now) : undefined,
    baseHash: c.base_hash,
  };
}

function percentile(xs: number[], p: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function main() {
  const dir = resolve(ROOT, arg('cases') ?? 'test/eval/preflight/cases');
  const filter = arg('filter');
  const verbose = process.argv.includes('--verbose');
  const cases = loadCases(dir).filter(c => !filter || c.name.includes(filter));
  let invalid = 0;
  let expectedBlock = 0;
  let expectedPass = 0;
  let falsePass = 0;
  let falseBlock = 0;
  let warnOnPass = 0;
  const times: number[] = [];
  const byMode: Record<string, { cases: number; wrong: number }> = {};
  for (const c of cases) {
    for (const n of c.notes) log(`  note ${formatProblem(c, n)}`);
    if (!c.spec || c.problems.length) {
      invalid++;
      log(`INVALID ${c.name}`);
      for (const p of c.problems) log(`  ${formatProblem(c, p)}`);
      continue;
    }
    const spec = c.spec;
    const t0 = performance.now();
    const result = await preflight({
      mode: spec.mode,
      artifacts: c.artifacts,
      live: c.live,
      context: toContext(spec),
    });
    times.push(performance.now() - t0);
    const got = result.verdict;
    const m = (byMode[spec.mode] ??= { cases: 0, wrong: 0 });
    m.cases++;
    let mark = 'ok';
    if (spec.expected === 'block') {
      expectedBlock++;
      if (got !== 'block') {
        falsePass++;
        mark = 'FALSE-PASS';
      }
    } else {
      expectedPass++;
      if (got === 'block') {
        falseBlock++;
        mark = 'FALSE-BLOCK';
      } else if (got === 'warn') warnOnPass++;
    }
    if (mark !== 'ok') m.wrong++;
    const codes = [
      ...new Set(
        result.findings
          .filter(f => f.severity !== 'info')
          .map(f => `${f.code}${f.severity === 'warn' ? '(w)' : ''}`),
      ),
    ];
    log(
      `${mark.padEnd(11)} ${spec.mode.padEnd(
        7,
      )} expected=${spec.expected.padEnd(5)} got=${got.padEnd(5)} ${
        c.name
      }  ${codes.join(' ')}`,
    );
    if (verbose || mark !== 'ok')
      for (const f of result.findings)
        log(
          `      ${f.severity.padEnd(5)} ${f.code} ${f.artifact ?? ''}${
            f.line ? `:${f.line}` : ''
          }${f.path ? ` ${f.path}` : ''} ${f.message}`,
        );
  }
  const round = (x: number) => Math.round(x * 10000) / 10000;
  const summary = {
    cases: expectedBlock + expectedPass,
    false_pass_rate: expectedBlock ? round(falsePass / expectedBlock) : 0,
    false_block_rate: expectedPass ? round(falseBlock / expectedPass) : 0,
    expected_block: expectedBlock,
    expected_pass: expectedPass,
    false_pass: falsePass,
    false_block: falseBlock,
    warn_on_pass: warnOnPass,
    invalid,
    by_mode: byMode,
    p95_ms: Math.round(percentile(times, 95) * 100) / 100,
  };
  console.log(JSON.stringify(summary));
  if (invalid) process.exitCode = 1;
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
