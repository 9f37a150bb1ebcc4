/** Control characters (C0, DEL, C1) and the Unicode line and paragraph separators. */
const CONTROL = /[\p{Cc}\u2028\u2029]/gu;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text from the server, made safe to print on one line of a CI log: every control character is shown escaped
 * (`\n`, `\r`, `\t`, `\u001b`…), so a name cannot start a line of its own (a GitHub Actions `::error` command, a
 * fake "PASSED" row) nor send terminal escapes. Names are refused with control characters now, but rows stored
 * before may still hold them.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
