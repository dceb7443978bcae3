/**
 * Renders the action's job-summary HTML (a small, known subset: headings, paragraphs, tables,
 * lists, quotes) as plain text for a terminal, the way the demo shows it.
 */

function decode(text: string): string {
  return text
    .replace(/<br\s*\/?>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&')
    .trim()
}

function renderTable(html: string): string {
  const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...(row[1] ?? '').matchAll(/<t[hd]>([\s\S]*?)<\/t[hd]>/g)].map((cell) => decode(cell[1] ?? ''))
  )
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.min(Math.max(widths[index] ?? 0, cell.length), 60)
    })
  }
  const line = (row: string[]): string =>
    row
      .map((cell, index) => {
        const width = widths[index] ?? 0
        const shown = cell.length > width ? `${cell.slice(0, width - 1)}…` : cell
        return shown.padEnd(width)
      })
      .join(' │ ')
      .trimEnd()
  const [header, ...body] = rows
  if (!header) return ''
  const rule = widths.map((width) => '─'.repeat(width)).join('─┼─')
  return ['  ' + line(header), '  ' + rule, ...body.map((row) => '  ' + line(row))].join('\n')
}

export function summaryToText(html: string): string {
  const out: string[] = []
  const blocks = html.match(
    /<h2>[\s\S]*?<\/h2>|<h3>[\s\S]*?<\/h3>|<table>[\s\S]*?<\/table>|<ul>[\s\S]*?<\/ul>|<blockquote>[\s\S]*?<\/blockquote>|<p>[\s\S]*?<\/p>/g
  )
  for (const block of blocks ?? []) {
    if (block.startsWith('<h2>'))
      out.push(`\n${decode(block)}\n${'═'.repeat(decode(block).length)}`)
    else if (block.startsWith('<h3>')) out.push(`\n${decode(block)}`)
    else if (block.startsWith('<table>')) out.push(renderTable(block))
    else if (block.startsWith('<ul>')) {
      for (const item of block.matchAll(/<li>([\s\S]*?)<\/li>/g))
        out.push(`  • ${decode(item[1] ?? '')}`)
    } else if (block.startsWith('<blockquote>'))
      out.push(`  > ${decode(block).replace(/\n/g, '\n  > ')}`)
    else out.push(decode(block))
  }
  return out.join('\n')
}
