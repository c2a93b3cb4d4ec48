// Fails when two versions of one @backstage/* package are installed, or when a package strays from
// the release line recorded in backstage.json (a mix of release lines crashes the backend at start).
import { readFileSync } from 'node:fs';

const lock = readFileSync(new URL('../yarn.lock', import.meta.url), 'utf8');
const versions = new Map();
let current;
for (const line of lock.split('\n')) {
  const head = /^"?(@backstage\/[^@"]+)@/.exec(line);
  if (head) {
    current = head[1];
    continue;
  }
  if (!line.startsWith(' ')) current = undefined;
  const v = /^ {2}version: "?([^"\s]+)"?/.exec(line);
  if (current && v) {
    if (!versions.has(current)) versions.set(current, new Set());
    versions.get(current).add(v[1]);
  }
}
const root = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
);
const pinned = root.resolutions ?? {};
const problems = [];
for (const [name, set] of versions) {
  if (set.size > 1)
    problems.push(`${name}: ${[...set].join(', ')} installed at once`);
  if (!pinned[name])
    problems.push(
      `${name}: not pinned in package.json resolutions to its release-line version`,
    );
  else if (!set.has(pinned[name]))
    problems.push(`${name}: installed ${[...set]} but pinned ${pinned[name]}`);
}
const line = JSON.parse(
  readFileSync(new URL('../backstage.json', import.meta.url), 'utf8'),
).version;
if (problems.length) {
  console.error(
    `@backstage/* packages are not on one release line (${line}):\n  ${problems.join(
      '\n  ',
    )}`,
  );
  console.error(
    'Fix: pin the package in the root package.json "resolutions" to its version of that release, then yarn install.',
  );
  process.exit(1);
}
console.log(
  `[versions] ${versions.size} @backstage/* packages, one version each, pinned to the ${line} release line`,
);
