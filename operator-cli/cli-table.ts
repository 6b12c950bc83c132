/** Tables for people (cli-table3): coloured borders and headings on a terminal only, plain text when piped. */
import Table from 'cli-table3';

/** An empty table in the CLI's style; fixed `colWidths` wrap long cells. */
export function table(head: string[], colWidths?: number[]): Table.Table {
  const tty = Boolean(process.stdout.isTTY);
  return new Table({ head, ...(colWidths ? { colWidths, wordWrap: true } : {}), style: { head: tty ? ['cyan'] : [], border: tty ? ['grey'] : [] } });
}

export function renderTable(head: string[], rows: (string | number)[][]): string {
  const rendered = table(head);
  for (const row of rows) rendered.push(row.map(String));
  return rendered.toString();
}
