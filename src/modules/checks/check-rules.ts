import type { FieldError } from '../../errors';
import { type Assertion, AssertionSource, Comparison, type Extraction, ExtractionSource, type Header } from './check.types';
import { parseJsonPath } from './jsonpath';
import { TEMPLATE_VARIABLE } from './template';
import { literalHostRange, rangeWords } from './target-guard';

/** Rules for checks that a GraphQL type cannot state, shared by monitors and journey steps. Return field errors. */

const NEEDS_TARGET = new Set([Comparison.EQUALS, Comparison.NOT_EQUALS, Comparison.CONTAINS, Comparison.NOT_CONTAINS, Comparison.LESS_THAN, Comparison.GREATER_THAN]);
const NUMERIC = new Set([Comparison.LESS_THAN, Comparison.GREATER_THAN]);
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,100}$/;

export interface UrlRules {
  /** `{{name}}` placeholders (journeys) are allowed. */
  templated?: boolean;
  /** ALLOW_PRIVATE_TARGETS: a literal private, loopback or link-local host is accepted. */
  allowPrivateTargets: boolean;
}

/**
 * A URL tracer can check: absolute http(s), and unless ALLOW_PRIVATE_TARGETS a host that is not literally a
 * private, loopback or link-local address (or localhost). Refused when it is given rather than left to fail every
 * run: the user learns at once, and which setting would allow it. A name that resolves to such an address is
 * only known at run time, where the target guard fails the run (src/modules/checks/http-client.ts).
 */
export function checkUrl(url: string, field: string, rules: UrlRules): FieldError[] {
  const probe = rules.templated ? url.replace(TEMPLATE_VARIABLE, 'x') : url;
  let u: URL;
  try {
    u = new URL(probe);
  } catch {
    return [{ field, message: 'must be an absolute http or https URL' }];
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return [{ field, message: 'must be an http or https URL' }];
  if (u.username || u.password) return [{ field, message: 'must not contain credentials; use a header' }];
  const range = rules.allowPrivateTargets ? undefined : literalHostRange(u.hostname);
  if (range && range !== 'unicast') {
    const words = rangeWords(range);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    return [
      {
        field,
        message: `${host} is ${/^[aeiou]/.test(words) ? 'an' : 'a'} ${words} address; tracer does not check private, loopback or link-local targets unless ALLOW_PRIVATE_TARGETS=true`,
      },
    ];
  }
  return [];
}

export function checkAssertions(assertions: Assertion[], field: string): FieldError[] {
  const errors: FieldError[] = [];
  if (assertions.length > 20) errors.push({ field, message: 'at most 20 assertions' });
  assertions.forEach((a, i) => {
    const at = `${field}[${i}]`;
    if (a.source === AssertionSource.JSON_BODY && (!a.property || !parseJsonPath(a.property)))
      errors.push({ field: `${at}.property`, message: 'must be a JSONPath like $.data.status or $.items[0].id' });
    if (a.source === AssertionSource.HEADER && (!a.property || !HEADER_NAME.test(a.property)))
      errors.push({ field: `${at}.property`, message: 'must be a header name' });
    if (NEEDS_TARGET.has(a.comparison) && (a.target === null || a.target === undefined))
      errors.push({ field: `${at}.target`, message: `is required for ${a.comparison}` });
    if (NUMERIC.has(a.comparison) && a.target != null && !Number.isFinite(Number(a.target)))
      errors.push({ field: `${at}.target`, message: `must be a number for ${a.comparison}` });
  });
  return errors;
}

export function checkExtractions(extractions: Extraction[], field: string): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  extractions.forEach((x, i) => {
    const at = `${field}[${i}]`;
    if (seen.has(x.name)) errors.push({ field: `${at}.name`, message: `${x.name} is extracted twice` });
    seen.add(x.name);
    if (x.source === ExtractionSource.JSON_BODY && (!x.property || !parseJsonPath(x.property)))
      errors.push({ field: `${at}.property`, message: 'must be a JSONPath like $.data.token' });
    if (x.source === ExtractionSource.HEADER && (!x.property || !HEADER_NAME.test(x.property)))
      errors.push({ field: `${at}.property`, message: 'must be a header name' });
  });
  return errors;
}

export function checkExpectedStatus(codes: string[], field: string): FieldError[] {
  if (!codes.length) return [{ field, message: 'must list at least one status code or range' }];
  const bad = codes.filter((c) => {
    const m = /^([1-5]\d\d)(?:-([1-5]\d\d))?$/.exec(c);
    return !m || (m[2] !== undefined && Number(m[2]) < Number(m[1]));
  });
  return bad.length ? [{ field, message: `must be codes or ranges like 200 or 200-299, not ${bad.join(', ')}` }] : [];
}

export function checkHeaders(headers: Header[], field: string): FieldError[] {
  return headers.length > 50 ? [{ field, message: 'at most 50 headers' }] : [];
}
