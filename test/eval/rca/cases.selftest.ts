/* eslint-disable no-console */
// node --import tsx test/eval/rca/cases.selftest.ts
// Checks the case validator: a good case passes; each kind of defect is reported with file, line and field.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caseDirs, loadCase, loadCases, type CaseProblem } from './cases';

const CATALOG = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: shop
spec:
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: storefront
spec:
  type: website
  lifecycle: production
  owner: team-a
  system: shop
  dependsOn: [component:payments]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
spec:
  type: service
  lifecycle: production
  owner: team-a
  system: shop
`;

const CASE = {
  id: 'good',
  description: 'a bad payments deploy',
  alert: {
    entity: 'component:default/storefront',
    at: '2026-03-01T12:10:00Z',
    title: 'storefront errors',
  },
  window: { from: '2026-03-01T11:10:00Z', to: '2026-03-01T12:20:00Z' },
  truth: { entity: 'component:default/payments', kind: 'bad_deploy' },
};

const SIGNALS = [
  {
    source: 't',
    kind: 'metric',
    ts: '2026-03-01T12:00:00Z',
    key: 'http_5xx_rate',
    value: 0.2,
    labels: { service: 'payments' },
  },
  {
    source: 't',
    kind: 'deploy',
    ts: '2026-03-01T12:00:00Z',
    key: 'deploy',
    text: 'payments v2',
    labels: { service: 'payments', version: 'v2', author: 'a', diff: 'x' },
  },
  {
    source: 't',
    kind: 'log',
    ts: '2026-03-01T12:01:00Z',
    text: 'ERROR boom',
    labels: { entity: 'component:default/storefront' },
  },
];

const root = mkdtempSync(join(tmpdir(), 'rca-selftest-'));

function write(
  name: string,
  files: { case?: string; catalog?: string; signals?: string },
) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  if (files.case !== undefined)
    writeFileSync(join(dir, 'case.json'), files.case);
  if (files.catalog !== undefined)
    writeFileSync(join(dir, 'catalog.yaml'), files.catalog);
  if (files.signals !== undefined)
    writeFileSync(join(dir, 'signals.ndjson'), files.signals);
  return dir;
}

const caseText = (patch: (c: any) => void, id: string) => {
  const c = structuredClone(CASE) as any;
  c.id = id;
  patch(c);
  return `${JSON.stringify(c, null, 2)}\n`;
};
const signalsText = `${SIGNALS.map(s => JSON.stringify(s)).join('\n')}\n`;

function expectProblem(
  problems: CaseProblem[],
  want: Partial<CaseProblem> & { match: RegExp },
) {
  const hit = problems.find(
    p =>
      want.match.test(p.message) &&
      (want.file === undefined || p.file === want.file) &&
      (want.field === undefined || p.field === want.field) &&
      (want.line === undefined || p.line === want.line),
  );
  assert.ok(
    hit,
    `expected ${JSON.stringify({
      ...want,
      match: String(want.match),
    })} in\n${JSON.stringify(problems, null, 1)}`,
  );
}

async function main() {
  try {
    const good = await loadCase(
      write('good', {
        case: caseText(() => {}, 'good'),
        catalog: CATALOG,
        signals: signalsText,
      }),
    );
    assert.deepEqual(good.problems, []);
    assert.equal(good.signals.length, 3);
    assert.equal(good.catalog.length, 4);

    const bad = async (
      name: string,
      files: { case?: string; catalog?: string; signals?: string },
    ) =>
      (
        await loadCase(
          write(name, {
            case: caseText(() => {}, name),
            catalog: CATALOG,
            signals: signalsText,
            ...files,
          }),
        )
      ).problems;

    expectProblem(
      await bad('kind', {
        case: caseText(c => {
          c.truth.kind = 'cosmic_ray';
        }, 'kind'),
      }),
      {
        file: 'case.json',
        field: 'truth.kind',
        line: 15,
        match: /unknown kind/,
      },
    );
    expectProblem(
      await bad('alert', {
        case: caseText(c => {
          c.alert.entity = 'component:default/nope';
        }, 'alert'),
      }),
      { field: 'alert.entity', line: 5, match: /not in catalog\.yaml/ },
    );
    expectProblem(
      await bad('truth', {
        case: caseText(c => {
          c.truth.entity = 'resource:default/db';
        }, 'truth'),
      }),
      { field: 'truth.entity', match: /not in catalog\.yaml/ },
    );
    assert.deepEqual(
      await bad('none', {
        case: caseText(c => {
          c.truth = { entity: null, kind: 'none' };
        }, 'none'),
      }),
      [],
    );
    expectProblem(
      await bad('window', {
        case: caseText(c => {
          c.alert.at = '2026-03-01T13:00:00Z';
        }, 'window'),
      }),
      { field: 'alert.at', match: /outside the window/ },
    );
    expectProblem(
      await bad('idmismatch', {
        case: caseText(() => {}, 'other'),
      }),
      { field: 'id', match: /folder name/ },
    );
    expectProblem(
      await bad('extra', {
        case: caseText(c => {
          c.truth.confidence = 1;
        }, 'extra'),
      }),
      { field: 'truth.confidence', match: /unknown field/ },
    );
    expectProblem(
      await bad('badjson', { case: '{"id": "badjson",\n  oops\n}' }),
      {
        file: 'case.json',
        line: 2,
        match: /not valid JSON/,
      },
    );

    const lines = signalsText.split('\n');
    expectProblem(
      await bad('ndjson', {
        signals: [lines[0], '{"source": "t", "kind":', lines[1], ''].join('\n'),
      }),
      { file: 'signals.ndjson', line: 2, match: /not valid JSON/ },
    );
    expectProblem(
      await bad('service', {
        signals: `${lines[0]}\n${lines[1].replace(
          '"service":"payments"',
          '"service":"ghost"',
        )}\n`,
      }),
      {
        file: 'signals.ndjson',
        line: 2,
        field: 'labels.service',
        match: /ghost/,
      },
    );
    expectProblem(
      await bad('metric', {
        signals: `${JSON.stringify({ ...SIGNALS[0], value: 'high' })}\n`,
      }),
      { line: 1, field: 'value', match: /finite number/ },
    );
    expectProblem(
      await bad('sigkind', {
        signals: `${JSON.stringify({ ...SIGNALS[0], kind: 'trace' })}\n`,
      }),
      { line: 1, field: 'kind', match: /not one of/ },
    );

    expectProblem(
      await bad('name', {
        catalog: CATALOG.replace('name: payments', 'name: Payments Service'),
      }),
      {
        file: 'catalog.yaml',
        line: 30,
        field: 'metadata.name',
        match: /not a valid entity name/,
      },
    );
    expectProblem(
      await bad('dangling', {
        catalog: CATALOG.replace(
          '[component:payments]',
          '[component:payments, resource:db]',
        ),
      }),
      {
        file: 'catalog.yaml',
        line: 25,
        field: 'spec.dependsOn',
        match: /not in catalog\.yaml/,
      },
    );
    expectProblem(
      await bad('nokind', {
        catalog: CATALOG.replace('[component:payments]', '[payments]'),
      }),
      { field: 'spec.dependsOn', match: /with a kind/ },
    );
    expectProblem(
      await bad('dup', {
        catalog: `${CATALOG}---\n${CATALOG.split('---\n')[3]}`,
      }),
      {
        field: 'metadata.name',
        match: /duplicate entity component:default\/payments/,
      },
    );
    expectProblem(
      await bad('schema', {
        catalog: CATALOG.replace('  type: service\n', ''),
      }),
      { file: 'catalog.yaml', match: /type/ },
    );
    expectProblem(
      await bad('yaml', { catalog: `${CATALOG}---\nkind: [unclosed\n` }),
      { file: 'catalog.yaml', match: /not valid YAML/ },
    );
    expectProblem(
      (
        await loadCase(
          write('missing', { case: caseText(() => {}, 'missing') }),
        )
      ).problems,
      { file: 'signals.ndjson', match: /missing/ },
    );

    const dirs = caseDirs(root);
    assert.ok(dirs.length > 10);
    assert.deepEqual(dirs, [...dirs].sort());
    const all = await loadCases(root);
    assert.equal(all.filter(c => c.problems.length === 0).length, 2);
    console.log(JSON.stringify({ selftest: 'ok', cases: all.length }));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
