/**
 * docs/reference/configuration.md lists every setting src/config.ts reads, with the default the code gives it.
 * The settings are read from the source text (the keys of the zod object `schema`), so a setting added without a
 * row, or a default changed in one place only, fails here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const source = fs.readFileSync(path.join(ROOT, 'src/config.ts'), 'utf8');
const doc = fs.readFileSync(path.join(ROOT, 'docs/reference/configuration.md'), 'utf8');

/** Each top-level key of `const schema = z.object({ … })` with the text of its definition. */
function settings(): Map<string, string> {
  const start = source.indexOf('const schema = z.object({');
  expect(start, 'src/config.ts declares `const schema = z.object({`').toBeGreaterThanOrEqual(0);
  const end = source.indexOf('\n});', start);
  const found = new Map<string, string>();
  let name: string | undefined;
  for (const line of source.slice(start, end).split('\n').slice(1)) {
    const m = /^ {2}([A-Z][A-Z0-9_]*):/.exec(line);
    if (m) found.set((name = m[1]), '');
    if (name && !/^\s*(\/\*\*|\*)/.test(line)) found.set(name, found.get(name) + line + '\n');
  }
  return found;
}

/** The Default cell of the setting's row, or undefined without a row. */
function documentedDefault(name: string): string | undefined {
  return new RegExp('^\\| `' + name + '` \\| ([^|]*) \\|', 'm').exec(doc)?.[1];
}

describe('docs/reference/configuration.md', () => {
  const all = settings();

  it('has a row for every setting of src/config.ts', () => {
    expect(all.size).toBeGreaterThan(50); // the parser found the object, not a fragment of it
    const missing = [...all.keys()].filter((name) => documentedDefault(name) === undefined);
    expect(missing, 'settings read in src/config.ts without a row in docs/reference/configuration.md').toEqual([]);
  });

  it('gives each plain default as the code does', () => {
    const wrong: string[] = [];
    for (const [name, definition] of all) {
      const cell = documentedDefault(name)!;
      const number = /\.default\((-?[\d_.]+)\)/.exec(definition)?.[1]?.replace(/_/g, '');
      const flag = /bool\((true|false)\)/.exec(definition)?.[1];
      const text = /\.default\('([^']*)'\)/.exec(definition)?.[1];
      const expected = number ?? flag ?? text;
      if (expected !== undefined && !cell.replace(/,/g, '').includes(expected.replace(/,/g, ''))) wrong.push(`${name}: code ${expected}, documented ${cell}`);
    }
    expect(wrong).toEqual([]);
  });
});
