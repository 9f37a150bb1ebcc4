/**
 * Control characters (C0, DEL, C1), the Unicode line and paragraph separators, and format characters (\p{Cf}):
 * the bidirectional controls (U+202A–202E, U+2066–2069, U+200E/200F, U+061C), which reorder what a terminal or a
 * CI log shows after them, and invisible ones (zero-width space, soft hyphen, BOM, tag characters). The zero-width
 * joiner and non-joiner (U+200D, U+200C) pass: emoji sequences (👩‍💻) and Persian or Indic spelling need them, and
 * they change neither the direction nor the lines of the text. The same set as the name rule
 * (src/modules/common/names.ts), kept here so the CLI's client loads no server module.
 */
const CONTROL = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\u2028\u2029]/gu;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text from the server, made safe to print on one line of a CI log: every control or format character is shown
 * escaped (`\n`, `\r`, `\t`, `\u001b`, `\u202e`, `\u{e0041}`…), so a name cannot start a line of its own (a GitHub
 * Actions `::error` command, a fake "PASSED" row), send terminal escapes, nor turn the rest of its row around.
 * Names are refused with such characters now, but rows stored before may still hold them.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.codePointAt(0)!;
    return NAMED[c] ?? (code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}
