/* eslint-disable no-console */
// node --import tsx test/eval/rca/convert-simulator.ts --out DIR [--seed 42] [--catalog examples/catalog]
// Writes the simulator's labeled RCA cases (plugins/copilot-backend-module-simulator/src/simulator/cases.ts)
// in the case format of README.md: case.json, catalog.yaml (the demo shop's entities), signals.ndjson.
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import {
  caseDefinitions,
  generateCase,
  topologyFromEntities,
} from '../../../plugins/copilot-backend-module-simulator/src/simulator';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  if (fallback === undefined) {
    console.error(
      'usage: convert-simulator.ts --out DIR [--seed 42] [--catalog examples/catalog]',
    );
    process.exit(2);
  }
  return fallback;
}

function main() {
  const out = resolve(arg('out'));
  const seed = Number(arg('seed', '42'));
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const catalogDir = resolve(
    arg('catalog', resolve(__dirname, '../../../examples/catalog')),
  );

  // The demo catalog, minus its Location: the case's catalog.yaml holds the entities themselves.
  const entities: Array<Record<string, any>> = [];
  for (const file of readdirSync(catalogDir)
    .filter(f => /\.ya?ml$/.test(f))
    .sort()) {
    for (const doc of parseAllDocuments(
      readFileSync(join(catalogDir, file), 'utf8'),
    )) {
      if (doc.errors.length)
        throw new Error(`${file}: ${doc.errors[0].message}`);
      const e = doc.toJS();
      if (e && typeof e === 'object' && e.kind !== 'Location') entities.push(e);
    }
  }
  const catalogYaml = entities
    .map(e => stringify(e, { lineWidth: 0 }))
    .join('---\n');
  const topology = topologyFromEntities(entities);

  mkdirSync(out, { recursive: true });
  const defs = caseDefinitions();
  const index: object[] = [];
  defs.forEach((def, i) => {
    const c = generateCase(def, topology, seed, i);
    const dir = join(out, c.id);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const { signals, ...spec } = c;
    writeFileSync(join(dir, 'case.json'), `${JSON.stringify(spec, null, 2)}\n`);
    writeFileSync(join(dir, 'catalog.yaml'), catalogYaml);
    writeFileSync(
      join(dir, 'signals.ndjson'),
      `${signals.map(s => JSON.stringify(s)).join('\n')}\n`,
    );
    index.push({
      id: c.id,
      truth_kind: c.truth.kind,
      truth_entity: c.truth.entity,
      alert_entity: c.alert.entity,
      red_herring_change: def.redHerring ?? null,
      signals: signals.length,
    });
    console.error(
      `${c.id}: ${signals.length} signals, truth ${c.truth.entity ?? '-'} (${
        c.truth.kind
      })`,
    );
  });
  writeFileSync(
    join(out, 'cases_index.json'),
    `${JSON.stringify(
      {
        generated_by: `node --import tsx test/eval/rca/convert-simulator.ts --out ${arg(
          'out',
        )} --seed ${seed}`,
        seed,
        cases: index,
      },
      null,
      2,
    )}\n`,
  );
  console.log(JSON.stringify({ cases: defs.length, seed, out }));
}

main();
