// Sums the test counts of every suite and prints the closing line "Tests: N passed, N failed".
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...failedStages] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const read = f =>
  existsSync(join(dir, f))
    ? JSON.parse(readFileSync(join(dir, f), 'utf8'))
    : undefined;

const jest = read('jest.json');
if (jest) {
  passed += jest.numPassedTests;
  failed += jest.numFailedTests;
  skipped += jest.numPendingTests + (jest.numTodoTests ?? 0);
  console.log(
    `jest: ${jest.numPassedTests} passed, ${jest.numFailedTests} failed in ${jest.numTotalTestSuites} suites`,
  );
}
const e2e = read('e2e.json');
if (e2e) {
  const s = e2e.stats ?? {};
  passed += (s.expected ?? 0) + (s.flaky ?? 0);
  failed += s.unexpected ?? 0;
  skipped += s.skipped ?? 0;
  console.log(
    `e2e: ${(s.expected ?? 0) + (s.flaky ?? 0)} passed, ${
      s.unexpected ?? 0
    } failed`,
  );
}
// A stage that failed without a failing test (tsc, lint, a crash) still counts as a failure.
const countedStages = new Set();
if (jest && jest.numFailedTests > 0) countedStages.add('jest');
if (e2e && (e2e.stats?.unexpected ?? 0) > 0) countedStages.add('e2e');
for (const s of failedStages) {
  if (!countedStages.has(s)) {
    failed += 1;
    console.log(`stage failed: ${s}`);
  }
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || failedStages.length > 0 ? 1 : 0);
