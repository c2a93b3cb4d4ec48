// SQL migration checks: statements parsed (node-sql-parser, PostgreSQL then MySQL grammar), data-loss
// statements flagged, each migration paired with its `<name>.down.sql` rollback (expand/contract practice).
import { Parser } from 'node-sql-parser';
import type { Finding } from './types';

export interface SqlStatement {
  text: string;
  line: number;
}

export interface SqlFacts {
  tables: string[];
  verbs: string[];
  destructive: boolean;
  dataLoss: boolean;
  /** Only reads (SELECT/EXPLAIN/SHOW): no rollback needed. */
  readOnly: boolean;
}

/** Splits on `;` outside quotes, comments and dollar-quoted bodies; keeps each statement's line. */
export function splitSql(text: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  let start = 0;
  let line = 1;
  let startLine = 1;
  let i = 0;
  let seenCode = false;
  const n = text.length;
  let codeStart = 0;
  const flush = (end: number) => {
    const s = text.slice(seenCode ? codeStart : start, end).trim();
    if (s && seenCode) out.push({ text: s, line: startLine });
    seenCode = false;
  };
  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      const end = e < 0 ? n : e + 2;
      line += text.slice(i, end).split('\n').length - 1;
      i = end;
      continue;
    }
    if (!seenCode && !/\s/.test(c)) {
      seenCode = true;
      startLine = line;
      codeStart = i;
    }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < n && !(text[j] === c && text[j + 1] !== c))
        j += text[j] === c ? 2 : 1;
      line += text.slice(i, j + 1).split('\n').length - 1;
      i = j + 1;
      continue;
    }
    if (c === '$') {
      const m = /^\$[A-Za-z_]*\$/.exec(text.slice(i, i + 40));
      if (m) {
        const e = text.indexOf(m[0], i + m[0].length);
        const end = e < 0 ? n : e + m[0].length;
        line += text.slice(i, end).split('\n').length - 1;
        i = end;
        continue;
      }
    }
    if (c === ';') {
      flush(i);
      start = i + 1;
    }
    i++;
  }
  flush(n);
  return out;
}

/** PostgreSQL statements the parser's grammar lacks, recognized by their exact leading form. */
const KNOWN_FORMS: Array<[RegExp, string]> = [
  [
    /^(create|alter)\s+(role|user)\s+[\w"]+(\s+with)?(\s+(no)?\w+(\s+(limit\s+)?('[^']*'|-?\d+))?)*$/i,
    'role',
  ],
  [/^drop\s+(role|user)\s+(if\s+exists\s+)?[\w", ]+$/i, 'drop_role'],
  [
    /^drop\s+trigger\s+(if\s+exists\s+)?[\w"]+\s+on\s+[\w".]+(\s+(cascade|restrict))?$/i,
    'drop_trigger',
  ],
  [
    /^drop\s+(function|procedure)\s+(if\s+exists\s+)?[\w".]+\s*\([\w\s,"[\]]*\)(\s+(cascade|restrict))?$/i,
    'drop_function',
  ],
  [
    /^refresh\s+materialized\s+view\s+(concurrently\s+)?[\w".]+(\s+with\s+(no\s+)?data)?$/i,
    'maintenance',
  ],
  [
    /^alter\s+table\s+(if\s+exists\s+)?(only\s+)?[\w".]+\s+drop\s+constraint\s+(if\s+exists\s+)?[\w"]+(\s+(cascade|restrict))?$/i,
    'alter',
  ],
  [
    /^(optimize|analyze|check|repair)\s+(no_write_to_binlog\s+|local\s+)?table\s+[\w`.,\s]+$/i,
    'maintenance',
  ],
  [
    /^create\s+(unique\s+)?index\s+concurrently\s+if\s+not\s+exists\s+[\w".]+\s+on\s+[\w".]+/i,
    'create_index',
  ],
  [
    /^(vacuum|analyze|reindex)(\s+\(?\s*[\w\s,()]*\)?)?(\s+[\w".]+)?\s*$/i,
    'maintenance',
  ],
  [/^alter\s+system\s+(set|reset)\s+\w+/i, 'alter_system'],
  [
    /^alter\s+(role|user|database)\s+[\w"]+\s+(set|reset|with|connection\s+limit)\b/i,
    'alter_role',
  ],
  [
    /^alter\s+table\s+(only\s+)?[\w".]+\s+rename\s+(column\s+)?[\w"]+\s+to\s+[\w"]+$/i,
    'rename',
  ],
  [
    /^alter\s+table\s+(only\s+)?[\w".]+\s+add\s+constraint\s+[\w"]+\s+(foreign\s+key|check|unique)\b[\s\S]*$/i,
    'add_constraint',
  ],
  [
    /^alter\s+table\s+(only\s+)?[\w".]+\s+validate\s+constraint\s+[\w"]+$/i,
    'validate_constraint',
  ],
  [/^alter\s+index\s+[\w".]+\s+(rename\s+to|set)\b/i, 'alter_index'],
  [/^comment\s+on\s+(table|column|index)\s+[\w".]+\s+is\s+/i, 'comment'],
  [
    /^alter\s+table\s+(only\s+)?[\w".]+\s+(set|reset)\s*\([\w\s.,=']+\)$/i,
    'alter',
  ],
  [
    /^create\s+statistics\s+(if\s+not\s+exists\s+)?[\w".]+(\s*\([\w\s,]+\))?\s+on\s+[\w\s,"]+\s+from\s+[\w".]+$/i,
    'create_statistics',
  ],
  [
    /^do\s+(language\s+\w+\s+)?\$[A-Za-z_]*\$[\s\S]*\$[A-Za-z_]*\$(\s+language\s+\w+)?$/i,
    'procedural',
  ],
  [/^set\s+(local\s+|session\s+)?[\w.]+\s*(=|to)\s*/i, 'set'],
  [/^(begin|commit|rollback|start\s+transaction)\b/i, 'transaction'],
];

const parser = new Parser();

interface Classified {
  kind: string;
  tables: string[];
  concurrently?: boolean;
  whereless?: boolean;
}

function tablesOf(ast: Record<string, unknown>): string[] {
  const t = ast.table ?? ast.name;
  let list: unknown[] = [];
  if (Array.isArray(t)) list = t;
  else if (t) list = [t];
  return list
    .map(x => (typeof x === 'string' ? x : (x as { table?: string })?.table))
    .filter((x): x is string => typeof x === 'string');
}

function classify(
  stmt: string,
  dialect: 'postgresql' | 'mysql',
): Classified | string {
  const order: Array<'postgresql' | 'mysql'> =
    dialect === 'mysql' ? ['mysql', 'postgresql'] : ['postgresql', 'mysql'];
  let firstError = '';
  for (const db of order) {
    try {
      const res = parser.astify(stmt, { database: db });
      const ast = (Array.isArray(res) ? res[0] : res) as unknown as Record<
        string,
        unknown
      >;
      const type = String(ast.type);
      const keyword = String(ast.keyword ?? '');
      const tables = tablesOf(ast);
      if (type === 'drop')
        return { kind: `drop_${keyword || 'object'}`, tables };
      if (type === 'truncate') return { kind: 'truncate', tables };
      if (type === 'delete' || type === 'update')
        return {
          kind: type,
          tables,
          whereless:
            !ast.where ||
            /\bwhere\s+(1\s*=\s*1|true|'1'\s*=\s*'1')\s*;?\s*$/i.test(stmt),
        };
      if (type === 'create')
        return {
          kind: `create_${keyword}`,
          tables,
          concurrently: ast.concurrently === 'concurrently',
        };
      if (type === 'alter') {
        const exprs = (ast.expr as Array<Record<string, unknown>>) ?? [];
        const dropsColumn = exprs.some(
          e =>
            e.action === 'drop' &&
            (e.resource === 'column' || e.keyword === 'COLUMN' || e.column),
        );
        const changesType =
          /\balter\s+(column\s+)?[\w"]+\s+(set\s+data\s+)?type\b/i.test(stmt) ||
          /\b(modify|change)\s+(column\s+)?[\w`"]+\s+[\w`"]+/i.test(stmt);
        void exprs;
        if (dropsColumn) return { kind: 'drop_column', tables };
        return { kind: changesType ? 'alter_type' : 'alter', tables };
      }
      if (type === 'grant') {
        const to = JSON.stringify(
          ast.user_or_roles ?? ast.to ?? ast.user ?? '',
        ).toLowerCase();
        const privs = JSON.stringify(
          ast.privileges ?? ast.objects ?? '',
        ).toLowerCase();
        if (to.includes('public')) return { kind: 'grant_public', tables };
        return { kind: privs.includes('"all') ? 'grant_all' : 'grant', tables };
      }
      return { kind: type, tables };
    } catch (e) {
      if (!firstError) firstError = String((e as Error).message).slice(0, 160);
    }
  }
  for (const [re, kind] of KNOWN_FORMS) {
    if (re.test(stmt.trim())) {
      const m = /\bon\s+([\w".]+)/i.exec(stmt);
      return {
        kind,
        tables: m ? [m[1].replace(/"/g, '')] : [],
        concurrently: /concurrently/i.test(stmt),
      };
    }
  }
  return firstError || 'unrecognized statement';
}

export interface SqlCheckInput {
  artifact: string;
  text: string;
  /** The paired rollback file, when present. */
  down?: { artifact: string; text: string };
  dialect: 'postgresql' | 'mysql';
  production: boolean;
  environment: string;
}

const READ_KINDS = new Set([
  'select',
  'show',
  'explain',
  'set',
  'transaction',
  'maintenance',
  'comment',
]);

function checkStatements(
  artifact: string,
  text: string,
  dialect: 'postgresql' | 'mysql',
  out: Finding[],
): Array<Classified & { line: number; text: string }> {
  const res: Array<Classified & { line: number; text: string }> = [];
  for (const s of splitSql(text)) {
    const c = classify(s.text, dialect);
    if (typeof c === 'string') {
      out.push({
        code: 'SQL_PARSE',
        severity: 'block',
        stage: 'syntax',
        message: `SQL does not parse: ${c}`,
        artifact,
        line: s.line,
      });
      continue;
    }
    res.push({ ...c, line: s.line, text: s.text });
  }
  return res;
}

export function checkSql(input: SqlCheckInput, out: Finding[]): SqlFacts {
  const { artifact, production } = input;
  const facts: SqlFacts = {
    tables: [],
    verbs: [],
    destructive: false,
    dataLoss: false,
    readOnly: true,
  };
  const stmts = checkStatements(artifact, input.text, input.dialect, out);
  if (!stmts.length && !out.some(f => f.artifact === artifact))
    out.push({
      code: 'SQL_EMPTY',
      severity: 'block',
      stage: 'syntax',
      message: 'migration has no statements',
      artifact,
      line: 1,
    });
  const dataLossSeverity =
    input.environment === 'development' ? 'warn' : 'block';
  let inTx = false;
  for (const s of stmts) {
    facts.tables.push(...s.tables);
    facts.verbs.push(s.kind);
    if (!READ_KINDS.has(s.kind)) facts.readOnly = false;
    if (s.kind === 'transaction') inTx = /^(begin|start)/i.test(s.text);
    const cite = (
      code: string,
      severity: Finding['severity'],
      message: string,
    ) =>
      out.push({
        code,
        severity,
        stage: 'guardrail',
        message,
        artifact,
        line: s.line,
      });
    if (
      /^drop_(table|database|schema)$/.test(s.kind) ||
      s.kind === 'truncate' ||
      s.kind === 'drop_column'
    ) {
      facts.destructive = true;
      facts.dataLoss = true;
      cite(
        'SQL_DATA_LOSS',
        dataLossSeverity,
        `${s.kind.replace('_', ' ').toUpperCase()} ${s.tables.join(
          ', ',
        )} destroys data a down migration cannot restore`,
      );
    } else if ((s.kind === 'delete' || s.kind === 'update') && s.whereless) {
      facts.destructive = true;
      facts.dataLoss = true;
      cite(
        'SQL_DATA_LOSS',
        dataLossSeverity,
        `${s.kind.toUpperCase()} without WHERE touches every row of ${s.tables.join(
          ', ',
        )}`,
      );
    } else if (s.kind === 'delete' || s.kind === 'update') {
      cite(
        'SQL_DATA_CHANGE',
        'warn',
        `${s.kind.toUpperCase()} changes rows of ${s.tables.join(
          ', ',
        )}: the down step cannot restore them exactly`,
      );
    } else if (/\bpassword\s+'[^']{4,}'/i.test(s.text)) {
      cite(
        'GR_PLAINTEXT_SECRET',
        'block',
        'a literal password in the migration (it stays in git and in the audit log)',
      );
    } else if (s.kind === 'grant_public' || /\bsuperuser\b/i.test(s.text)) {
      cite('SQL_PRIVILEGE', 'block', 'grants to PUBLIC or SUPERUSER');
    } else if (s.kind === 'grant_all') {
      cite('SQL_PRIVILEGE', 'warn', 'GRANT ALL');
    } else if (s.kind === 'alter_type') {
      cite(
        'SQL_LOCKING',
        'warn',
        'changing a column type rewrites the table under an exclusive lock',
      );
    } else if (
      s.kind === 'rename' ||
      /\brename\s+(column\s+)?[\w"]+\s+to\b/i.test(s.text)
    ) {
      cite(
        'SQL_RENAME',
        'warn',
        'renaming breaks every running client that still uses the old name',
      );
    } else if (s.kind === 'alter_system') {
      cite(
        'SQL_SERVER_SETTING',
        'warn',
        'ALTER SYSTEM changes a server-wide setting',
      );
    }
    if (s.kind === 'procedural') {
      if (
        /\b(drop\s+(table|schema|database)|truncate|delete\s+from)\b/i.test(
          s.text,
        )
      ) {
        facts.destructive = true;
        facts.dataLoss = true;
        cite(
          'SQL_DATA_LOSS',
          dataLossSeverity,
          'a procedural block drops, truncates or deletes data',
        );
      } else
        cite(
          'SQL_PROCEDURAL',
          'warn',
          'a DO block is not parsed statement by statement: review its body',
        );
    }
    if (
      s.kind === 'create_index' &&
      input.dialect === 'postgresql' &&
      production &&
      !s.concurrently
    )
      // Blocking writes on a production table for the length of an index build is an outage.
      cite(
        'SQL_LOCKING',
        'block',
        'CREATE INDEX without CONCURRENTLY blocks writes to the table while it builds',
      );
    if (s.concurrently && inTx && input.dialect === 'postgresql')
      cite(
        'SQL_TX_CONCURRENTLY',
        'block',
        'CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction block',
      );
    if (/pg_terminate_backend|pg_cancel_backend/i.test(s.text))
      cite('SQL_KILLS_SESSIONS', 'warn', 'terminates database sessions');
  }
  if (!facts.readOnly) {
    if (!input.down) {
      out.push({
        code: 'SQL_NO_DOWN',
        severity: 'block',
        stage: 'syntax',
        message: `migration ${artifact} has no rollback ${artifact.replace(
          /(\.up)?\.sql$/i,
          '.down.sql',
        )}`,
        artifact,
        line: 1,
      });
    } else {
      const downStmts = checkStatements(
        input.down.artifact,
        input.down.text,
        input.dialect,
        out,
      );
      if (
        !downStmts.length &&
        !out.some(f => f.artifact === input.down!.artifact)
      )
        out.push({
          code: 'SQL_EMPTY_DOWN',
          severity: 'block',
          stage: 'syntax',
          message: 'the down migration has no statements',
          artifact: input.down.artifact,
          line: 1,
        });
    }
  }
  return facts;
}
