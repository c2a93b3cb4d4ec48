/* eslint-disable no-console */
// copilot-simulate: streams the simulated shop to a running copilot over its HTTP ingest API.
import { resolve } from 'node:path';
import { generateWindow, loadTopology, SCENARIOS, SLOT_MS } from './simulator';

interface Args {
  url: string;
  token?: string;
  scenario: string;
  catalog: string;
  backfill: number;
  incidentAfter: number;
  once: boolean;
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    url: 'http://localhost:7007',
    token: process.env.COPILOT_TOKEN,
    scenario: 'bad-deploy',
    catalog: resolve(process.cwd(), '../../examples/catalog'),
    backfill: 45,
    incidentAfter: 1,
    once: false,
    seed: 42,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--url') args.url = value();
    else if (a === '--token') args.token = value();
    else if (a === '--scenario') args.scenario = value();
    else if (a === '--catalog') args.catalog = resolve(value());
    else if (a === '--backfill') args.backfill = Number(value());
    else if (a === '--incident-after') args.incidentAfter = Number(value());
    else if (a === '--seed') args.seed = Number(value());
    else if (a === '--once') args.once = true;
    else if (a === '--help' || a === '-h') {
      console.log(
        'usage: copilot-simulate [--url http://localhost:7007] [--token T | COPILOT_TOKEN] [--scenario bad-deploy]\n' +
          `                        [--catalog DIR] [--backfill 45] [--incident-after 1] [--seed 42] [--once]\nscenarios: ${Object.keys(
            SCENARIOS,
          ).join(', ')}`,
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  if (!SCENARIOS[args.scenario])
    throw new Error(
      `unknown scenario ${args.scenario}; use one of ${Object.keys(
        SCENARIOS,
      ).join(', ')}`,
    );
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const topology = loadTopology(args.catalog);
  const start = Date.now();
  const options = {
    topology,
    scenario: SCENARIOS[args.scenario],
    incidentAtMs: start + args.incidentAfter * 60_000,
    seed: args.seed,
    source: 'copilot-simulate',
  };
  let cursor = Math.floor((start - args.backfill * 60_000) / SLOT_MS) * SLOT_MS;
  const push = async (until: number) => {
    const end = Math.floor(until / SLOT_MS) * SLOT_MS;
    while (cursor < end) {
      const chunkEnd = Math.min(end, cursor + 5 * 60_000);
      const batch = generateWindow(options, cursor, chunkEnd);
      const res = await fetch(
        `${args.url.replace(/\/$/, '')}/api/copilot/v1/signals/ingest`,
        {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            ...(args.token ? { Authorization: `Bearer ${args.token}` } : {}),
          },
          body: JSON.stringify(batch),
        },
      );
      const body = await res.text();
      if (!res.ok) {
        throw new Error(`ingest answered ${res.status}: ${body.slice(0, 500)}`);
      }
      console.log(
        `${new Date(chunkEnd).toISOString()} pushed ${
          batch.length
        } signals: ${body}`,
      );
      cursor = chunkEnd;
    }
  };
  await push(start);
  if (args.once) return;
  console.log(
    `streaming; scenario '${args.scenario}' at ${new Date(
      options.incidentAtMs,
    ).toISOString()} (Ctrl+C to stop)`,
  );
  for (;;) {
    await new Promise(r => setTimeout(r, SLOT_MS));
    await push(Date.now());
  }
}

main().catch(e => {
  console.error(`copilot-simulate: ${e.message ?? e}`);
  process.exit(1);
});
