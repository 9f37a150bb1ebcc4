import { type Assertion, AssertionSource, Comparison } from './check.types';
import { evaluateJsonPath, parseJsonPath } from './jsonpath';

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

export function evaluateAssertions(assertions: Assertion[], view: ResponseView): AssertionResult[] {
  return assertions.map((a) => {
    const actual = view.read(a.source, a.property);
    // Kept short in the stored run: enough to see what went wrong, never a whole body.
    return { ...a, actual: actual && actual.length > 500 ? `${actual.slice(0, 500)}…` : actual, passed: compare(actual, a.comparison, a.target) };
  });
}

/** `["200-299", "301"]` → does `status` match any? */
export function statusMatches(status: number, expected: string[]): boolean {
  return expected.some((range) => {
    const [lo, hi = lo] = range.split('-').map(Number);
    return status >= lo && status <= hi;
  });
}
