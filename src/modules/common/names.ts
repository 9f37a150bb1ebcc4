import { Matches } from 'class-validator';
import type { FieldError } from '../../errors';

/** Control characters (C0, DEL, C1) and the Unicode line and paragraph separators. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
export const NO_CONTROL_RULE = 'must not contain control characters (line breaks, tabs, escapes)';

/**
 * A name (of a monitor, journey, step, channel, key, organization, member, maintenance window) is one line of
 * printable text: it is shown in tables, logs, notifications and `tracer trigger`'s CI output, where a line break
 * started a line of its own (a GitHub Actions `::error` command, a fake "PASSED" row) and an escape drove the
 * terminal. Tags, header and variable names have stricter patterns of their own.
 */
export const NoControlCharacters = () => Matches(/^[^\p{Cc}\u2028\u2029]*$/u, { message: NO_CONTROL_RULE });

/** The same rule for names that reach a service without an input type (a scalar argument, the CLI). */
export function nameErrors(field: string, value: string | null | undefined): FieldError[] {
  return value && CONTROL.test(value) ? [{ field, message: NO_CONTROL_RULE }] : [];
}
