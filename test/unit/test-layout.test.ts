/**
 * Every test file sits in one of the layers vitest.config.mts runs as a project (unit, api, processes, browser):
 * a file anywhere else would be collected by no project and silently never run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const TEST_ROOT = path.resolve(__dirname, '..');
const LAYERS = ['unit', 'api', 'processes', 'browser'];

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : testFiles(p);
    return e.name.endsWith('.test.ts') ? [path.relative(TEST_ROOT, p)] : [];
  });
}

describe('the suite layout', () => {
  it('puts every test file in a layer that a vitest project runs', () => {
    const files = testFiles(TEST_ROOT);
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((f) => !LAYERS.includes(f.split(path.sep)[0]))).toEqual([]);
  });

  it('names each layer as a project in vitest.config.mts', () => {
    const config = fs.readFileSync(path.resolve(TEST_ROOT, '../vitest.config.mts'), 'utf8');
    for (const layer of LAYERS) expect(config).toContain(`include: ['test/${layer}/**/*.test.ts']`);
  });
});
