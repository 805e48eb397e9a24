/**
 * Input echoed in messages: a short excerpt with control characters escaped, so that a 10 MB
 * cell or a line of terminal escapes in a file cannot flood or rewrite the user's terminal.
 */

/** The most characters of input a message shows by default. */
export const EXCERPT_MAX = 60;

/** Characters shown escaped: C0 and C1 controls, DEL, line and paragraph separators, bidirectional overrides and isolates, the byte order mark. */
function unsafe(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0xfeff
  );
}
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(ch: string, quoteChars: boolean): string {
  if (quoteChars && (ch === '"' || ch === '\\')) return `\\${ch}`;
  const code = ch.charCodeAt(0);
  if (!unsafe(code)) return ch;
  const named = NAMED[ch];
  if (named) return named;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

function cut(s: string, max: number, quoteChars: boolean): { text: string; whole: boolean } {
  let out = '';
  for (const ch of s) {
    const e = escapeChar(ch, quoteChars);
    if (out.length + e.length > max) return { text: out, whole: false };
    out += e;
  }
  return { text: out, whole: true };
}

/**
 * `s` as a message may show it: control characters escaped (\n, \t, \x1b, \u202e), and at most
 * `max` characters of that; a longer one ends in `…` and says how long the input was.
 */
export function excerpt(s: string, max = EXCERPT_MAX): string {
  const { text, whole } = cut(s, max, false);
  return whole ? text : `${text}… (${s.length} characters)`;
}

/**
 * `s` in double quotes, as messages quote a value or a name: `"abc"`; quotes and backslashes
 * inside are escaped, and it is cut as excerpt cuts it: `"aaaa…" (10485760 characters)`.
 */
export function quote(s: string, max = EXCERPT_MAX): string {
  const { text, whole } = cut(s, max, true);
  return whole ? `"${text}"` : `"${text}…" (${s.length} characters)`;
}
