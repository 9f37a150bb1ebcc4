import type { AssertionSource, Comparison, ExtractionSource, HttpMethod } from '../../client/generated/graphql';
import type { FieldErrors } from '../fieldErrors';
import { FieldNote, describe } from './FieldNote';

/** What the API answers for a credential header's value, and takes back to mean "keep the stored one". */
export const MASK = '[masked]';

export const METHODS: HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const SOURCES: AssertionSource[] = ['STATUS_CODE', 'JSON_BODY', 'TEXT_BODY', 'HEADER', 'RESPONSE_TIME'];
const COMPARISONS: Comparison[] = ['EQUALS', 'NOT_EQUALS', 'CONTAINS', 'NOT_CONTAINS', 'LESS_THAN', 'GREATER_THAN', 'IS_EMPTY', 'NOT_EMPTY'];

/** A header as edited; `stored` is the name a masked value is stored under. */
export interface HeaderRow {
  name: string;
  value: string;
  stored?: string;
}

export interface AssertionRow {
  source: AssertionSource;
  property: string;
  comparison: Comparison;
  target: string;
}

type Editor<T> = { idPrefix: string; rows: T[]; errors: FieldErrors; onChange: (rows: T[]) => void; errorKey?: string };

const replace = <T,>(rows: T[], i: number, patch: Partial<T>) => rows.map((r, j) => (j === i ? { ...r, ...patch } : r));

/**
 * Request headers, one row each. A credential header's value reads `[masked]` as the API shows it; left as it is,
 * the API keeps the stored value.
 */
export function HeadersEditor({ idPrefix, rows, errors, onChange, errorKey = 'headers' }: Editor<HeaderRow>) {
  return (
    <fieldset {...describe(idPrefix, errors[errorKey])}>
      <legend>Headers</legend>
      {rows.length === 0 && <p className="hint">No headers.</p>}
      {rows.map((h, i) => {
        const at = `${errorKey}[${i}]`;
        const id = `${idPrefix}-${i}`;
        const kept = h.value === MASK && h.stored !== undefined;
        return (
          <div key={i} className="edit-row" role="group" aria-label={`Header ${i + 1}`}>
            <div>
              <label htmlFor={`${id}-name`}>Name</label>
              <input id={`${id}-name`} value={h.name} onChange={(x) => onChange(replace(rows, i, { name: x.target.value }))} {...describe(`${id}-name`, errors[`${at}.name`])} />
              <FieldNote id={`${id}-name`} error={errors[`${at}.name`]} />
            </div>
            <div>
              <label htmlFor={`${id}-value`}>Value</label>
              <input
                id={`${id}-value`}
                value={h.value}
                onChange={(x) => onChange(replace(rows, i, { value: x.target.value }))}
                onFocus={(x) => kept && x.target.select()}
                {...describe(`${id}-value`, errors[`${at}.value`], kept ? `${id}-kept` : undefined)}
              />
              {kept && (
                <p id={`${id}-kept`} className="hint">
                  Masked: the stored value is kept unless you type a new one.
                </p>
              )}
              <FieldNote id={`${id}-value`} error={errors[`${at}.value`]} />
            </div>
            <button type="button" className="danger remove" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove header ${h.name || i + 1}`}>
              Remove
            </button>
            <FieldNote id={id} error={errors[at]} />
          </div>
        );
      })}
      <button type="button" onClick={() => onChange([...rows, { name: '', value: '' }])}>
        Add header
      </button>
      <FieldNote id={idPrefix} error={errors[errorKey]} />
    </fieldset>
  );
}

const NO_PROPERTY = new Set<AssertionSource>(['STATUS_CODE', 'TEXT_BODY', 'RESPONSE_TIME']);

/** Assertions on the response: source (with its property: a JSONPath or a header name), comparison, target. */
export function AssertionsEditor({ idPrefix, rows, errors, onChange, errorKey = 'assertions' }: Editor<AssertionRow>) {
  return (
    <fieldset {...describe(idPrefix, errors[errorKey])}>
      <legend>Assertions</legend>
      {rows.length === 0 && <p className="hint">None: the expected status codes decide.</p>}
      {rows.map((a, i) => {
        const at = `${errorKey}[${i}]`;
        const id = `${idPrefix}-${i}`;
        return (
          <div key={i} className="edit-row" role="group" aria-label={`Assertion ${i + 1}`}>
            <div>
              <label htmlFor={`${id}-source`}>Source</label>
              <select id={`${id}-source`} value={a.source} onChange={(x) => onChange(replace(rows, i, { source: x.target.value as AssertionSource }))} {...describe(`${id}-source`, errors[`${at}.source`])}>
                {SOURCES.map((v) => (
                  <option key={v}>{v}</option>
                ))}
              </select>
              <FieldNote id={`${id}-source`} error={errors[`${at}.source`]} />
            </div>
            <div>
              <label htmlFor={`${id}-property`}>Property</label>
              <input
                id={`${id}-property`}
                value={a.property}
                placeholder={a.source === 'HEADER' ? 'content-type' : a.source === 'JSON_BODY' ? '$.status' : NO_PROPERTY.has(a.source) ? 'not used' : ''}
                onChange={(x) => onChange(replace(rows, i, { property: x.target.value }))}
                {...describe(`${id}-property`, errors[`${at}.property`])}
              />
              <FieldNote id={`${id}-property`} error={errors[`${at}.property`]} />
            </div>
            <div>
              <label htmlFor={`${id}-comparison`}>Comparison</label>
              <select id={`${id}-comparison`} value={a.comparison} onChange={(x) => onChange(replace(rows, i, { comparison: x.target.value as Comparison }))} {...describe(`${id}-comparison`, errors[`${at}.comparison`])}>
                {COMPARISONS.map((v) => (
                  <option key={v}>{v}</option>
                ))}
              </select>
              <FieldNote id={`${id}-comparison`} error={errors[`${at}.comparison`]} />
            </div>
            <div>
              <label htmlFor={`${id}-target`}>Target</label>
              <input id={`${id}-target`} value={a.target} onChange={(x) => onChange(replace(rows, i, { target: x.target.value }))} {...describe(`${id}-target`, errors[`${at}.target`])} />
              <FieldNote id={`${id}-target`} error={errors[`${at}.target`]} />
            </div>
            <button type="button" className="danger remove" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove assertion ${i + 1}`}>
              Remove
            </button>
            <FieldNote id={id} error={errors[at]} />
          </div>
        );
      })}
      <button type="button" onClick={() => onChange([...rows, { source: 'STATUS_CODE', property: '', comparison: 'EQUALS', target: '' }])}>
        Add assertion
      </button>
      <FieldNote id={idPrefix} error={errors[errorKey]} />
    </fieldset>
  );
}

export interface ExtractionRow {
  name: string;
  source: ExtractionSource;
  property: string;
}

const EXTRACTION_SOURCES: ExtractionSource[] = ['JSON_BODY', 'HEADER', 'STATUS_CODE'];

/** Values a journey step takes from its response for later steps (`{{name}}`). */
export function ExtractionsEditor({ idPrefix, rows, errors, onChange, errorKey = 'extractions' }: Editor<ExtractionRow>) {
  return (
    <fieldset {...describe(idPrefix, errors[errorKey])}>
      <legend>Extractions</legend>
      {rows.map((x, i) => {
        const at = `${errorKey}[${i}]`;
        const id = `${idPrefix}-${i}`;
        return (
          <div key={i} className="edit-row" role="group" aria-label={`Extraction ${i + 1}`}>
            <div>
              <label htmlFor={`${id}-name`}>Variable</label>
              <input id={`${id}-name`} value={x.name} placeholder="token" onChange={(v) => onChange(replace(rows, i, { name: v.target.value }))} {...describe(`${id}-name`, errors[`${at}.name`])} />
              <FieldNote id={`${id}-name`} error={errors[`${at}.name`]} />
            </div>
            <div>
              <label htmlFor={`${id}-source`}>Source</label>
              <select id={`${id}-source`} value={x.source} onChange={(v) => onChange(replace(rows, i, { source: v.target.value as ExtractionSource }))} {...describe(`${id}-source`, errors[`${at}.source`])}>
                {EXTRACTION_SOURCES.map((v) => (
                  <option key={v}>{v}</option>
                ))}
              </select>
              <FieldNote id={`${id}-source`} error={errors[`${at}.source`]} />
            </div>
            <div>
              <label htmlFor={`${id}-property`}>Property</label>
              <input id={`${id}-property`} value={x.property} placeholder={x.source === 'HEADER' ? 'x-request-id' : x.source === 'JSON_BODY' ? '$.data.token' : 'not used'} onChange={(v) => onChange(replace(rows, i, { property: v.target.value }))} {...describe(`${id}-property`, errors[`${at}.property`])} />
              <FieldNote id={`${id}-property`} error={errors[`${at}.property`]} />
            </div>
            <button type="button" className="danger remove" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove extraction ${i + 1}`}>
              Remove
            </button>
            <FieldNote id={id} error={errors[at]} />
          </div>
        );
      })}
      <button type="button" onClick={() => onChange([...rows, { name: '', source: 'JSON_BODY', property: '' }])}>
        Add extraction
      </button>
      <FieldNote id={idPrefix} error={errors[errorKey]} />
    </fieldset>
  );
}
