import { checkSql, splitSql } from './sql';
import type { Finding } from './types';

function run(text: string, down?: string, environment = 'production') {
  const out: Finding[] = [];
  const facts = checkSql(
    {
      artifact: '001.sql',
      text,
      down:
        down === undefined
          ? undefined
          : { artifact: '001.down.sql', text: down },
      dialect: 'postgresql',
      production: environment === 'production',
      environment,
    },
    out,
  );
  return { facts, codes: out.map(f => `${f.code}:${f.severity}@${f.line}`) };
}

describe('splitSql', () => {
  it('splits on semicolons outside strings, comments and dollar quotes, keeping lines', () => {
    const s = splitSql(
      "-- header; not a split\nSELECT ';';\n/* a; b */\nDO $$ BEGIN PERFORM 1; END $$;\nSELECT 2",
    );
    expect(s.map(x => [x.line, x.text])).toEqual([
      [2, "SELECT ';'"],
      [4, 'DO $$ BEGIN PERFORM 1; END $$'],
      [5, 'SELECT 2'],
    ]);
  });
});

describe('checkSql', () => {
  it('accepts a concurrent index with its down step', () => {
    expect(
      run(
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON orders (a);',
        'DROP INDEX CONCURRENTLY IF EXISTS i;',
      ).codes,
    ).toEqual([]);
  });

  it('needs a down step for any change, not for reads', () => {
    expect(run('ALTER TABLE orders ADD COLUMN note text;').codes).toEqual([
      'SQL_NO_DOWN:block@1',
    ]);
    expect(run('SELECT count(*) FROM orders;').codes).toEqual([]);
  });

  it.each([
    ['DROP TABLE orders;', 'SQL_DATA_LOSS'],
    ['TRUNCATE orders;', 'SQL_DATA_LOSS'],
    ['ALTER TABLE orders DROP COLUMN note;', 'SQL_DATA_LOSS'],
    ['DELETE FROM orders;', 'SQL_DATA_LOSS'],
    ['UPDATE orders SET status = 1 WHERE 1=1;', 'SQL_DATA_LOSS'],
    ['GRANT SELECT ON orders TO PUBLIC;', 'SQL_PRIVILEGE'],
    [
      'BEGIN;\nCREATE INDEX CONCURRENTLY i ON orders (a);\nCOMMIT;',
      'SQL_TX_CONCURRENTLY',
    ],
    ['CREAT INDEX i ON orders (a);', 'SQL_PARSE'],
  ])('blocks %s', (sqlText, code) => {
    expect(run(sqlText, 'SELECT 1;').codes).toContainEqual(
      expect.stringMatching(new RegExp(`^${code}:block`)),
    );
  });

  it('only warns about data loss in development and about bounded updates anywhere', () => {
    expect(
      run('DROP TABLE scratch;', 'SELECT 1;', 'development').codes,
    ).toEqual(['SQL_DATA_LOSS:warn@1']);
    expect(
      run(
        "UPDATE orders SET s = 'x' WHERE id = 7;",
        "UPDATE orders SET s = 'y' WHERE id = 7;",
      ).codes,
    ).toEqual(['SQL_DATA_CHANGE:warn@1']);
  });

  it('recognizes PostgreSQL forms the parser lacks', () => {
    for (const st of [
      'VACUUM (ANALYZE) orders;',
      "ALTER SYSTEM SET work_mem = '64MB';",
      "ALTER ROLE bi SET statement_timeout = '30s';",
      'ALTER TABLE orders SET (fillfactor = 90);',
    ])
      expect(
        run(st, 'SELECT 1;').codes.filter(c => c.startsWith('SQL_PARSE')),
      ).toEqual([]);
  });
});
