// SQL rendering: a migration and its `.down.sql` rollback; indexes built and dropped CONCURRENTLY (PostgreSQL).
// Identifiers are validated and quoted; nothing else from the incident reaches the statement text.
import { sqlIdent } from '../escape';
import { RenderError, type RenderInput, type Rendered } from './types';

export function renderSql(input: RenderInput): Rendered {
  const db = input.entity.database;
  if (!db)
    throw new RenderError(
      `${input.entity.ref} has no database in its metadata`,
    );
  const out: Rendered = {
    artifacts: [],
    steps: [],
    preChecks: [],
    rollbackSteps: [],
    rollbackArtifacts: [],
  };
  const stamp = input.at.replace(/[^0-9]/g, '').slice(0, 14);
  for (const i of input.intents) {
    if (i.type !== 'sql')
      throw new RenderError(`sql mode cannot express a ${i.type} change`);
    const [table, ...columns] = i.up;
    if (!table || !columns.length)
      throw new RenderError('an index needs a table and columns');
    const q = (s: string) => sqlIdent(s, db.engine);
    const index = q(i.name);
    const file = `${stamp}_${i.name}`;
    const up =
      db.engine === 'postgresql'
        ? `-- ${input.proposal.rationale.replace(
            /[\r\n]/g,
            ' ',
          )}\nCREATE INDEX CONCURRENTLY IF NOT EXISTS ${index} ON ${q(
            table,
          )} (${columns.map(q).join(', ')});\n`
        : `-- mysql\nCREATE INDEX ${index} ON ${q(table)} (${columns
            .map(q)
            .join(', ')}) ALGORITHM=INPLACE LOCK=NONE;\n`;
    const down =
      db.engine === 'postgresql'
        ? `DROP INDEX CONCURRENTLY IF EXISTS ${index};\n`
        : `DROP INDEX ${index} ON ${q(table)};\n`;
    out.artifacts.push(
      { path: `${file}.sql`, content: up },
      { path: `${file}.down.sql`, content: down },
    );
    out.steps.push({
      title: `Build index ${i.name} on ${table} without blocking writes`,
      artifact: `${file}.sql`,
    });
    out.rollbackSteps.push({
      title: `Drop index ${i.name}`,
      artifact: `${file}.down.sql`,
    });
    out.rollbackArtifacts.push(`${file}.down.sql`);
    out.preChecks.push(
      {
        id: 'index-absent',
        description: `no index ${i.name} exists yet`,
        command:
          db.engine === 'postgresql'
            ? `SELECT 1 FROM pg_indexes WHERE indexname = '${i.name}'`
            : `SHOW INDEX FROM ${table}`,
      },
      {
        id: 'disk',
        description:
          'the database has room for the index (about the size of the indexed columns)',
      },
    );
  }
  return out;
}
