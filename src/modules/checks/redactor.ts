import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Header } from './check.types';
import { isSecretHeader, MASK, MIN_FRAGMENT, valueFragments } from './secrets';

/** How much of a value a run records (an assertion's `actual`, an extracted value): enough to see what went wrong. */
export const EXCERPT_CHARS = 500;

/**
 * Masks the credentials a check sent wherever a recorded value echoes them, and only there: the search covers the
 * characters a run keeps (the first EXCERPT_CHARS of a value once masked, and the occurrences that begin among
 * them, so that one straddling the cut leaves no visible half), never a whole 1 MiB body. It used to replace
 * every piece of every credential header across the whole body in turn, on the main thread: 50 headers of short
 * `k=v` pairs (~29,000 pieces) against a 1 MiB body stalled the event loop for tens of seconds per assertion.
 *
 * One combined search: the fragments are indexed once by their first four characters, and each kept position
 * looks up only the fragments that start with the four characters there (an exact comparison decides). Every
 * occurrence is masked, overlapping ones as one `[masked]`. The positions passed and characters compared are
 * counted: past `maxCompared` for one redactor (REDACTION_MAX_COMPARED: one run) a value is recorded as `[masked]`
 * whole rather than searched further, so no choice of headers and body makes recording a run expensive.
 */
export class Redactor {
  /** Fragments by their first MIN_FRAGMENT characters. */
  private readonly byHead = new Map<string, string[]>();
  private readonly known = new Set<string>();
  private compared = 0;
  /** Assertions on one body read the same text: searched once (until a fragment is added). */
  private readonly memo = new Map<string, string>();

  constructor(private readonly maxCompared = Number.POSITIVE_INFINITY) {}

  /** The values of the credential headers among `headers` (named like one or marked secret). */
  addHeaders(headers: Header[]): this {
    for (const h of headers) if (isSecretHeader(h)) this.addValue(h.value);
    return this;
  }

  /**
   * The same, handing the event loop back after each header: 50 headers of 4 kB `k=v` lists are ~29,000 pieces to
   * index, tens of milliseconds on a busy machine that other requests need not wait for in one block.
   */
  async addHeadersInTurns(headers: Header[]): Promise<this> {
    for (const h of headers) {
      if (!isSecretHeader(h)) continue;
      this.addValue(h.value);
      await yieldToLoop();
    }
    return this;
  }

  /** A secret value (a credential header's, or one a journey extracted from a response), whole and in pieces. */
  addValue(value: string): this {
    const { whole, pieces } = valueFragments(value);
    for (const f of whole) this.add(f);
    for (const f of pieces) this.add(f);
    return this;
  }

  private add(f: string): void {
    if (f.length < MIN_FRAGMENT || this.known.has(f)) return;
    this.known.add(f);
    const head = f.slice(0, MIN_FRAGMENT);
    const list = this.byHead.get(head);
    if (list) list.push(f);
    else this.byHead.set(head, [f]);
    if (this.memo.size) this.memo.clear();
  }

  /** How many credential fragments values are searched for. */
  get size(): number {
    return this.known.size;
  }

  /** What a run records of `text`: its first EXCERPT_CHARS characters, credentials masked, `…` when cut. */
  excerpt(text: string): string {
    if (!this.known.size) return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
    let shown = this.memo.get(text);
    if (shown === undefined) {
      shown = this.mask(text, EXCERPT_CHARS);
      this.memo.set(text, shown);
    }
    return shown;
  }

  /**
   * One pass from the start, ending as soon as `keep` characters are written: a character is written once every
   * occurrence that could cover it (those starting at or before it) is known. A mask is written whole or not at all.
   */
  private mask(text: string, keep: number): string {
    let out = '';
    let plainFrom = 0; // where the unmasked text being passed over starts; -1 inside a mask
    let maskEnd = 0; // the end of the furthest occurrence begun so far
    for (let i = 0; i < text.length; i++) {
      if (++this.compared > this.maxCompared) return MASK;
      const candidates = i + MIN_FRAGMENT <= text.length ? this.byHead.get(text.slice(i, i + MIN_FRAGMENT)) : undefined;
      if (candidates)
        for (const f of candidates) {
          if (i + f.length <= maskEnd) continue; // inside the mask already: changes nothing
          // Counted at its length: a comparison may read that much (fragments sharing a long prefix with the text).
          this.compared += f.length;
          if (this.compared > this.maxCompared) return MASK;
          if (text.startsWith(f, i)) maskEnd = i + f.length;
        }
      if (i < maskEnd) {
        if (plainFrom === -1) continue;
        out += text.slice(plainFrom, i);
        plainFrom = -1;
        if (out.length + MASK.length > keep) return `${out}…`; // cut before a mask rather than through it
        out += MASK;
      } else {
        if (plainFrom === -1) plainFrom = i;
        if (out.length + (i - plainFrom) + 1 > keep) return `${out}${text.slice(plainFrom, i)}…`;
      }
    }
    return plainFrom === -1 ? out : out + text.slice(plainFrom);
  }
}
