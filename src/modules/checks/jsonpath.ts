/**
 * The JSONPath subset assertions and extractions use: `$`, `.name`, `['name']` / `["name"]`, `[0]`.
 * Deliberately no filters or script expressions: they need an evaluator, and jsonpath-plus's evaluator was a
 * remote-code-execution hole (CVE-2024-21534). A path that does not parse is refused when it is saved.
 */
export type PathSegment = string | number;

const TOKEN = /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\])/;

export function parseJsonPath(path: string): PathSegment[] | null {
  if (!path.startsWith('$') || path.length > 500) return null;
  const out: PathSegment[] = [];
  let rest = path.slice(1);
  while (rest.length) {
    const m = TOKEN.exec(rest);
    if (!m) return null;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push((m[3] ?? m[4]).replace(/\\(.)/g, '$1'));
    rest = rest.slice(m[0].length);
  }
  return out;
}

/** The value at `path`, or undefined when any step is missing. */
export function evaluateJsonPath(value: unknown, path: PathSegment[]): unknown {
  let cur = value;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[seg];
    } else {
      if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return cur;
}
