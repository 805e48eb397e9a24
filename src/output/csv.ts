/** Stable number formatting: 10 significant digits, trailing zeros trimmed; NaN/±Inf → ''. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return '';
  const v = Number(x.toPrecision(10));
  return Object.is(v, -0) ? '0' : v.toString();
}

/** A plain decimal number (`-3.5`, `+2`, `1e-7`): a spreadsheet reads it as a number, never as a formula. */
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** First characters that make a spreadsheet treat a cell as a formula (OWASP, "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A text cell a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a carriage
 * return) with a single quote in front, as OWASP recommends, so that it shows as text; plain
 * numbers such as -3.5 and every other text are returned as they are.
 */
export function neutralizeFormula(s: string): string {
  return FORMULA_START.test(s) && !PLAIN_NUMBER.test(s) ? `'${s}` : s;
}

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? formatNumber(v) : neutralizeFormula(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV text (LF line endings, trailing newline); formula-like text cells neutralised (see neutralizeFormula). */
export function toCsv(header: string[], rows: (string | number | null)[][]): string {
  return csvRows([header]) + csvRows(rows);
}

/** Rows as CSV lines (each ending in a newline), cells as toCsv writes them: a CSV written in pieces, toCsv's bytes when joined after its header. */
export function csvRows(rows: (string | number | null)[][]): string {
  // joined rather than appended: one flat string, not a rope of a node or two per row (a panel
  // holds one such string per series until its forecast.csv is written)
  return rows.map((row) => `${row.map(cell).join(',')}\n`).join('');
}
