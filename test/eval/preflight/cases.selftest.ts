/* eslint-disable no-console */
// node --import tsx test/eval/preflight/cases.selftest.ts
// Checks the preflight case validator: a good case passes; each kind of defect is reported with its field.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCase, loadCases } from './cases';

const GOOD = {
  id: 'good',
  description: 'restart',
  mode: 'k8s',
  context: {
    entity: 'component:default/checkout',
    environment: 'production',
    namespace: 'shop',
    author: 'user:default/alice',
    approved_by: 'user:default/bob',
    error_budget_remaining: 0.35,
    change_freeze: false,
  },
  expected: 'pass',
  why: 'approved restart',
};

const root = mkdtempSync(join(tmpdir(), 'preflight-cases-'));
function write(
  name: string,
  spec: unknown,
  files: Record<string, string> = {
    'run.sh': 'kubectl rollout restart deployment/checkout -n shop\n',
  },
) {
  const dir = join(root, name);
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  writeFileSync(
    join(dir, 'case.json'),
    typeof spec === 'string' ? spec : JSON.stringify(spec),
  );
  for (const [p, c] of Object.entries(files))
    writeFileSync(join(dir, 'artifacts', p), c);
  return dir;
}

try {
  const good = loadCase(write('good', GOOD));
  assert.deepEqual(good.problems, []);
  assert.equal(good.spec?.context.approved_by, 'user:default/bob');
  assert.equal(good.artifacts[0].path, 'run.sh');

  const fields = (spec: unknown) =>
    loadCase(
      write(`bad-${Math.random().toString(36).slice(2)}`, spec),
    ).problems.map(p => p.field ?? p.file);
  assert.deepEqual(fields({ ...GOOD, mode: 'kubectl' }), ['mode']);
  assert.deepEqual(fields({ ...GOOD, expected: 'warn' }), ['expected']);
  assert.deepEqual(fields({ ...GOOD, why: '' }), ['why']);
  assert.deepEqual(
    fields({ ...GOOD, context: { ...GOOD.context, environment: 'prod' } }),
    ['context.environment'],
  );
  assert.deepEqual(
    fields({ ...GOOD, context: { ...GOOD.context, entity: 'checkout' } }),
    ['context.entity'],
  );
  assert.deepEqual(
    fields({ ...GOOD, context: { ...GOOD.context, approved_by: 'bob' } }),
    ['context.approved_by'],
  );
  assert.deepEqual(
    fields({
      ...GOOD,
      context: { ...GOOD.context, error_budget_remaining: '35%' },
    }),
    ['context.error_budget_remaining'],
  );
  assert.deepEqual(
    fields({ ...GOOD, context: { ...GOOD.context, namespace: 'Shop_NS' } }),
    ['context.namespace'],
  );
  assert.deepEqual(
    fields({
      ...GOOD,
      context: { ...GOOD.context, freeze_windows: [{ from: 'x', to: 'y' }] },
    }),
    ['context.freeze_windows', 'context.now'],
  );
  assert.deepEqual(fields('{not json'), ['case.json']);

  const noArtifacts = loadCase(write('empty', { ...GOOD, id: 'empty' }, {}));
  assert.deepEqual(
    noArtifacts.problems.map(p => p.file),
    ['artifacts/'],
  );

  const noted = loadCase(
    write('noted', {
      ...GOOD,
      id: 'noted',
      extra: 1,
      context: { ...GOOD.context, team: 'x' },
    }),
  );
  assert.deepEqual(noted.problems, []);
  assert.deepEqual(
    noted.notes.map(n => n.field),
    ['extra', 'context.team'],
  );

  write('dup', { ...GOOD });
  const all = loadCases(root);
  assert.equal(all.filter(c => c.problems.some(p => /duplicate id good/.test(p.message))).length, 1);
  console.log('cases.selftest: ok');
} finally {
  rmSync(root, { recursive: true, force: true });
}
