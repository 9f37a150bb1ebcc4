import { type Assertion, AssertionSource, Comparison } from './check.types';
import { evaluateJsonPath, parseJsonPath } from './jsonpath';
import { Redactor } from './redactor';
import { isSensitiveName, MASK } from './secrets';

export interface CheckedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  totalMs: number;
}

export interface AssertionResult extends Assertion {
  actual: string | null;
  passed: boolean;
}

const asText = (v: unknown): string | null =>
  v === undefined || v === null ? null : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** Lazily parsed JSON body, shared by every JSON_BODY assertion and extraction of one response. */
export class ResponseView {
  private parsed: { value: unknown } | null | undefined;
  constructor(readonly res: CheckedResponse) {}

  json(): { value: unknown } | null {
    if (this.parsed === undefined) {
      try {
        this.parsed = { value: JSON.parse(this.res.body) };
      } catch {
        this.parsed = null;
      }
    }
    return this.parsed;
  }

  /** The text a source/property pair points at in this response, or null. */
  read(source: AssertionSource | 'STATUS_CODE' | 'JSON_BODY' | 'HEADER', property?: string | null): string | null {
    switch (source) {
      case AssertionSource.STATUS_CODE:
        return String(this.res.status);
      case AssertionSource.TEXT_BODY:
        return this.res.body;
      case AssertionSource.RESPONSE_TIME:
        return String(Math.round(this.res.totalMs));
      case AssertionSource.HEADER:
        return this.res.headers[(property ?? '').toLowerCase()] ?? null;
      case AssertionSource.JSON_BODY: {
        const doc = this.json();
        const path = parseJsonPath(property ?? '$');
        return doc && path ? asText(evaluateJsonPath(doc.value, path)) : null;
      }
      default:
        return null;
    }
  }
}

const isEmpty = (a: string | null) => a === null || a === '' || a === '[]' || a === '{}';

export function compare(actual: string | null, comparison: Comparison, target: string | null | undefined): boolean {
  const t = target ?? '';
  switch (comparison) {
    case Comparison.EQUALS:
      return actual === t;
    case Comparison.NOT_EQUALS:
      return actual !== t;
    case Comparison.CONTAINS:
      return actual !== null && actual.includes(t);
    case Comparison.NOT_CONTAINS:
      return actual === null || !actual.includes(t);
    case Comparison.LESS_THAN:
    case Comparison.GREATER_THAN: {
      const a = Number(actual);
      const b = Number(t);
      if (actual === null || actual.trim() === '' || !Number.isFinite(a) || !Number.isFinite(b)) return false;
      return comparison === Comparison.LESS_THAN ? a < b : a > b;
    }
    case Comparison.IS_EMPTY:
      return isEmpty(actual);
    case Comparison.NOT_EMPTY:
      return !isEmpty(actual);
  }
}

/**
 * Judges each assertion on what the response really said, and records an `actual` that never echoes a
 * credential: a response header named like one (Set-Cookie, Authorization) reads `[masked]`, and any credential
 * the request sent is masked wherever a body or header reflects it (`redactor`, which also keeps it short).
 */
export function evaluateAssertions(assertions: Assertion[], view: ResponseView, redactor: Redactor = new Redactor()): AssertionResult[] {
  return assertions.map((a) => {
    const actual = view.read(a.source, a.property);
    return { ...a, actual: recordedActual(a, actual, redactor), passed: compare(actual, a.comparison, a.target) };
  });
}

function recordedActual(a: Assertion, actual: string | null, redactor: Redactor): string | null {
  if (actual === null || a.source === AssertionSource.STATUS_CODE || a.source === AssertionSource.RESPONSE_TIME) return actual;
  if (a.source === AssertionSource.HEADER && isSensitiveName(a.property ?? '')) return MASK;
  // Kept short in the stored run (enough to see what went wrong, never a whole body), masked before it is cut.
  return redactor.excerpt(actual);
}

/** `["200-299", "301"]` → does `status` match any? */
export function statusMatches(status: number, expected: string[]): boolean {
  return expected.some((range) => {
    const [lo, hi = lo] = range.split('-').map(Number);
    return status >= lo && status <= hi;
  });
}
