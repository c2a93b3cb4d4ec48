// YAML lint and parse with source positions: duplicate keys, tab indentation, parse errors.
// Uses the `yaml` package's CST-backed documents (YAML 1.2 core schema) and its LineCounter.
import {
  isCollection,
  isScalar,
  LineCounter,
  parseAllDocuments,
  type Document,
} from 'yaml';
import type { Finding } from './types';

export interface YamlDoc {
  /** Plain JS value of the document. */
  value: unknown;
  /** 1-based line the document starts on. */
  line: number;
  /** 1-based line of the node at `path` (falls back to the document's line). */
  lineOf(path: ReadonlyArray<string | number>): number;
}

export interface ParsedYaml {
  docs: YamlDoc[];
  findings: Finding[];
}

/** Parses every document of `text`; findings cite `artifact` and a line. */
export function parseYaml(artifact: string, text: string): ParsedYaml {
  const findings: Finding[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (/^ *\t/.test(lines[i]))
      findings.push({
        code: 'YAML_TAB_INDENT',
        severity: 'block',
        stage: 'syntax',
        message:
          'tab character in indentation (YAML forbids tabs for indentation)',
        artifact,
        line: i + 1,
      });
  }
  const lc = new LineCounter();
  const docs: YamlDoc[] = [];
  let parsed: Document.Parsed[];
  try {
    parsed = parseAllDocuments(text, {
      lineCounter: lc,
      uniqueKeys: true,
      merge: true,
      prettyErrors: false,
    }) as Document.Parsed[];
  } catch (e) {
    findings.push({
      code: 'YAML_PARSE',
      severity: 'block',
      stage: 'syntax',
      message: `YAML does not parse: ${(e as Error).message}`,
      artifact,
    });
    return { docs, findings };
  }
  if (!Array.isArray(parsed)) parsed = [parsed];
  for (const doc of parsed) {
    for (const err of doc.errors) {
      const line = lc.linePos(err.pos[0]).line;
      if (findings.some(f => f.line === line && f.code === 'YAML_TAB_INDENT'))
        continue;
      findings.push({
        code:
          err.code === 'DUPLICATE_KEY' ? 'YAML_DUPLICATE_KEY' : 'YAML_PARSE',
        severity: 'block',
        stage: 'syntax',
        message:
          err.code === 'DUPLICATE_KEY'
            ? `duplicate mapping key: ${err.message.split('\n')[0]}`
            : `YAML does not parse: ${err.message.split('\n')[0]}`,
        artifact,
        line,
      });
    }
    if (doc.errors.length) continue;
    const startLine = doc.contents?.range
      ? lc.linePos(doc.contents.range[0]).line
      : 1;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 50 });
    } catch (e) {
      findings.push({
        code: 'YAML_PARSE',
        severity: 'block',
        stage: 'syntax',
        message: `YAML does not load: ${(e as Error).message}`,
        artifact,
        line: startLine,
      });
      continue;
    }
    if (value === null || value === undefined) continue;
    docs.push({
      value,
      line: startLine,
      lineOf(path) {
        for (let n = path.length; n > 0; n--) {
          const node = doc.getIn(path.slice(0, n), true);
          const range =
            (isScalar(node) || isCollection(node)) && node.range
              ? node.range
              : undefined;
          if (range) return lc.linePos(range[0]).line;
        }
        return startLine;
      },
    });
  }
  return { docs, findings };
}
