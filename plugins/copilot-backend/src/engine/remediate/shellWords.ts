// POSIX shell word splitting for preflight: quotes, escapes and literal variable assignments only.
// Anything that would make a command line depend on the shell (pipes, redirects, subshells, globs) is refused.
import type { Finding } from './types';

export interface ShellLine {
  /** 1-based line the command starts on. */
  line: number;
  words: string[];
}

export interface SplitResult {
  commands: ShellLine[];
  findings: Finding[];
}

const OPERATORS: Record<string, string> = {
  '|': 'a pipe or ||',
  ';': 'a ; command separator',
  '&': 'a background &',
  '<': 'a redirection',
  '>': 'a redirection',
  '`': 'command substitution `...`',
  '(': 'a subshell',
  ')': 'a subshell',
};

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Splits a script into commands (newline or `&&` separated). Literal `NAME=value` assignments are
 * substituted into later `$NAME` / `${NAME}`; every other expansion or operator is a finding.
 */
export function splitShell(artifact: string, text: string): SplitResult {
  const findings: Finding[] = [];
  const commands: ShellLine[] = [];
  const vars = new Map<string, string>();
  const forbid = (line: number, what: string) =>
    findings.push({
      code: 'SH_FORBIDDEN_SYNTAX',
      severity: 'block',
      stage: 'syntax',
      message: `${what} is not allowed: generated scripts are plain command lines`,
      artifact,
      line,
    });

  let words: string[] = [];
  let word = '';
  let inWord = false;
  let line = 1;
  let cmdLine = 1;
  let i = 0;
  const n = text.length;

  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length) {
      // Literal assignments (`NS=shop`, `export NS=shop`) feed later expansions.
      const ws = words[0] === 'export' ? words.slice(1) : words;
      const assign =
        ws.length > 0 && ws.every(w => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
      if (assign) {
        for (const w of ws) {
          const eq = w.indexOf('=');
          vars.set(w.slice(0, eq), w.slice(eq + 1));
        }
      } else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
        forbid(cmdLine, 'an environment prefix on a command');
      } else {
        commands.push({ line: cmdLine, words });
      }
    }
    words = [];
  };
  const expand = (quoted: boolean): void => {
    // at text[i] === '$'
    const next = text[i + 1];
    if (next === '(') {
      forbid(line, 'command substitution $(...)');
      i += 2;
      return;
    }
    let name = '';
    let j = i + 1;
    if (next === '{') {
      const close = text.indexOf('}', i + 2);
      name = close > 0 ? text.slice(i + 2, close) : '';
      j = close + 1;
      if (!NAME.test(name)) {
        forbid(line, `parameter expansion \${${name.slice(0, 20)}}`);
        i = close > 0 ? j : n;
        return;
      }
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1, i + 65));
      if (!m) {
        if (quoted || (next !== undefined && !/\s/.test(next))) {
          forbid(line, `expansion $${next ?? ''}`);
          i += 2;
          return;
        }
        word += '$';
        inWord = true;
        i++;
        return;
      }
      name = m[0];
      j = i + 1 + name.length;
    }
    const value = vars.get(name);
    if (value === undefined) {
      forbid(
        line,
        `expansion of $${name}, which the script does not set to a literal`,
      );
    } else {
      word += value;
      inWord = true;
    }
    i = j;
  };

  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      line++;
      endCommand();
      cmdLine = line;
      i++;
      continue;
    }
    if (c === '\\') {
      if (text[i + 1] === '\n') {
        line++;
        i += 2;
        continue;
      }
      if (i + 1 < n) {
        word += text[i + 1];
        inWord = true;
      }
      i += 2;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      if (!words.length) cmdLine = line;
      i++;
      continue;
    }
    if (c === '#' && !inWord) {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) {
        findings.push({
          code: 'SH_PARSE',
          severity: 'block',
          stage: 'syntax',
          message: 'unterminated single quote',
          artifact,
          line,
        });
        return { commands, findings };
      }
      const chunk = text.slice(i + 1, close);
      line += chunk.split('\n').length - 1;
      word += chunk;
      inWord = true;
      i = close + 1;
      continue;
    }
    if (c === '"') {
      i++;
      inWord = true;
      let closed = false;
      while (i < n) {
        const d = text[i];
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && i + 1 < n && '$`"\\\n'.includes(text[i + 1])) {
          if (text[i + 1] === '\n') line++;
          else word += text[i + 1];
          i += 2;
          continue;
        }
        if (d === '`') {
          forbid(line, 'command substitution `...`');
          i++;
          continue;
        }
        if (d === '$') {
          expand(true);
          continue;
        }
        if (d === '\n') line++;
        word += d;
        i++;
      }
      if (!closed) {
        findings.push({
          code: 'SH_PARSE',
          severity: 'block',
          stage: 'syntax',
          message: 'unterminated double quote',
          artifact,
          line,
        });
        return { commands, findings };
      }
      continue;
    }
    if (c === '&' && text[i + 1] === '&') {
      endCommand();
      cmdLine = line;
      i += 2;
      continue;
    }
    if ('|;&<>()`'.includes(c)) {
      const what = OPERATORS[c];
      forbid(line, what);
      i += c === '|' && text[i + 1] === '|' ? 2 : 1;
      if (c === '|' || c === ';' || c === '&') {
        endCommand();
        cmdLine = line;
      } else endWord();
      continue;
    }
    if (c === '$') {
      expand(false);
      continue;
    }
    if (
      c === '*' ||
      c === '?' ||
      (c === '~' && !inWord) ||
      c === '{' ||
      c === '}'
    ) {
      forbid(line, `an unquoted ${c} (glob, brace or tilde expansion)`);
      i++;
      continue;
    }
    word += c;
    inWord = true;
    i++;
  }
  endCommand();
  return { commands, findings };
}
