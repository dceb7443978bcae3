/**
 * Renders the inputs and outputs tables of README.md from action.yml, between the
 * `<!-- inputs:start -->` / `<!-- outputs:start -->` markers. `npm run docs` rewrites README.md;
 * a test fails when README.md and action.yml disagree.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

interface ActionYaml {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>
  outputs: Record<string, { description: string }>
}

const README = fileURLToPath(new URL('../README.md', import.meta.url))
const ACTION = fileURLToPath(new URL('../action.yml', import.meta.url))

function cell(text: string): string {
  return text.trim().replace(/\s+/g, ' ').replaceAll('|', '\\|')
}

export function renderTables(actionYaml: string): { inputs: string; outputs: string } {
  const action = parse(actionYaml) as ActionYaml
  const inputs = [
    '| Input | Default | Description |',
    '| --- | --- | --- |',
    ...Object.entries(action.inputs).map(
      ([name, input]) =>
        `| \`${name}\` | ${input.default ? `\`${cell(input.default)}\`` : '—'} | ${cell(input.description)} |`
    )
  ].join('\n')
  const outputs = [
    '| Output | Description |',
    '| --- | --- |',
    ...Object.entries(action.outputs).map(
      ([name, output]) => `| \`${name}\` | ${cell(output.description)} |`
    )
  ].join('\n')
  return { inputs, outputs }
}

export function replaceBlock(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} block`)
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`
}

export async function renderReadme(): Promise<{ current: string; expected: string }> {
  const [readme, action] = await Promise.all([readFile(README, 'utf8'), readFile(ACTION, 'utf8')])
  const tables = renderTables(action)
  const expected = replaceBlock(
    replaceBlock(readme, 'inputs', tables.inputs),
    'outputs',
    tables.outputs
  )
  return { current: readme, expected }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { current, expected } = await renderReadme()
  if (current !== expected) await writeFile(README, expected)
  console.log(
    current === expected
      ? 'README.md tables are up to date.'
      : 'README.md tables rewritten from action.yml.'
  )
}
