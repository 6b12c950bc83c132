/** Tables for people: cli-table3, coloured headings in a terminal only (piped output stays plain text). */
import Table from 'cli-table3';

export function renderTable(head: string[], rows: (string | number)[][]): string {
  const colour = process.stdout.isTTY === true;
  const table = new Table({ head, style: colour ? { head: ['cyan'] } : { head: [], border: [] } });
  for (const row of rows) table.push(row.map(String));
  return table.toString();
}
