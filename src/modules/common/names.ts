import { Matches } from 'class-validator';
import type { FieldError } from '../../errors';

/**
 * Control characters (C0, DEL, C1), the Unicode line and paragraph separators, and format characters (\p{Cf}):
 * the bidirectional controls (U+202A–202E, U+2066–2069, U+200E/200F, U+061C) turn the text after them around in
 * a table, a log line or a notification (a name can make "FAILED" read "DELIAF", or hide what follows), and the
 * invisible ones (zero-width space, soft hyphen, BOM, tag characters) make two names look alike. The zero-width
 * joiner and non-joiner (U+200D, U+200C) stay allowed: emoji sequences (👩‍💻, 🏳️‍🌈) and Persian or Indic spelling
 * need them, and they change neither the direction nor the lines of the text. Tag characters stay refused although
 * a subdivision flag (🏴 England) is spelt with them: they can carry a whole invisible text. `printable`
 * (common/printable.ts) escapes the same set.
 */
const CONTROL = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\u2028\u2029]/u;
export const NO_CONTROL_RULE = 'must not contain control characters (line breaks, tabs, escapes, bidirectional or invisible format characters)';

/**
 * A name (of a monitor, journey, step, channel, key, organization, member, maintenance window) is one line of
 * printable text: it is shown in tables, logs, notifications and `tracer trigger`'s CI output, where a line break
 * started a line of its own (a GitHub Actions `::error` command, a fake "PASSED" row) and an escape drove the
 * terminal. Tags, header and variable names have stricter patterns of their own.
 */
export const NoControlCharacters = () => Matches(/^(?:[\u200c\u200d]|[^\p{Cc}\p{Cf}\u2028\u2029])*$/u, { message: NO_CONTROL_RULE });

/** The same rule for names that reach a service without an input type (a scalar argument, the CLI). */
export function nameErrors(field: string, value: string | null | undefined): FieldError[] {
  return value && CONTROL.test(value) ? [{ field, message: NO_CONTROL_RULE }] : [];
}
