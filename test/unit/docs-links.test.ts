/**
 * The docs hold together: every relative link in README.md and docs/**\/*.md points at a file that exists, every
 * `#anchor` at a heading of its page (GitHub's slugs), and every ```sh / ```bash block is either run by a test or
 * says why it is not. "Run by a test" is the explicit list below: the test file must read that page, and a block
 * in a page it does not run is marked `<!-- not-run: reason -->` on the line before it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

/** Pages whose unmarked shell blocks a test runs (or whose output a test checks), and the tests that do it. */
const RUN_BY: Record<string, string[]> = {
  // The /v1/me request of "Verify your key" is made against a fresh server and its answer compared word for word;
  // "Verify your key" and "A monitor and an alert in five minutes" are typed into bash, command by command.
  'README.md': ['test/processes/seed.test.ts', 'test/processes/readme-walkthrough.test.ts'],
  // The install and generate blocks run in an empty project; the codegen config and example in the repository.
  'docs/how-to/typed-client.md': ['test/processes/typed-client-guide.test.ts', 'test/processes/typed-client.test.ts'],
  // The curl lines run against a real heartbeat, in bash, and each ping is checked as a run.
  'docs/reference/heartbeats.md': ['test/api/heartbeats.test.ts'],
};

function pages(): string[] {
  const out = ['README.md'];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.md')) out.push(rel);
    }
  };
  walk('docs');
  if (fs.existsSync(path.join(ROOT, 'bench/results'))) walk('bench/results');
  return out;
}

/** The page's lines outside fenced code blocks, with inline code blanked out. */
function prose(text: string): string[] {
  let fence = false;
  return text.split('\n').map((line) => {
    if (/^\s*```/.test(line)) {
      fence = !fence;
      return '';
    }
    return fence ? '' : line.replace(/`[^`]*`/g, '');
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(text.replace(/`([^`]*)`/g, '$1'))) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

function links(text: string): string[] {
  const out: string[] = [];
  for (const line of prose(text)) for (const m of line.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push(m[1]);
  return out;
}

/** Each ```sh / ```bash / ```shell block: its first line number and the line before its fence. */
function shellBlocks(text: string): { line: number; marker: string }[] {
  const lines = text.split('\n');
  const out: { line: number; marker: string }[] = [];
  let fence = false;
  lines.forEach((line, i) => {
    if (!/^\s*```/.test(line)) return;
    if (!fence && /^\s*```(sh|bash|shell)\b/.test(line)) out.push({ line: i + 1, marker: (lines[i - 1] ?? '').trim() });
    fence = !fence;
  });
  return out;
}

describe('docs', () => {
  const all = pages();

  it('finds the pages', () => {
    expect(all).toContain('docs/README.md');
    expect(all.length).toBeGreaterThan(20);
  });

  it('has no dead relative link or anchor', () => {
    const dead: string[] = [];
    for (const page of all) {
      const text = fs.readFileSync(path.join(ROOT, page), 'utf8');
      for (const link of links(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto: …: not checked offline
        const [file, anchor] = link.split('#') as [string, string | undefined];
        const target = file ? path.normalize(path.join(path.dirname(page), decodeURI(file))) : page;
        if (!fs.existsSync(path.join(ROOT, target))) {
          dead.push(`${page}: ${link} (no ${target})`);
          continue;
        }
        if (anchor !== undefined) {
          if (!target.endsWith('.md')) continue;
          if (!anchors(fs.readFileSync(path.join(ROOT, target), 'utf8')).has(decodeURIComponent(anchor))) dead.push(`${page}: ${link} (no heading #${anchor} in ${target})`);
        }
      }
    }
    expect(dead).toEqual([]);
  });

  it('runs every shell block in a test, or says why not', () => {
    const unaccounted: string[] = [];
    for (const page of all) {
      for (const block of shellBlocks(fs.readFileSync(path.join(ROOT, page), 'utf8'))) {
        const reason = /^<!-- not-run: (.+?) -->$/.exec(block.marker)?.[1];
        if (reason && reason.trim().length > 10) {
          // A reason that points at a test must point at one that exists.
          for (const test of reason.match(/test\/[\w/.-]+\.test\.ts/g) ?? []) {
            if (!fs.existsSync(path.join(ROOT, test))) unaccounted.push(`${page}:${block.line} names ${test}, which does not exist`);
          }
          continue;
        }
        if (!RUN_BY[page]) unaccounted.push(`${page}:${block.line}`);
      }
    }
    expect(unaccounted, 'a shell block neither run by a test of RUN_BY nor marked <!-- not-run: reason -->').toEqual([]);
  });

  it('names tests that exist and read the page they are listed for', () => {
    for (const [page, tests] of Object.entries(RUN_BY)) {
      expect(all).toContain(page);
      for (const test of tests) expect(fs.readFileSync(path.join(ROOT, test), 'utf8'), `${test} reads ${page}`).toContain(page);
    }
  });
});
