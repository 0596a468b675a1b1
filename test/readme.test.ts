// The README's tutorial must run as written: this suite extracts its
// `node tutorial.mjs` script and runs it in a child process.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url);

async function tutorialScript(): Promise<string> {
  const readme = await readFile(new URL('README.md', root), 'utf8');
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map(
    (m) => m[1]!,
  );
  const script = blocks.find((b) => b.includes('createMachine'));
  if (script === undefined) throw new Error('README has no tutorial script');
  return script;
}

describe('the README tutorial', () => {
  it('runs as written and prints what the README says', async () => {
    // The script lives in the repository root, as the README tells.
    const dir = await mkdtemp(join(root.pathname, '.tutorial-'));
    try {
      const file = join(dir, 'tutorial.mjs');
      await writeFile(file, await tutorialScript());
      const { stdout } = await promisify(execFile)(process.execPath, [file], {
        cwd: root.pathname,
        timeout: 30_000,
      });
      expect(stdout.trim()).toBe(
        'after 10 Starts the tree has 2047 components',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
