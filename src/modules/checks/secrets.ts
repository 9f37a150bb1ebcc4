import type { Header } from './check.types';

/**
 * Header values that are credentials are write-only: views show `[masked]`, runs record `[masked]`, and an update
 * that sends `[masked]` back for a header keeps the stored value (so a dashboard can round-trip a monitor).
 */
export const MASK = '[masked]';
const SENSITIVE = /authorization|cookie|token|secret|password|passwd|api[-_]?key|session|credential|signature/i;

export const isSensitiveName = (name: string) => SENSITIVE.test(name);

export const maskHeaders = (headers: Header[]): Header[] =>
  headers.map((h) => (isSensitiveName(h.name) ? { name: h.name, value: MASK } : h));

/** New headers from a client, with `[masked]` values replaced by what is stored under the same name. */
export function unmaskHeaders(incoming: Header[], stored: Header[]): Header[] {
  return incoming.map((h) => {
    if (h.value !== MASK) return h;
    const prior = stored.find((s) => s.name.toLowerCase() === h.name.toLowerCase());
    return prior ? { name: h.name, value: prior.value } : h;
  });
}
