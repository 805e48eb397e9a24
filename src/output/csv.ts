/** Stable number formatting: 10 significant digits, trailing zeros trimmed; NaN/±Inf → ''. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return '';
  const v = Number(x.toPrecision(10));
  return Object.is(v, -0) ? '0' : v.toString();
}

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? formatNumber(v) : v;
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV text (LF line endings, trailing newline). */
export function toCsv(header: string[], rows: (string | number | null)[][]): string {
  const lines = [header.map(cell).join(',')];
  for (const row of rows) lines.push(row.map(cell).join(','));
  return lines.join('\n') + '\n';
}
