#!/usr/bin/env node
/**
 * Generates the TypeScript for schemas/*.fbs with flatc and compares it with
 * the committed copy in src/wire/generated/, or (with --write) replaces it.
 *
 *   npm run schemas          node scripts/check-schemas.mjs --write
 *   npm run schemas:check    node scripts/check-schemas.mjs
 *
 * Both modes generate into a fresh temporary folder with the same steps:
 *
 *   flatc --ts --ts-flat-files -o TMP schemas/control.fbs schemas/envelope.fbs
 *
 * `--ts-flat-files` gives one self-contained file per schema
 * (`<name>_generated.ts`) whose only import is the `flatbuffers` package, so
 * no relative import needs a `.js` suffix for NodeNext and no post-processing
 * (sed) step is needed. The step also writes `VERSION`, which records the
 * flatc version in its header comment: another flatc may emit other code,
 * so a different version fails the check too.
 *
 * The check exits 1 and names every file that differs, is missing or is
 * extra; it exits 2 when flatc is not installed.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMAS = join(ROOT, 'schemas');
const GENERATED = join(ROOT, 'src', 'wire', 'generated');
const FLATC = process.env.FLATC ?? 'flatc';
const write = process.argv.includes('--write');

function fail(code, message) {
  process.stderr.write(`schemas: ${message}\n`);
  process.exit(code);
}

function flatcVersion() {
  const run = spawnSync(FLATC, ['--version'], { encoding: 'utf8' });
  if (run.error !== undefined || run.status !== 0) {
    fail(
      2,
      `cannot run ${FLATC} (${run.error?.message ?? `exit ${run.status}`}). ` +
        'Install the FlatBuffers compiler: apt-get install -y ' +
        'flatbuffers-compiler (Debian), or set FLATC to its path. The ' +
        'committed code was made by the version named in ' +
        `${relative(ROOT, join(GENERATED, 'VERSION'))}.`,
    );
  }
  return run.stdout.trim();
}

/** Runs the generation steps into a new temporary folder; returns it. */
function generate(version) {
  const out = mkdtempSync(join(tmpdir(), 'circo-schemas-'));
  const schemas = readdirSync(SCHEMAS)
    .filter((name) => name.endsWith('.fbs'))
    .sort()
    .map((name) => join(SCHEMAS, name));
  if (schemas.length === 0) fail(1, `no .fbs files in ${SCHEMAS}`);
  const run = spawnSync(
    FLATC,
    ['--ts', '--ts-flat-files', '-o', out, ...schemas],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) {
    rmSync(out, { recursive: true, force: true });
    fail(1, `flatc failed:\n${run.stderr}${run.stdout}`);
  }
  writeFileSync(
    join(out, 'VERSION'),
    '# Made by `npm run schemas` (scripts/check-schemas.mjs) from\n' +
      '# schemas/*.fbs with `flatc --ts --ts-flat-files`; do not edit.\n' +
      '# `npm run schemas:check` fails when a regeneration differs.\n' +
      `${version}\n`,
  );
  return out;
}

function files(dir) {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Names each file of `fresh` that the committed folder lacks or differs in. */
function compare(fresh, version) {
  const problems = [];
  const committed = new Set(files(GENERATED));
  for (const name of files(fresh)) {
    const shown = relative(ROOT, join(GENERATED, name));
    if (!committed.delete(name)) {
      problems.push(`${shown}: missing (flatc generates it)`);
    } else if (
      !readFileSync(join(fresh, name)).equals(
        readFileSync(join(GENERATED, name)),
      )
    ) {
      problems.push(`${shown}: differs from what ${version} generates`);
    }
  }
  for (const name of committed) {
    problems.push(
      `${relative(ROOT, join(GENERATED, name))}: extra (not generated)`,
    );
  }
  return problems;
}

function replace(fresh) {
  mkdirSync(GENERATED, { recursive: true });
  for (const name of files(GENERATED)) rmSync(join(GENERATED, name));
  for (const name of files(fresh)) {
    copyFileSync(join(fresh, name), join(GENERATED, name));
  }
}

const version = flatcVersion();
const fresh = generate(version);
const where = relative(ROOT, GENERATED);
let problems = [];
try {
  if (write) replace(fresh);
  else problems = compare(fresh, version);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
if (problems.length > 0) {
  fail(
    1,
    `generated code is out of date:\n  ${problems.join('\n  ')}\n` +
      'Run `npm run schemas` and commit the result (VERSION records the ' +
      'flatc version).',
  );
}
process.stdout.write(
  write
    ? `schemas: regenerated ${where} with ${version}\n`
    : `schemas: ${where} matches schemas/*.fbs (${version})\n`,
);
