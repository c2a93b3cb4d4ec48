/* eslint-disable no-console */
// yarn eval:logs --data ../shared/datasets/loghub_2k --labels original|corrected_khan2022|loghub2.0_2k
// Mines every system of a Loghub-2k layout folder with one miner configuration and prints grouping
// accuracy (by the miner's template ids) and parsing accuracy per system; the last line is one JSON object.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseCsv } from '../../support/csv';
import { DrainMiner } from '../../../plugins/copilot-backend/src/engine/ingest/drain';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
}

/** Loghub-2.0 style template normalisation before comparing templates (parsing accuracy). */
function normalizeTemplate(t: string): string {
  return t
    .replace(/<\*>(?:[^\s]*<\*>)+/g, '<*>')
    .replace(/\s+/g, ' ')
    .trim();
}

function structuredFile(dir: string): string {
  const f = readdirSync(dir).find(n =>
    /_2k\.log_structured(_corrected)?\.csv$/.test(n),
  );
  if (!f) throw new Error(`no *_2k.log_structured*.csv in ${dir}`);
  return join(dir, f);
}

const root = resolve(process.cwd(), arg('data'));
const labels = arg('labels', 'original');
const base = existsSync(join(root, labels)) ? join(root, labels) : root;
const systems = readdirSync(base, { withFileTypes: true })
  .filter(d => d.isDirectory())
  .map(d => d.name)
  .sort();

const result: Record<string, { ga: number; pa: number }> = {};
let totalLines = 0;
let totalMs = 0;
for (const system of systems) {
  const rows = parseCsv(
    readFileSync(structuredFile(join(base, system)), 'utf8'),
  );
  const header = rows[0];
  const content = header.indexOf('Content');
  const eventId = header.indexOf('EventId');
  const eventTemplate = header.indexOf('EventTemplate');
  const lines = rows.slice(1);
  const miner = new DrainMiner();
  const t0 = performance.now();
  const mined = lines.map(r => miner.add(r[content]));
  totalMs += performance.now() - t0;
  // Lines count under the template their own template later merged into, as the store reports them.
  const ids = mined.map(id => miner.canonical(id));
  totalLines += lines.length;

  // Grouping accuracy: a line is right when its predicted group equals its true group exactly.
  const predicted = new Map<number, number[]>();
  const truth = new Map<string, number[]>();
  ids.forEach((id, i) => {
    predicted.set(id, [...(predicted.get(id) ?? []), i]);
    truth.set(lines[i][eventId], [...(truth.get(lines[i][eventId]) ?? []), i]);
  });
  let correct = 0;
  for (const members of predicted.values()) {
    const trueGroup = truth.get(lines[members[0]][eventId])!;
    if (
      trueGroup.length === members.length &&
      members.every(m => lines[m][eventId] === lines[members[0]][eventId])
    ) {
      correct += members.length;
    }
  }
  let parsed = 0;
  ids.forEach((id, i) => {
    if (
      normalizeTemplate(miner.text(id)) ===
      normalizeTemplate(lines[i][eventTemplate])
    )
      parsed++;
  });
  result[system] = {
    ga: round(correct / lines.length),
    pa: round(parsed / lines.length),
  };
  console.error(
    `${system.padEnd(12)} GA ${result[system].ga.toFixed(3)}  PA ${result[
      system
    ].pa.toFixed(3)}  templates ${miner.size}`,
  );
}

function round(v: number) {
  return Math.round(v * 1000) / 1000;
}

const values = Object.values(result);
const meanGa = round(values.reduce((a, v) => a + v.ga, 0) / values.length);
const meanPa = round(values.reduce((a, v) => a + v.pa, 0) / values.length);
console.error(`mean         GA ${meanGa.toFixed(3)}  PA ${meanPa.toFixed(3)}`);
console.log(
  JSON.stringify({
    labels,
    systems: result,
    mean_ga: meanGa,
    mean_pa: meanPa,
    lines_per_s: Math.round(totalLines / (totalMs / 1000)),
  }),
);
